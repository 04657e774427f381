"""The engine screen's Settings part and the diff under each daemon finding:
sources shown, and text from the daemon's files kept literal (no markup,
control characters escaped)."""

from __future__ import annotations

from rich.console import Console

from dockertui.audit import audit_engine
from dockertui.model import ClientFacts, EngineInfo
from dockertui.model.daemon import Identified, daemon_settings
from dockertui.ui.engine_screen import engine_report


def _plain(engine: EngineInfo) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for part in engine_report(engine, ClientFacts(), audit_engine(engine, ClientFacts())):
        console.print(part)
    return console.export_text()


def test_settings_with_their_sources_and_the_diff_kept_literal() -> None:
    config = '{"log-driver": "json-file", "labels": ["[bold red]owned[/]", "bell\\u0007"]}'
    argv = ["dockerd", "-H", "fd://", "--icc=true"]
    engine = EngineInfo(
        icc=True, logging_driver="json-file", daemon=daemon_settings(9, argv, config)
    )
    text = _plain(engine)
    assert "dockerd pid 9: its command line and /etc/docker/daemon.json" in text
    assert "icc                    on  command line: --icc=true" in text
    assert "log-driver             json-file  /etc/docker/daemon.json" in text
    # icc is on the command line: its diff is of the command line
    assert "-dockerd -H fd:// --icc=true" in text and "+dockerd -H fd:// --icc=false" in text
    # the file's other keys, in the live-restore diff: markup and a bell kept literal
    assert '"labels": ["[bold red]owned[/]", "bell\\u0007"], "live-restore": true}' in text
    assert "\x07" not in text  # the file's own escape is kept; nothing reaches the terminal raw


def test_settings_not_read_say_why_and_show_what_the_api_shows() -> None:
    engine = EngineInfo(icc=True, daemon_unread="Settings not verifiable here: the engine is "
                        "reached over tcp, so its command line and daemon.json are on another host.")  # fmt: skip
    text = _plain(engine)
    assert "Settings not verifiable here: the engine is reached over tcp" in text
    assert "icc                    on  engine API" in text
    assert "---" not in text  # no diff without the settings


def test_origins_from_the_command_line_and_the_file_path_are_escaped() -> None:
    """dockerd's arguments (and the --config-file path among them) are shown as
    text: a control character as \\xNN, Rich markup literal."""
    argv = [
        "dockerd",
        "--log-driver",
        "sys[bold]log\x1b[31m",
        "--config-file",
        "/etc/[red]d\x07.json",
    ]
    engine = EngineInfo(daemon=daemon_settings(9, argv, '{"debug": true}'))
    text = _plain(engine)
    assert "command line: --log-driver sys[bold]log\\x1b[31m" in text
    assert "debug                  on  /etc/[red]d\\x07.json" in text
    assert "\x1b" not in text and "\x07" not in text


def test_settings_of_an_inferred_dockerd_say_so() -> None:
    settings = daemon_settings(9, ["dockerd"], None, identified=Identified.COMMAND_LINE)
    text = _plain(EngineInfo(daemon=settings))
    assert "(inferred from the command line: its descriptors are not readable here" in text
    assert "inferred" not in _plain(EngineInfo(daemon=daemon_settings(9, ["dockerd"], None)))
