"""dockerd's settings from its command line and daemon.json (captured files
in tests/fixtures/daemon: this machine's dockerd command line and
/proc/net/unix, and daemon.json files: valid, invalid, empty, conflicting),
the exact diff a daemon fix shows, and the engine checks that say where a
setting comes from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockertui.audit import audit_engine
from dockertui.audit.daemon_change import daemon_change
from dockertui.engine.daemon_proc import find_dockerd, parse_proc_net_unix, read_daemon
from dockertui.model import ClientFacts, EngineInfo
from dockertui.model.daemon import Identified, Source, daemon_settings, parse_argv
from dockertui.report.json_report import settings_dict

DAEMON = Path(__file__).resolve().parent.parent / "fixtures" / "daemon"
MAIN_ARGV = (DAEMON / "main_cmdline").read_bytes().rstrip(b"\0").decode().split("\0")
CONFIG = "/etc/docker/daemon.json"


def _file(name: str) -> str:
    return (DAEMON / name).read_text()


# --- the command line ------------------------------------------------------


def test_the_captured_command_line_sets_only_its_socket() -> None:
    settings = daemon_settings(8883, MAIN_ARGV, None)
    hosts = settings.setting("hosts")
    assert hosts.value == ("unix:///var/run/docker.sock",)
    assert hosts.source is Source.COMMAND_LINE
    assert hosts.origin == "--host unix:///var/run/docker.sock"
    icc = settings.setting("icc")
    assert (icc.value, icc.source) == (True, Source.DEFAULT)
    assert icc.describe() == f"default: not set in {CONFIG} or on the command line"
    assert settings.notes == ()


@pytest.mark.parametrize(
    ("args", "key", "value", "written"),
    [
        (["--icc=false"], "icc", False, "--icc=false"),
        (["--icc", "false"], "icc", False, "--icc false"),
        (["--live-restore"], "live-restore", True, "--live-restore"),
        (["--userns-remap=default"], "userns-remap", "default", "--userns-remap=default"),
        (["--no-new-privileges"], "no-new-privileges", True, "--no-new-privileges"),
        (["--tlsverify"], "tlsverify", True, "--tlsverify"),
        (["--selinux-enabled"], "selinux-enabled", True, "--selinux-enabled"),
        (["--seccomp-profile", "/p.json"], "seccomp-profile", "/p.json", "--seccomp-profile /p.json"),
        (["--userland-proxy=false"], "userland-proxy", False, "--userland-proxy=false"),
        (["--iptables=false"], "iptables", False, "--iptables=false"),
        (["--log-driver", "syslog"], "log-driver", "syslog", "--log-driver syslog"),
        (["--authorization-plugin=authz"], "authorization-plugins", ("authz",),
         "--authorization-plugin=authz"),
        (["--experimental"], "experimental", True, "--experimental"),
        (["-D"], "debug", True, "-D"),
        (["--debug=false"], "debug", False, "--debug=false"),
        (["-l", "warn"], "log-level", "warn", "-l warn"),
    ],
)  # fmt: skip
def test_each_flag_form(args: list[str], key: str, value: object, written: str) -> None:
    flags = parse_argv(["dockerd", "--containerd", "/run/containerd.sock", *args])
    assert flags.values == {key: value}
    assert " ".join(flags.written[key]) == written


def test_repeatable_flags_collect_and_the_last_single_value_wins() -> None:
    argv = ["dockerd", "-H", "unix:///a.sock", "--host=tcp://127.0.0.1:2375", "-Hfd://",
            "--insecure-registry", "r1:5000", "--insecure-registry=r2:5000",
            "--icc=false", "--icc=true"]  # fmt: skip
    flags = parse_argv(argv)
    assert flags.values["hosts"] == ("unix:///a.sock", "tcp://127.0.0.1:2375", "fd://")
    assert flags.values["insecure-registries"] == ("r1:5000", "r2:5000")
    assert flags.values["icc"] is True
    assert [argv[i] for i in flags.positions["icc"]] == ["--icc=false", "--icc=true"]


def test_config_file_and_bad_values() -> None:
    flags = parse_argv(["dockerd", "--config-file", "/srv/d.json", "--icc=maybe", "--log-driver"])
    assert flags.config_file == "/srv/d.json"
    assert flags.values == {}
    assert flags.notes == (
        "--icc=maybe on dockerd's command line is not true or false.",
        "--log-driver has no value on dockerd's command line.",
    )
    assert daemon_settings(1, ["dockerd", "--config-file=/srv/d.json"], None).config.path == (
        "/srv/d.json"
    )


# --- daemon.json -----------------------------------------------------------


def test_a_valid_file_gives_its_settings_with_the_file_as_source() -> None:
    settings = daemon_settings(1, ["dockerd"], _file("daemon.json"))
    live = settings.setting("live-restore")
    assert (live.value, live.source, live.origin) == (True, Source.FILE, CONFIG)
    assert settings.setting("log-driver").value == "journald"
    assert settings.setting("insecure-registries").value == ("registry.lan:5000", "localhost:5000")
    assert settings.setting("icc").source is Source.DEFAULT
    assert settings.notes == ()


def test_invalid_json_is_a_note_and_nothing_is_taken_from_it() -> None:
    settings = daemon_settings(1, ["dockerd"], _file("invalid.json"))
    assert not settings.config.valid
    assert len(settings.notes) == 1
    assert settings.notes[0].startswith(f"{CONFIG} is not valid JSON (")
    assert settings.setting("icc").source is Source.DEFAULT
    change = daemon_change(settings, "icc", False)
    assert change.diff == ""
    assert "Make it valid first" in change.note


def test_an_empty_file_and_a_missing_one_set_nothing() -> None:
    for text in (_file("empty.json"), None):
        settings = daemon_settings(1, ["dockerd"], text)
        assert settings.notes == ()
        assert all(s.source is Source.DEFAULT for s in settings.settings())


def test_a_setting_in_both_places_is_a_conflict_and_a_wrong_type_a_note() -> None:
    argv = ["dockerd", "-H", "unix:///var/run/docker.sock"]
    settings = daemon_settings(1, argv, _file("conflict.json"))
    assert settings.conflicts == ("hosts",)
    assert settings.setting("hosts").source is Source.COMMAND_LINE
    assert settings.notes == (
        f"hosts is set both on dockerd's command line and in {CONFIG}: dockerd would refuse "
        "to start so; the file changed since it started.",
        f"icc in {CONFIG} is not a bool.",
    )
    assert settings.setting("icc").source is Source.DEFAULT


def test_a_json_array_is_not_a_configuration() -> None:
    settings = daemon_settings(1, ["dockerd"], "[1, 2]")
    assert settings.notes == (f"{CONFIG} holds a JSON list, not an object.",)


# --- the diff a daemon fix shows --------------------------------------------


def test_the_change_is_merged_into_the_users_file() -> None:
    settings = daemon_settings(1, ["dockerd"], _file("daemon.json"))
    change = daemon_change(settings, "icc", False)
    assert change.where is Source.FILE
    assert change.command == f'{CONFIG}: "icc": false, then restart dockerd'
    # only the last key's line gains its comma: the other lines stay as written
    assert change.diff == (
        "--- /etc/docker/daemon.json\n"
        "+++ /etc/docker/daemon.json\n"
        "@@ -2,5 +2,6 @@\n"
        '     "log-driver": "journald",\n'
        '     "log-opts": {"tag": "{{.Name}}"},\n'
        '     "insecure-registries": ["registry.lan:5000", "localhost:5000"],\n'
        '-    "live-restore": true\n'
        '+    "live-restore": true,\n'
        '+    "icc": false\n'
        " }\n"
    )


def _changed_lines(diff: str) -> list[str]:
    return [
        line for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]  # fmt: skip


def test_a_four_space_file_keeps_its_indentation_and_its_other_lines() -> None:
    text = (
        "{\n"
        '    "log-driver": "journald",\n'
        '    "insecure-registries": [\n'
        '        "registry.lan:5000",\n'
        '        "r2.lan:5000"\n'
        "    ],\n"
        '    "icc": true,\n'
        '    "debug": true\n'
        "}\n"
    )
    settings = daemon_settings(1, ["dockerd"], text)
    assert _changed_lines(daemon_change(settings, "icc", False).diff) == [
        '-    "icc": true,',
        '+    "icc": false,',
    ]
    assert _changed_lines(daemon_change(settings, "live-restore", True).diff) == [
        '-    "debug": true',
        '+    "debug": true,',
        '+    "live-restore": true',
    ]
    # a list the fix shortens is one changed value; the lines around it stay
    kept = daemon_change(settings, "insecure-registries", ("r2.lan:5000",)).diff
    assert _changed_lines(kept) == [
        '-    "insecure-registries": [',
        '-        "registry.lan:5000",',
        '-        "r2.lan:5000"',
        "-    ],",
        '+    "insecure-registries": ["r2.lan:5000"],',
    ]


def test_a_tab_indented_file_keeps_its_tabs() -> None:
    settings = daemon_settings(1, ["dockerd"], '{\n\t"debug": true\n}\n')
    assert _changed_lines(daemon_change(settings, "icc", False).diff) == [
        '-\t"debug": true',
        '+\t"debug": true,',
        '+\t"icc": false',
    ]
    # an empty object has no key to follow: the file is written out, with its own tabs
    settings = daemon_settings(1, ["dockerd"], "{\n\t}\n")
    assert _changed_lines(daemon_change(settings, "icc", False).diff) == [
        "-\t}",
        '+\t"icc": false',
        "+}",
    ]


def test_non_ascii_text_in_the_file_is_kept_as_written() -> None:
    text = '{\n  "labels": ["équipe=réseau", "名前=東京"],\n  "log-driver": "journald"\n}\n'
    diff = daemon_change(daemon_settings(1, ["dockerd"], text), "icc", False).diff
    assert _changed_lines(diff) == [
        '-  "log-driver": "journald"',
        '+  "log-driver": "journald",',
        '+  "icc": false',
    ]
    assert '   "labels": ["équipe=réseau", "名前=東京"],\n' in diff  # context, unescaped
    assert "\\u" not in diff


def test_a_missing_file_is_created_by_the_change() -> None:
    change = daemon_change(daemon_settings(1, MAIN_ARGV, None), "live-restore", True)
    assert change.diff == (
        "--- /dev/null\n"
        "+++ /etc/docker/daemon.json\n"
        "@@ -0,0 +1,3 @@\n"
        "+{\n"
        '+  "live-restore": true\n'
        "+}\n"
    )


def test_a_setting_on_the_command_line_is_changed_there() -> None:
    argv = ["/usr/bin/dockerd", "-H", "fd://", "--icc=true", "-D", "--containerd=/run/c.sock"]
    settings = daemon_settings(77, argv, '{"log-driver": "journald"}')
    icc = daemon_change(settings, "icc", False)
    assert icc.where is Source.COMMAND_LINE
    assert icc.diff == (
        "--- dockerd command line (pid 77)\n"
        "+++ dockerd command line (pid 77)\n"
        "@@ -1 +1 @@\n"
        "-/usr/bin/dockerd -H fd:// --icc=true -D --containerd=/run/c.sock\n"
        "+/usr/bin/dockerd -H fd:// --icc=false -D --containerd=/run/c.sock\n"
    )
    assert "not in daemon.json" in icc.note
    assert icc.command.endswith(": --icc=false in place of --icc=true, then restart dockerd")
    debug = daemon_change(settings, "debug", False)  # back to the default: the flag goes
    assert (
        debug.diff.splitlines()[-1]
        == "+/usr/bin/dockerd -H fd:// --icc=true --containerd=/run/c.sock"
    )
    assert debug.command.endswith(": remove -D, then restart dockerd")


def test_a_setting_in_both_places_is_also_removed_from_the_file() -> None:
    """dockerd refuses to start with a key both on its command line and in its
    file: the change edits the flag and takes the key out of the file."""
    argv = ["dockerd", "--icc=true", "--containerd=/run/c.sock"]
    text = '{\n    "icc": true,\n    "log-driver": "journald"\n}\n'
    settings = daemon_settings(5, argv, text)
    assert settings.conflicts == ("icc",)
    change = daemon_change(settings, "icc", False)
    assert change.diff == (
        "--- dockerd command line (pid 5)\n"
        "+++ dockerd command line (pid 5)\n"
        "@@ -1 +1 @@\n"
        "-dockerd --icc=true --containerd=/run/c.sock\n"
        "+dockerd --icc=false --containerd=/run/c.sock\n"
        f"--- {CONFIG}\n"
        f"+++ {CONFIG}\n"
        "@@ -1,4 +1,3 @@\n"
        " {\n"
        '-    "icc": true,\n'
        '     "log-driver": "journald"\n'
        " }\n"
    )
    assert change.command.endswith(
        f': --icc=false in place of --icc=true; {CONFIG}: remove "icc", then restart dockerd'
    )
    assert f"the change also removes it from {CONFIG}" in change.caution
    # the finding says it, in its command
    found = audit_engine(EngineInfo(icc=True, daemon=settings), ClientFacts())
    icc = next(f for f in found if f.check == "icc-enabled")
    assert icc.fix.diff == change.diff
    assert f"the change also removes it from {CONFIG}" in icc.fix.command
    # the command line already gives the value: only the file's key goes, not "just restart"
    same = daemon_change(settings, "icc", True)
    assert not same.already and same.was == ""
    assert _changed_lines(same.diff) == ['-    "icc": true,']
    assert same.command == f'{CONFIG}: remove "icc", then restart dockerd'


def test_a_change_elsewhere_says_a_conflicting_key_still_stops_dockerd() -> None:
    settings = daemon_settings(1, ["dockerd", "-H", "fd://"], '{"hosts": ["fd://"]}')
    change = daemon_change(settings, "live-restore", True)
    assert "dockerd will not start until hosts is set in one place only" in change.caution
    # "only a restart is missing" is not true either while the conflict stands
    argv = ["dockerd", "-H", "fd://", "--icc=false"]
    pending = daemon_change(daemon_settings(1, argv, '{"hosts": ["fd://"]}'), "icc", False)
    assert pending.already
    assert "dockerd will not start until hosts is set in one place only" in pending.caution


# --- the engine checks -------------------------------------------------------


def _findings(engine: EngineInfo) -> dict[str, tuple[str, str, str]]:
    return {
        f.check: (f.detail, f.fix.command, f.fix.diff) for f in audit_engine(engine, ClientFacts())
    }


def test_a_finding_says_where_its_setting_comes_from_and_carries_the_diff() -> None:
    settings = daemon_settings(1, ["dockerd"], _file("daemon.json"))
    found = _findings(EngineInfo(icc=True, live_restore=True, daemon=settings))
    detail, _, diff = found["icc-enabled"]
    assert detail == f"icc is on (default: not set in {CONFIG} or on the command line)."
    assert diff == daemon_change(settings, "icc", False).diff
    assert "live-restore-off" not in found


def test_without_settings_a_finding_keeps_the_api_detail_and_no_diff() -> None:
    detail, command, diff = _findings(EngineInfo(icc=True))["icc-enabled"]
    assert detail == "The bridge network has com.docker.network.bridge.enable_icc=true."
    assert command == f'{CONFIG}: "icc": false, then restart dockerd'
    assert diff == ""


def test_a_file_changed_since_dockerd_started_is_said() -> None:
    settings = daemon_settings(1, ["dockerd"], '{"icc": false}')
    detail, _, _ = _findings(EngineInfo(icc=True, daemon=settings))["icc-enabled"]
    assert detail == (
        f"icc is on in the running engine; its settings now give off (set in {CONFIG}), "
        "applied at dockerd's next restart."
    )


# --- /proc: which dockerd serves a socket -----------------------------------


def test_proc_net_unix_captured_here() -> None:
    text = _file("proc_net_unix")
    sockets = parse_proc_net_unix(text)
    listening = [s for s in sockets if s.path == "/var/run/docker.sock" and s.listening]
    assert len(listening) == 1 and listening[0].inode > 0
    # a connected end keeps the path but does not listen; unnamed sockets are left out
    assert any(s.path.endswith("containerd.sock.ttrpc") and not s.listening for s in sockets)
    unnamed = [line for line in text.splitlines()[1:] if len(line.split()) == 7]
    assert unnamed and len(sockets) == len(text.splitlines()) - 1 - len(unnamed)


def test_a_truncated_proc_net_unix_keeps_its_whole_lines() -> None:
    text = _file("proc_net_unix")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.rstrip().endswith(" /var/run/docker.sock"))
    cut = "".join(lines[:at]) + lines[at][:30]  # ends inside that line, before its inode
    assert parse_proc_net_unix(cut) == parse_proc_net_unix("".join(lines[:at]))
    assert parse_proc_net_unix("") == []
    assert parse_proc_net_unix("Num RefCount\nnot a socket line at all\n") == []


def _process(proc: Path, pid: int, comm: str, argv: list[str], sockets: dict[int, str]) -> None:
    """A /proc/<pid> with comm, cmdline, net/unix and fd links to its sockets."""
    d = proc / str(pid)
    (d / "fd").mkdir(parents=True)
    (d / "net").mkdir()
    (d / "comm").write_text(comm + "\n")
    os.symlink("/", d / "root")
    (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    rows = ["Num       RefCount Protocol Flags    Type St Inode Path"]
    for n, (inode, path) in enumerate(sockets.items()):
        rows.append(f"{n:016x}: 00000002 00000000 00010000 0001 01 {inode} {path}")
        os.symlink(f"socket:[{inode}]", d / "fd" / str(3 + n))
    (d / "net" / "unix").write_text("\n".join(rows) + "\n")


def test_the_dockerd_holding_the_socket_is_found(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    _process(tmp_path, 10, "dockerd", ["dockerd", "-H", "unix:///other.sock"], {5: "/other.sock"})
    _process(tmp_path, 20, "dockerd", ["dockerd", "--icc=false"], {6: sock})
    assert find_dockerd(sock, tmp_path) == (
        20, ["dockerd", "--icc=false"], Identified.SOCKET_HOLDER
    )  # fmt: skip
    settings = read_daemon(sock, tmp_path)
    assert not isinstance(settings, str)
    assert settings.setting("icc").source is Source.COMMAND_LINE
    assert settings.verified
    assert settings_dict(EngineInfo(daemon=settings))["how"] == "socket holder"


def test_a_socket_held_by_another_program_is_not_verifiable(tmp_path: Path) -> None:
    sock = str(tmp_path / "podman.sock")
    _process(tmp_path, 10, "dockerd", ["dockerd"], {5: "/var/run/docker.sock"})
    _process(tmp_path, 30, "podman", ["podman", "system", "service"], {6: sock})
    # podman's own listing of the socket is in its namespace; dockerd's view shares it here
    (tmp_path / "10" / "net" / "unix").write_text((tmp_path / "30" / "net" / "unix").read_text())
    assert find_dockerd(sock, tmp_path) == (
        f"the process serving {sock} is not a dockerd (Podman, or a forwarder)"
    )
    assert read_daemon("/nowhere.sock", tmp_path) == (
        "Settings not verifiable here: no dockerd on this host serves /nowhere.sock."
    )


def test_no_dockerd_visible(tmp_path: Path) -> None:
    assert read_daemon("/var/run/docker.sock", tmp_path) == (
        "Settings not verifiable here: no dockerd process is visible from here (the engine "
        "may run on another host, in a VM, or dockertui in a container)."
    )


def test_without_its_descriptors_a_dockerd_naming_the_socket_is_taken(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    _process(tmp_path, 40, "dockerd", ["dockerd", "-H", f"unix://{sock}"], {7: sock})
    for link in (tmp_path / "40" / "fd").iterdir():
        link.unlink()
    (tmp_path / "40" / "fd").rmdir()
    (tmp_path / "40" / "fd").write_text("")  # listdir fails, as for another user's process
    assert find_dockerd(sock, tmp_path) == (
        40, ["dockerd", "-H", f"unix://{sock}"], Identified.COMMAND_LINE
    )  # fmt: skip
    # guessed, so not "verified": the JSON says how the dockerd was told
    settings = read_daemon(sock, tmp_path)
    assert not isinstance(settings, str) and not settings.verified
    shown = settings_dict(EngineInfo(daemon=settings))
    assert shown["verified"] is False
    assert shown["how"] == "inferred from the command line"
    assert shown["dockerd_pid"] == 40
    assert "not verified to hold it" in shown["reason"]


def test_the_only_plain_dockerd_for_the_default_socket_is_inferred(tmp_path: Path) -> None:
    _process(tmp_path, 41, "dockerd", ["dockerd", "-H", "fd://"], {})
    (tmp_path / "41" / "fd").rmdir()
    (tmp_path / "41" / "fd").write_text("")
    found = find_dockerd("/var/run/docker.sock", tmp_path)
    assert found == (41, ["dockerd", "-H", "fd://"], Identified.COMMAND_LINE)


@pytest.mark.parametrize(
    "status",
    [
        "Name:\tdockerd\nUid:\n",  # the line, no values
        "Name:\tdockerd\nUid:\tx\ty\n",  # not numbers
        "Name:\tdockerd\nState:\tS (sleep",  # truncated before its Uid line
    ],
)
def test_a_malformed_status_is_not_verifiable_never_a_traceback(
    tmp_path: Path, status: str
) -> None:
    sock = str(tmp_path / "d.sock")
    _process(tmp_path, 61, "dockerd", ["dockerd"], {9: sock})
    (tmp_path / "61" / "status").write_text(status)
    found = read_daemon(sock, tmp_path)
    assert found == (
        "Settings not verifiable here: /proc/61/status has no readable Uid line (a truncated file)."
    )


def test_proc_files_that_are_not_utf8_are_read_not_raised(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    _process(tmp_path, 62, "dockerd", ["dockerd", "--icc=false"], {9: sock})
    _process(tmp_path, 63, "x", ["x"], {})
    (tmp_path / "63" / "comm").write_bytes(b"\xff\xfe\n")  # a process may name itself so
    (tmp_path / "62" / "status").write_bytes(b"Name:\t\xff\nUid:\t0\t0\t0\t0\n")
    found = read_daemon(sock, tmp_path)
    assert not isinstance(found, str) and found.pid == 62


def test_a_config_file_it_cannot_read_is_not_verifiable(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    config = tmp_path / "folder-not-file"
    config.mkdir()
    _process(tmp_path, 50, "dockerd", ["dockerd", "--config-file", str(config)], {8: sock})
    found = read_daemon(sock, tmp_path)
    assert isinstance(found, str) and found.startswith(
        f"Settings not verifiable here: cannot read {config}"
    )


def test_a_rootless_dockerd_reads_the_file_in_its_users_home(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    _process(tmp_path, 60, "dockerd", ["dockerd"], {9: sock})
    (tmp_path / "60" / "status").write_text("Name:\tdockerd\nUid:\t1000\t1000\t1000\t1000\n")
    (tmp_path / "60" / "environ").write_bytes(b"USER=alice\0HOME=/home/alice\0")
    found = read_daemon(sock, tmp_path)
    assert not isinstance(found, str)
    assert found.config.path == "/home/alice/.config/docker/daemon.json"
    (tmp_path / "60" / "environ").write_bytes(b"XDG_CONFIG_HOME=/srv/cfg\0HOME=/home/alice\0")
    found = read_daemon(sock, tmp_path)
    assert not isinstance(found, str) and found.config.path == "/srv/cfg/docker/daemon.json"
    (tmp_path / "60" / "environ").unlink()
    (tmp_path / "60" / "environ").mkdir()  # unreadable, as another user's would be
    assert read_daemon(sock, tmp_path) == (
        "Settings not verifiable here: cannot tell which configuration file this rootless "
        "dockerd reads (its environment is not readable)."
    )


def test_userns_remap_set_but_not_in_effect_is_pending_a_restart() -> None:
    settings = daemon_settings(1, ["dockerd", "--userns-remap=default"], None)
    detail, command, diff = _findings(EngineInfo(daemon=settings))["userns-disabled"]
    assert detail == (
        "SecurityOptions lists neither name=userns nor name=rootless in the running engine; "
        "its settings now give default (dockerd command line: --userns-remap=default), "
        "applied at dockerd's next restart."
    )
    assert diff == ""  # the setting already has the value the fix asks for
    assert command == 'restart dockerd: its settings already give "userns-remap": "default"'


# --- tlsverify needs its certificates; a rootless engine's file ------------------------

_PLAIN_TCP = "API is accessible on http://0.0.0.0:2375 without encryption."


def _added_document(diff: str) -> dict[str, object]:
    """The file a diff against /dev/null creates."""
    lines = diff.splitlines()
    assert lines[0] == "--- /dev/null", diff
    return json.loads("\n".join(line[1:] for line in lines[3:]))


def test_tlsverify_comes_with_its_certificate_files_as_placeholders() -> None:
    argv = ["dockerd", "-H", "tcp://0.0.0.0:2375", "--tlscert=/srv/own-cert.pem"]
    engine = EngineInfo(warnings=(_PLAIN_TCP,), daemon=daemon_settings(1, argv, None))
    hit = next(f for f in audit_engine(engine, ClientFacts()) if f.check == "tcp-without-tls")
    # valid JSON, and dockerd can start with it once the files exist: the CA and the key
    # are added as placeholders; the certificate the command line names is not repeated
    assert _added_document(hit.fix.diff) == {
        "tlsverify": True,
        "tlscacert": "/etc/docker/certs/ca.pem",
        "tlskey": "/etc/docker/certs/server-key.pem",
    }
    assert "tlscacert, tlskey are placeholders: put the files there" in hit.fix.command


def test_tlsverify_without_settings_names_the_certificate_files() -> None:
    engine = EngineInfo(warnings=(_PLAIN_TCP,))
    hit = next(f for f in audit_engine(engine, ClientFacts()) if f.check == "tcp-without-tls")
    assert hit.fix.command.startswith(
        f'{CONFIG}: "tlsverify": true, "tlscacert": "/etc/docker/certs/ca.pem", '
        '"tlscert": "/etc/docker/certs/server-cert.pem", '
        '"tlskey": "/etc/docker/certs/server-key.pem", then restart dockerd'
    )
    assert "placeholder paths, the files must exist" in hit.fix.command
    assert hit.fix.diff == ""


def test_a_rootless_engine_unread_names_its_own_file() -> None:
    rootless = EngineInfo(
        icc=True, security_options=("name=seccomp,profile=default", "name=rootless")
    )
    _, command, _ = _findings(rootless)["icc-enabled"]
    assert command == '~/.config/docker/daemon.json: "icc": false, then restart dockerd'


def test_a_value_dockerd_would_refuse_is_not_called_not_set() -> None:
    """A key of the wrong kind, or a file that does not parse: the default
    is what runs now, and the finding says why, not "not set"."""
    from dockertui.model.daemon import daemon_settings

    wrong = daemon_settings(1, ["dockerd"], '{"icc": "no"}').setting("icc")
    assert wrong.value is True  # dockerd's default, in effect until it restarts
    assert wrong.describe() == (
        'the default, for now: /etc/docker/daemon.json sets icc to "no", which is not a '
        "bool: dockerd would refuse to start with this file"
    )
    broken = daemon_settings(1, ["dockerd"], '{"icc": fals').setting("icc")
    assert "could not be read as dockerd reads it" in broken.describe()
    assert "not set" not in broken.describe()
