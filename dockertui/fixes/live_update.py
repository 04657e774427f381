"""A live-only plan: one `POST /containers/{id}/update`, confirmed by
re-inspecting. Nothing restarts, so there is no journal: the inspect backup
and the audit line are the record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.container_ops import StepFailed, reason_of, retrying
from dockertui.fixes.documents import container_name, restart_policy
from dockertui.fixes.outcome import FixResult, Grade
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.records import Records
from dockertui.fixes.state import Result, env_values, redact


async def update_live(
    gateway: EngineGateway,
    records: Records,
    fix: FixPlan,
    doc: dict[str, Any],
    say: Callable[[str], None],
    grade: Callable[[str], Awaitable[Grade | None]],
) -> FixResult:
    name, cid = container_name(doc), str(doc["Id"])
    secrets = env_values(doc)
    say(f"Saving the inspect backup of {name}.")
    folder = await records.save_backup(gateway, doc, name, records.unique_stamp(name))
    steps = ["update"]

    def failed(reason: str) -> FixResult:
        records.audit(doc, fix.changes, steps, Result.FAILED, reason)
        return FixResult(
            Result.FAILED, name, backup_dir=folder, steps=tuple(steps),
            message=redact(reason, secrets) + ".", container_id=cid,
        )  # fmt: skip

    say(f"Updating {name} live: {', '.join(sorted(fix.update_body))}.")
    try:
        warnings = await retrying(lambda: gateway.update_container(cid, fix.update_body))
        after = await gateway.inspect_container(cid)
        if after is None:
            raise StepFailed(f"{name} is gone")
    except (EngineRefused, StepFailed) as err:
        return failed(f"The engine refused the update of {name}: {reason_of(err)}")
    except EngineError as err:
        return failed(
            f"{err.args[0].rstrip('.')}; the update of {name} may or may not have been applied: "
            f"check with docker inspect {name}"
        )
    steps.append("confirm")
    host = after.get("HostConfig") or {}
    wrong = [
        key
        for key, value in fix.update_body.items()
        if (restart_policy(after) if key == "RestartPolicy" else host.get(key)) != value
    ]
    if wrong:
        said = "; it warned: " + " ".join(warnings) if warnings else ""
        return failed(
            f"The engine accepted the update of {name} but does not report "
            f"{', '.join(wrong)} as asked{said}"
        )
    message = f"{name} was updated live ({', '.join(fix.changes)}); no restart was needed."
    if warnings:
        message += " The engine warned: " + " ".join(warnings)
    records.audit(doc, fix.changes, steps, Result.APPLIED, message)
    return FixResult(
        Result.APPLIED, name, new_id=cid, backup_dir=folder, steps=tuple(steps),
        message=redact(message, secrets), container_id=cid, after=await grade(cid),
    )  # fmt: skip
