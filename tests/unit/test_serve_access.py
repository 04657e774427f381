"""Browser mode without a server: the access rules (the token, the
cookie's name, the websocket's origin, what an address exposes) and the
command each browser session runs."""

from __future__ import annotations

import os
import sys

import pytest

from dockertui.cli.common import EngineChoice
from dockertui.cli.serve import console_argv
from dockertui.web.access import Access, Pass, exposure_warning, is_loopback, same_origin


def test_the_token_is_random_and_long() -> None:
    first, second = Access(port=8000), Access(port=8000)
    assert first.token != second.token
    assert len(first.token) >= 43  # 32 random bytes, URL-safe base64
    assert first.token not in repr(first)


def test_the_token_passes_in_the_query_or_the_cookie_and_nothing_else_does() -> None:
    access = Access(port=8000)
    token = access.token
    assert access.judge(token, None) is Pass.QUERY
    assert access.judge(None, token) is Pass.COOKIE
    assert access.judge(token, "wrong") is Pass.QUERY
    assert access.judge("wrong", token) is Pass.COOKIE
    for query, cookie in (
        (None, None),
        ("", ""),
        ("wrong", None),
        (None, "wrong"),
        (token[:-1], token + "x"),
        (token.upper() if token != token.upper() else token.lower(), None),
        ("\udcff" + token, None),  # not even UTF-8
    ):
        assert access.judge(query, cookie) is Pass.REFUSED, (query, cookie)


def test_the_cookie_is_named_after_the_port() -> None:
    # cookies are kept per host, not per port: two consoles on one host
    assert Access(port=8000).cookie != Access(port=8001).cookie


def test_the_start_url_carries_the_token_and_reaches_the_server() -> None:
    access = Access(port=8123)
    assert access.start_url("127.0.0.1") == f"http://127.0.0.1:8123/?token={access.token}"
    assert access.start_url("::1").startswith("http://[::1]:8123/?token=")
    assert access.start_url("0.0.0.0").startswith("http://127.0.0.1:8123/")


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        (None, "127.0.0.1:8000", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://LOCALHOST:8000", "localhost:8000", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("http://evil.example", "127.0.0.1:8000", False),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
    ],
)
def test_only_the_consoles_own_page_may_open_its_websocket(
    origin: str | None, host: str, same: bool
) -> None:
    assert same_origin(origin, host) is same


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.20", False),
        ("myhost.example", False),
    ],
)
def test_only_loopback_addresses_listen_without_a_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    warning = exposure_warning(host)
    assert (warning is None) is loopback
    if warning:
        assert "token" in warning and "plain HTTP" in warning


def test_the_console_command_keeps_the_engine_options() -> None:
    argv = console_argv(EngineChoice(("unix:///run/other.sock",), ("lab",)), read_only=True)
    assert argv[:3] == [sys.executable, "-m", "dockertui"]
    assert argv[3:] == ["--host", "unix:///run/other.sock", "--context", "lab", "--read-only"]
    assert "--read-only" not in console_argv(EngineChoice(), read_only=False)
    assert os.path.isabs(argv[0])
