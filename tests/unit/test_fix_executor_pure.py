"""The executor's pure parts, without an engine: the create body built from a
captured inspect document, the dependents scan, the journal (round trip,
atomic rewrite), the audit log line, the state directory, and that secret
environment values never reach the audit log. Preflight refusals run
against a small fake of EngineClient that answers from captured documents."""

from __future__ import annotations

import copy
import getpass
import json
import os
import stat
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dockertui import __version__
from dockertui.audit import capabilities as caps
from dockertui.fixes import refusals
from dockertui.fixes.describe import compose_snippet
from dockertui.fixes.documents import (
    anonymous_volumes,
    create_body,
    dependents,
    endpoint_config,
    is_noop,
    options_from_dict,
)
from dockertui.fixes.plan import CapPreset, Options, plan
from dockertui.fixes.state import (
    REDACTED,
    Journal,
    JournalState,
    State,
    env_values,
    redact,
    state_dir,
)
from dockertui.model import EngineInfo

CASE = "named-and-anon-volumes"
ANON = "a1fd5b487e4e09f7aee59d07e0cbdf6549670e070cdcd4348ba0cc3575bd612b"
SHORT = "da3f505086f9"
#: The fake values of tests/fixtures/inspect/secrets.json worth redacting.
SECRET_VALUES = ("fixture-not-a-secret", "0123ABCD", "MIIfake")

Doc = dict[str, Any]


# --- the create body ---------------------------------------------------------------------------


def test_create_body_from_the_captured_document(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    original = copy.deepcopy(doc)
    body, extras = create_body(doc)
    assert doc == original, "the inspect document must not be modified"
    # Config as-is, but without the old short id as hostname
    assert "Hostname" not in body
    for key in ("Cmd", "Image", "Labels", "Volumes", "Env", "Entrypoint", "WorkingDir", "User"):
        assert body[key] == doc["Config"][key], key
    # the named volume kept, the anonymous one re-mounted by its name
    assert body["HostConfig"]["Binds"] == ["dtui-fixture-vol:/data", f"{ANON}:/cache"]
    rest = {k: v for k, v in body["HostConfig"].items() if k != "Binds"}
    assert rest == {k: v for k, v in doc["HostConfig"].items() if k != "Binds"}
    # one network at create, none to connect later
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"bridge": {}}}
    assert extras == {}
    assert "NetworkSettings" not in body and "State" not in body and "Id" not in body


