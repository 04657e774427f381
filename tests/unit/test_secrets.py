"""secrets-in-env: names and private keys are found, values are never shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity, audit_fleet
from dockertui.model import ClientFacts, Container, EngineInfo

#: The fake values in tests/fixtures/inspect/secrets.json.
FAKE_VALUES = ("fixture-not-a-secret", "MIIfake", "-----BEGIN RSA PRIVATE KEY-----")


def all_text(report: Any) -> str:
    """Every string a report hands to the UI, JSON output and logs."""
    parts = [repr(report.container), repr(report)]
    for finding in report.findings:
        parts += [finding.title, finding.detail, finding.why, finding.fix.summary]
        parts += [finding.fix.command, repr(finding), json.dumps(finding.to_dict())]
    return "\n".join(parts)


def test_secrets_fixture_holds_the_fake_values(container: Callable[..., Container]) -> None:
    # Guard: the test below is only meaningful while the values are there.
    env = {v.name: v.value for v in container("secrets").env}
    assert env["DB_PASSWORD"] == "fixture-not-a-secret"
    assert "MIIfake" in env["TLS_KEY"]
    assert env["GPG_KEY"] == "0123ABCD"
    assert env["EMPTY_SECRET"] == ""


def test_secrets_are_named_not_shown(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    report = audit(container("secrets"))
    (finding,) = findings_of(report, "secrets-in-env")
    assert finding.severity is Severity.HIGH
    # GPG_KEY (a key fingerprint in official images), EMPTY_SECRET (no value)
    # and PATH_OK are left out; TLS_KEY is caught by its PEM value.
    assert finding.detail == (
        "Holds secret values in API_TOKEN, DB_PASSWORD, TLS_KEY (values not shown)."
    )
    assert finding.fix.command == (
        "-e API_TOKEN_FILE=/run/secrets/api_token -e DB_PASSWORD_FILE=/run/secrets/db_password "
        "-e TLS_KEY_FILE=/run/secrets/tls_key"
    )
    text = all_text(report)
    for value in FAKE_VALUES:
        assert value not in text
    assert "0123ABCD" not in text  # GPG_KEY's value is not shown either


def test_secret_values_stay_out_of_repr_and_json(
    container: Callable[..., Container],
    engine_info: EngineInfo,
) -> None:
    c = container("secrets")
    for var in c.env:
        if var.value:
            assert var.value not in repr(var)
            assert var.masked == f"{var.name}=***"
    assert next(v.masked for v in c.env if v.name == "EMPTY_SECRET") == "EMPTY_SECRET="
    fleet = audit_fleet(engine_info, ClientFacts(), [c])
    dumped = json.dumps([f.to_dict() for f in fleet.all_findings()])
    for value in FAKE_VALUES:
        assert value not in repr(c)
        assert value not in repr(fleet)
        assert value not in dumped
    assert "DB_PASSWORD" in dumped


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (["MYSQL_ROOT_PASSWORD=hunter2"], ["MYSQL_ROOT_PASSWORD"]),
        (["REDIS_PASSWD=not-shown-1"], ["REDIS_PASSWD"]),
        (["CLIENT_SECRET=not-shown-1"], ["CLIENT_SECRET"]),
        (["GITHUB_TOKEN=not-shown-1"], ["GITHUB_TOKEN"]),
        (["STRIPE_API_KEY=not-shown-1", "APIKEY=not-shown-2"], ["APIKEY", "STRIPE_API_KEY"]),
        (["AWS_ACCESS_KEY_ID=not-shown-1"], ["AWS_ACCESS_KEY_ID"]),
        (["SSH_PRIVATE_KEY=not-shown-1"], ["SSH_PRIVATE_KEY"]),
        (["GOOGLE_APPLICATION_CREDENTIALS=not-shown-1"], ["GOOGLE_APPLICATION_CREDENTIALS"]),
        (["db_password=not-shown-1"], ["db_password"]),  # names in any case
        (["CERT=-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"], ["CERT"]),
        (["K=-----BEGIN OPENSSH PRIVATE KEY-----"], ["K"]),
        (["DB_PASSWORD=not-shown-1", "DB_PASSWORD=not-shown-2"], ["DB_PASSWORD"]),  # named once
        # not secrets:
        (["GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4"], []),
        (["DB_PASSWORD="], []),  # empty values are ignored
        (["DB_PASSWORD_FILE=/run/secrets/db"], []),  # the recommended way
        (["PASSWORD_FILE=/run/secrets/pw", "TOKEN_FILE=/t"], []),
        (["PATH=/usr/bin", "HOME=/root", "LANG=C.UTF-8"], []),
        (["PUBLIC=-----BEGIN PUBLIC KEY-----"], []),
        (["CERT=-----BEGIN CERTIFICATE-----"], []),
        (["NOVALUE"], []),
    ],
)
def test_secret_names_and_values(
    env: list[str],
    named: list[str],
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copies of `secrets` with another Config.Env.
    found = findings_of(audit(container("secrets", {"Config.Env": env})), "secrets-in-env")
    if not named:
        assert found == []
        return
    (finding,) = found
    assert finding.detail == f"Holds secret values in {', '.join(named)} (values not shown)."
    for entry in env:
        value = entry.partition("=")[2]
        assert len(value) > 6  # long enough not to match by accident
        assert value not in finding.detail
        assert value not in finding.fix.command
