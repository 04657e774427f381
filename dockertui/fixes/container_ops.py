"""The container actions a fix is made of, each idempotent and race-proof.

Every action first looks at the engine, so running it twice is harmless
(which is what makes an interrupted fix resumable), and the ones a rollback
depends on hold against the engine's own restarts: a crash-looping
container with `--restart always` can be restarted by the engine between
two of our requests, so "stopped for good" means restart policy `no` and
not running, retried with backoff, and killed as a last resort.

Podman's Docker API has no `POST /containers/{id}/update`, so a restart
policy cannot be changed there; Podman never restarts a container that its
API stopped, so on Podman "stopped for good" is stopped, and the policy is
left as it was (`ContainerOps.sets_policies`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.documents import container_name, has_healthcheck, health_limit, restart_policy
from dockertui.model import engine_from_api

T = TypeVar("T")
NO_POLICY = {"Name": "no", "MaximumRetryCount": 0}
#: Restart policies that mean "never restart" (an empty one cannot be set with update).
NO_POLICIES = ("", "no")
#: Pauses between attempts when the engine is busy with the container.
RETRY_PAUSES = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0)
#: Seconds between two looks at a container during verification.
POLL_SECONDS = 0.5
DEFAULT_STOP_SECONDS = 10
Say = Callable[[str], None]


class StepFailed(Exception):
    """A step or the verification failed. One sentence."""


async def retrying(action: Callable[[], Awaitable[T]]) -> T:
    """Run `action`, again after a pause while the engine answers with a
    transient refusal or cannot be reached, a bounded number of times."""
    for pause in RETRY_PAUSES:
        try:
            return await action()
        except EngineRefused as err:
            if not err.transient:
                raise
        except EngineError:
            pass
        await asyncio.sleep(pause)
    return await action()


def reason_of(err: BaseException) -> str:
    if isinstance(err, EngineRefused):
        return f"the engine said: {err.message}"
    return str(err)


def _running(doc: Mapping[str, Any]) -> bool:
    state = doc.get("State") or {}
    return bool(state.get("Running") or state.get("Restarting"))


def stop_seconds(doc: Mapping[str, Any]) -> int:
    seconds = (doc.get("Config") or {}).get("StopTimeout")
    return DEFAULT_STOP_SECONDS if seconds is None or seconds < 0 else int(seconds)


class ContainerOps:
    """Idempotent container actions on one engine, with progress lines."""

    def __init__(self, gateway: EngineGateway, say: Say, verify_seconds: float) -> None:
        self.gateway = gateway
        self.say = say
        self.verify_seconds = verify_seconds
        self.since: dict[str, float] = {}  # container id -> daemon time it was started
        self._sets_policies: bool | None = None

    async def sets_policies(self) -> bool:
        """Whether the engine can change a restart policy live: not Podman
        (no /containers/{id}/update), which also never restarts a container
        its API stopped. Asked of /version once."""
        if self._sets_policies is None:
            version = await self.gateway.version()
            self._sets_policies = not engine_from_api({}, version, None).podman
        return self._sets_policies

    async def inspect(self, ref: str) -> dict[str, Any]:
        found = await self.gateway.inspect_container(ref)
        if found is None:
            raise StepFailed(f"the container {ref[:64]} no longer exists")
        return found

    async def set_policy(self, cid: str, policy: Mapping[str, Any]) -> None:
        if not await self.sets_policies():
            return
        if restart_policy(await self.inspect(cid)) != dict(policy):
            await retrying(lambda: self.gateway.update_container(cid, {"RestartPolicy": policy}))

    async def stop_for_good(self, cid: str, what: str) -> None:
        """Restart policy `no`, then stopped; the engine may be restarting it
        meanwhile, so: set the policy (stopping first when the engine refuses
        that), stop, look again, a bounded number of times, then kill."""
        settable = await self.sets_policies()
        for pause in (*RETRY_PAUSES, None):
            doc = await self.gateway.inspect_container(cid)
            if doc is None:
                return
            policy_ok = not settable or restart_policy(doc)["Name"] in NO_POLICIES
            if policy_ok and not _running(doc):
                return
            if pause is None:
                break
            try:
                if not policy_ok:
                    await self.gateway.update_container(cid, {"RestartPolicy": NO_POLICY})
                if _running(doc):
                    seconds = stop_seconds(doc)
                    self.say(f"Stopping {what} (up to {seconds} s).")
                    await self.gateway.stop_container(cid, seconds=seconds)
            except EngineRefused as err:
                if not err.transient:
                    raise
                # Restarting under our feet: a stop makes the engine give up on it.
                if _running(doc):
                    await self._quietly(self.gateway.stop_container(cid, seconds=stop_seconds(doc)))
            await asyncio.sleep(pause)
        self.say(f"{what} keeps coming back: killing it.")
        await self._quietly(self.gateway.kill_container(cid))
        if settable:
            await self._quietly(self.gateway.update_container(cid, {"RestartPolicy": NO_POLICY}))
        doc = await self.inspect(cid)
        if _running(doc) or (settable and restart_policy(doc)["Name"] not in NO_POLICIES):
            raise StepFailed(f"{what} could not be stopped for good")

    @staticmethod
    async def _quietly(request: Awaitable[object]) -> None:
        try:
            await request
        except EngineRefused as err:
            if not err.transient:
                raise

    async def rename(self, cid: str, name: str) -> None:
        doc = await self.inspect(cid)
        if container_name(doc) != name:
            self.say(f"Renaming {container_name(doc)} to {name}.")
            await retrying(lambda: self.gateway.rename_container(cid, name))

    async def start(self, cid: str, what: str) -> None:
        doc = await self.inspect(cid)
        if (doc.get("State") or {}).get("Running"):
            self.since.setdefault(cid, started_at(doc) - 1.0)
            return
        self.since[cid] = await self.gateway.daemon_time()
        self.say(f"Starting {what}.")
        await self.gateway.start_container(cid)

    async def verify(self, cid: str, what: str) -> None:
        """Raise StepFailed unless `cid` runs well for the verification window:
        running, the same start and restart count, healthy when it has a
        healthcheck, and no die or oom event."""
        first = await self.inspect(cid)
        since = self.since.get(cid, started_at(first) - 1.0)
        health = has_healthcheck(first)
        window = self.verify_seconds
        limit = health_limit(first, window) if health else window
        self.say(
            f"Verifying {what} for {window:g} s"
            + (" (until its healthcheck reports healthy)" if health else "")
            + "."
        )
        baseline = (first.get("RestartCount"), (first.get("State") or {}).get("StartedAt"))
        began = time.monotonic()
        doc = first
        while True:
            state = doc.get("State") or {}
            if state.get("OOMKilled"):
                raise StepFailed(f"{what} was killed for lack of memory")
            if state.get("Restarting") or not state.get("Running"):
                error = f": {state['Error']}" if state.get("Error") else ""
                raise StepFailed(f"{what} exited with code {state.get('ExitCode')}{error}")
            if (doc.get("RestartCount"), state.get("StartedAt")) != baseline:
                raise StepFailed(f"{what} restarted (restart count {doc.get('RestartCount')})")
            status = (state.get("Health") or {}).get("Status")
            if health and status == "unhealthy":
                raise StepFailed(f"{what} reported unhealthy")
            elapsed = time.monotonic() - began
            if elapsed >= window and (not health or status == "healthy"):
                break
            if elapsed >= limit:
                raise StepFailed(f"{what} did not report healthy within {limit:.0f} s")
            await asyncio.sleep(POLL_SECONDS)
            doc = await self.inspect(cid)
        try:
            until = await self.gateway.daemon_time()
            events = await self.gateway.container_events(cid, since, until, ("die", "oom"))
        except (EngineRefused, EngineError):
            return  # no bounded event query (or a slow one): the polling saw enough
        bad = [e.get("Action") or e.get("status") for e in events]
        if bad:
            raise StepFailed(f"{what} had a {bad[0]} event during verification")


def started_at(doc: Mapping[str, Any]) -> float:
    value = str((doc.get("State") or {}).get("StartedAt") or "")
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return time.time()