def test_anonymous_volumes_are_found_once(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    assert [m["Name"] for m in anonymous_volumes(doc)] == [ANON]
    # once re-mounted by name (the container a previous fix made), it is a bind like any other
    doc["HostConfig"]["Binds"].append(f"{ANON}:/cache")
    assert anonymous_volumes(doc) == []
    body, _ = create_body(doc)
    assert body["HostConfig"]["Binds"].count(f"{ANON}:/cache") == 1


def test_read_only_anonymous_volume_stays_read_only(edited: Callable[..., Doc]) -> None:
    doc = edited(CASE, {"Mounts.1.RW": False})
    body, _ = create_body(doc)
    assert f"{ANON}:/cache:ro" in body["HostConfig"]["Binds"]


def test_anonymous_volume_from_a_mount_spec_gets_its_source(edited: Callable[..., Doc]) -> None:
    """`--mount type=volume,dst=/cache` leaves HostConfig.Mounts without a Source:
    the re-create must name the volume there, not add a second mount."""
    doc = edited(CASE, {"HostConfig.Mounts": [{"Type": "volume", "Target": "/cache"}]})
    body, _ = create_body(doc)
    assert body["HostConfig"]["Mounts"] == [{"Type": "volume", "Target": "/cache", "Source": ANON}]
    assert body["HostConfig"]["Binds"] == ["dtui-fixture-vol:/data"]


def _two_networks(edited: Callable[..., Doc]) -> Doc:
    return edited(
        CASE,
        {
            "HostConfig.NetworkMode": "front",
            "NetworkSettings.Networks": {
                "back": {
                    "Aliases": [SHORT, "db-client"],
                    "DriverOpts": {"com.example.opt": "1"},
                    "IPAMConfig": None,
                    "Links": None,
                    "NetworkID": "b" * 64,
                    "IPAddress": "172.30.0.5",
                    "MacAddress": "02:42:ac:1e:00:05",
                },
                "front": {
                    "Aliases": ["web", SHORT],
                    "IPAMConfig": {"IPv4Address": "172.31.0.10"},
                    "Links": ["other:alias"],
                    "NetworkID": "f" * 64,
                    "EndpointID": "e" * 64,
                    "IPAddress": "172.31.0.10",
                },
            },
        },
    )


def test_networks_keep_aliases_static_ips_links_and_driver_opts(
    edited: Callable[..., Doc],
) -> None:
    body, extras = create_body(_two_networks(edited))
    assert body["NetworkingConfig"] == {
        "EndpointsConfig": {
            "front": {
                "Aliases": ["web"],
                "IPAMConfig": {"IPv4Address": "172.31.0.10"},
                "Links": ["other:alias"],
            }
        }
    }
    assert extras == {"back": {"Aliases": ["db-client"], "DriverOpts": {"com.example.opt": "1"}}}


def test_network_mode_by_id_picks_that_network(edited: Callable[..., Doc]) -> None:
    doc = _two_networks(edited)
    doc["HostConfig"]["NetworkMode"] = "b" * 12
    body, extras = create_body(doc)
    assert list(body["NetworkingConfig"]["EndpointsConfig"]) == ["back"]
    assert list(extras) == ["front"]


def test_endpoint_config_drops_runtime_fields() -> None:
    kept = endpoint_config({"Aliases": None, "IPAddress": "1.2.3.4", "EndpointID": "x"}, SHORT)
    assert kept == {}


@pytest.mark.parametrize("mode", ["host", "none", "container:" + "c" * 64])
def test_shared_or_no_network_sends_no_endpoints(edited: Callable[..., Doc], mode: str) -> None:
    doc = edited(CASE, {"HostConfig.NetworkMode": mode, "Config.Hostname": "the-host"})
    body, extras = create_body(doc)
    assert "NetworkingConfig" not in body and extras == {}
    if mode != "none":  # the engine refuses a hostname with another's network namespace
        assert "Hostname" not in body


def test_own_hostname_and_image_override(edited: Callable[..., Doc]) -> None:
    body, _ = create_body(edited(CASE, {"Config.Hostname": "web"}), image="sha256:" + "1" * 64)
    assert body["Hostname"] == "web"
    assert body["Image"] == "sha256:" + "1" * 64


def test_plan_document_carries_the_hardening(
    load_inspect: Callable[[str], Doc], engine_info: EngineInfo
) -> None:
    doc = load_inspect(CASE)
    fix = plan(
        doc, ["drop-caps", "no-new-privileges", "limits"], engine_info, Options(memory=2**29)
    )
    body, _ = create_body(fix.document)
    assert body["HostConfig"]["CapDrop"] == sorted(caps.HARDENING_DROP)
    assert "no-new-privileges:true" in body["HostConfig"]["SecurityOpt"]
    assert body["HostConfig"]["Memory"] == body["HostConfig"]["MemorySwap"] > 0
    assert f"{ANON}:/cache" in body["HostConfig"]["Binds"]
    assert not is_noop(fix)
    again = plan(fix.document, ["drop-caps", "no-new-privileges"], engine_info)
    assert is_noop(again)


def test_options_survive_a_journal(engine_info: EngineInfo) -> None:
    options = Options(
        cap_preset=CapPreset.CUSTOM, keep_caps=("NET_BIND_SERVICE",), tmpfs=("/run",), memory=2**29
    )
    assert options_from_dict(json.loads(json.dumps(asdict(options)))) == options


# --- dependents --------------------------------------------------------------------------------


def test_a_link_on_a_user_network_is_a_dependent(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    name = doc["Name"].lstrip("/")
    linked = {
        "Id": "7" * 64,
        "Name": "/client",
        "HostConfig": {"NetworkMode": "appnet"},
        "NetworkSettings": {"Networks": {"appnet": {"Links": [f"{name}:db"]}}},
    }
    assert dependents(doc, [doc, linked]) == ["client"]


def test_dependents_by_namespace_volumes_from_and_link(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    cid, name = doc["Id"], doc["Name"].lstrip("/")

    def other(n: str, **host: Any) -> Doc:
        return {"Id": n * 64, "Name": f"/{n}", "HostConfig": host}

    others = [
        doc,  # itself
        other("a", NetworkMode=f"container:{cid}"),
        other("b", VolumesFrom=[f"{name}:ro"]),
        other("c", Links=[f"/{name}:/c/db"]),
        other("d", PidMode=f"container:{cid[:12]}"),
        other("e", NetworkMode="bridge", VolumesFrom=["unrelated"], Links=["/x:/e/x"]),
    ]
    assert dependents(doc, others) == ["a", "b", "c", "d"]


# --- journal -----------------------------------------------------------------------------------


def _journal(**kw: Any) -> Journal:
    values: dict[str, Any] = {
        "fix_id": "20261128-151121-web-abc123",
        "endpoint": "unix:///var/run/docker.sock",
        "name": "web",
        "old_id": "1" * 64,
        "temp_name": "web-new-20261128-151121",
        "backup_name": "web-backup-20261128-151121",
        "failed_name": "web-failed-20261128-151121",
        "backup_dir": "/state/backups/web-20261128-151121",
        "plan": ["drop-caps", "non-root"],
        "options": json.loads(json.dumps(asdict(Options(user="4242:4242")))),
        "original_restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "old_was_running": True,
    }
    values.update(kw)
    return Journal(**values)


def test_journal_round_trip(tmp_path: Path) -> None:
    state = State(tmp_path)
    journal = _journal()
    journal.step = "stop-old"
    journal.steps = ["create", "connect-networks", "restart-policy-no", "stop-old"]
    journal.new_id = "2" * 64
    path = state.write_journal(journal)
    assert path == tmp_path / "journal" / f"{journal.fix_id}.json"
    (read,) = state.journals()
    assert read == journal
    assert read.pending and read.state == JournalState.IN_PROGRESS
    assert options_from_dict(read.options) == Options(user="4242:4242")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == [path.name], "no temporary file is left behind"

    journal.state = JournalState.APPLIED
    state.write_journal(journal)
    assert state.pending() == []
    assert state.journals()[0].state == "applied"


def test_pending_is_per_endpoint_and_skips_unreadable_files(tmp_path: Path) -> None:
    state = State(tmp_path)
    state.write_journal(_journal())
    state.write_journal(_journal(fix_id="other", endpoint="tcp://10.0.0.5:2376", name="db"))
    (tmp_path / "journal" / "broken.json").write_text("{not json")
    assert [j.name for j in state.pending("unix:///var/run/docker.sock")] == ["web"]
    assert sorted(j.name for j in state.pending()) == ["db", "web"]


def test_journal_rewrite_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite that dies before os.replace leaves the previous journal whole."""
    state = State(tmp_path)
    journal = _journal()
    journal.step = "create"
    path = state.write_journal(journal)
    before = path.read_text()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    journal.step = "stop-old"
    with pytest.raises(OSError):
        state.write_journal(journal)
    assert path.read_text() == before
    assert os.listdir(path.parent) == [path.name]


def test_unknown_journal_keys_are_ignored(tmp_path: Path) -> None:
    journal = _journal()
    assert Journal.from_dict(journal.to_dict() | {"from_a_newer_version": 1}) == journal


# --- audit log ---------------------------------------------------------------------------------


def test_audit_line_shape(tmp_path: Path) -> None:
    state = State(tmp_path)
    entry = state.audit(
        endpoint="unix:///var/run/docker.sock",
        container_id="1" * 64,
        container_name="web",
        plan=["drop-caps"],
        steps=["create", "verify"],
        result="applied",
        reason="done",
    )
    lines = state.audit_path.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == entry
    assert set(entry) == {
        "time",
        "endpoint",
        "container_id",
        "container_name",
        "plan",
        "steps",
        "result",
        "reason",
        "user",
        "version",
    }
    assert entry["time"].endswith("Z")
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0
    assert entry["user"] == getpass.getuser()
    assert entry["version"] == __version__
    assert entry["plan"] == ["drop-caps"] and entry["steps"] == ["create", "verify"]
    assert stat.S_IMODE(state.audit_path.stat().st_mode) == 0o600
    state.audit(
        endpoint="e",
        container_id="",
        container_name="web",
        plan=[],
        steps=[],
        result="refused",
    )
    assert [e["result"] for e in state.audit_entries()] == ["applied", "refused"]
    with pytest.raises(ValueError):
        state.audit(
            endpoint="e", container_id="", container_name="", plan=[], steps=[], result="maybe"
        )


def test_redact() -> None:
    assert redact("token s3cr3t-value in text", ["s3cr3t-value", "1"]) == (
        f"token {REDACTED} in text"
    )
    assert env_values(
        {"Name": "/web-prod", "Config": {"Env": ["A=web", "B=long-value", "C="]}}
    ) == ["long-value"]


def _recreate_refusal(doc: Doc, *, others: tuple[Doc, ...] = (), image: bool = True) -> str:
    found = refusals.recreate_refusal(
        doc, image={"Id": doc["Image"]} if image else None, others=[doc, *others]
    )
    assert found is not None, "the re-create was not refused"
    return found


def test_preflight_refuses_a_missing_image(load_inspect: Callable[[str], Doc]) -> None:
    reason = _recreate_refusal(load_inspect(CASE), image=False)
    assert "image" in reason and "no longer on the engine" in reason


def test_preflight_lets_a_plain_container_through(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    assert refusals.recreate_refusal(doc, image={"Id": doc["Image"]}, others=[doc]) is None
    assert refusals.compose_refusal(doc) is None
    assert refusals.live_refusal(doc, {"Memory": 1}) is None


def test_preflight_refuses_auto_remove(load_inspect: Callable[[str], Doc]) -> None:
    assert "AutoRemove" in _recreate_refusal(load_inspect("auto-remove"))
    live = refusals.live_refusal(load_inspect("auto-remove"), {"RestartPolicy": {"Name": "always"}})
    assert live is not None and "--rm" in live


def test_preflight_refuses_dependents(load_inspect: Callable[[str], Doc]) -> None:
    doc = load_inspect(CASE)
    sidecar = {
        "Id": "9" * 64,
        "Name": "/sidecar",
        "HostConfig": {"NetworkMode": f"container:{doc['Id']}"},
    }
    assert _recreate_refusal(doc, others=(sidecar,)).startswith("sidecar depends on")


def test_preflight_refuses_another_fixs_temporary_container(
    load_inspect: Callable[[str], Doc],
) -> None:
    doc = load_inspect(CASE)
    name = doc["Name"].lstrip("/")
    temp = {"Id": "8" * 64, "Name": f"/{name}-new-20260101-000000", "HostConfig": {}}
    assert _recreate_refusal(doc, others=(temp,)).startswith(f"{name}-new-20260101-000000 exists")


def test_preflight_refuses_compose_with_the_snippet(
    edited: Callable[..., Doc], engine_info: EngineInfo
) -> None:
    doc = edited(
        CASE,
        {
            ("Config", "Labels", "com.docker.compose.project"): "shop",
            ("Config", "Labels", "com.docker.compose.service"): "web",
        },
    )
    reason = refusals.compose_refusal(doc)
    assert reason is not None and "compose" in reason and "shop" in reason
    snippet = compose_snippet(
        plan(doc, ["drop-caps", "limits"], engine_info, Options(memory=2**29))
    )
    assert snippet.startswith('services:\n  "web":')
    assert "cap_drop:" in snippet and 'mem_limit: "512m"' in snippet


def test_user_names_must_resolve_in_the_image() -> None:
    passwd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/tmp:/bin/sh\n"
    group = "root:x:0:\napp:x:1000:\n"
    assert refusals.user_refusal("web", "app", passwd, group) is None
    assert refusals.user_refusal("web", "1000:1000", None, None) is None  # numbers need no table
    assert "no user 'nobody'" in (refusals.user_refusal("web", "nobody", passwd, group) or "")
    assert "no group 'staff'" in (refusals.user_refusal("web", "app:staff", passwd, group) or "")
    assert "numeric uid" in (refusals.user_refusal("web", "app", None, None) or "")


def test_secret_values_never_reach_the_audit_log(
    tmp_path: Path, load_inspect: Callable[[str], Doc]
) -> None:
    """The audit log names the container but holds no environment value,
    even when a reason quotes one (an engine error could)."""
    doc = load_inspect("secrets")
    state = State(tmp_path)
    state.audit(
        endpoint="e",
        container_id=doc["Id"],
        container_name=doc["Name"].lstrip("/"),
        plan=["non-root"],
        steps=["create"],
        result="failed",
        reason="the engine said: invalid env DB_PASSWORD=fixture-not-a-secret",
        secrets=env_values(doc),
    )
    text = state.audit_path.read_text()
    for secret in SECRET_VALUES:
        assert secret not in text
    assert REDACTED in text
    assert doc["Name"].lstrip("/") in text


def test_backup_folder_is_private(tmp_path: Path, load_inspect: Callable[[str], Doc]) -> None:
    state = State(tmp_path)
    doc = load_inspect("secrets")
    folder = state.save_backup("web-20261128-151121", doc, {"Id": "sha256:x"})
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("container.json", "image.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert state.load_backup(folder) == doc


def test_state_dir_precedence(tmp_path: Path) -> None:
    assert state_dir({"DOCKERTUI_STATE_DIR": "/a", "XDG_STATE_HOME": "/b"}) == Path("/a")
    assert state_dir({"XDG_STATE_HOME": "/b"}) == Path("/b/dockertui")
    assert state_dir({}) == Path.home() / ".local" / "state" / "dockertui"


def test_only_an_applied_fix_names_its_backup_container(tmp_path: Path) -> None:
    """After a rollback the original has its name back: no backup to name."""
    from dockertui.fixes.records import Records
    from dockertui.fixes.state import Result

    records = Records(State(tmp_path), "unix:///var/run/docker.sock")
    journal = _journal()
    applied = records.result(journal, Result.APPLIED, "done")
    rolled = records.result(journal, Result.ROLLED_BACK, "rolled back")
    assert applied.backup_name == journal.backup_name
    assert rolled.backup_name is None and rolled.new_id == journal.old_id
