"""A real dockerd with --tlsverify on 127.0.0.1, reached as the docker CLI
reaches it: through DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, and
through a context whose TLS files are in the CLI's context store. A CA the
daemon's certificate is not signed by, and a client certificate the daemon
does not trust, each end in one sentence and exit 2; the console's watcher
calls the first "refused" (not "reconnecting"). Plain tcp needs --insecure.

The certificates are made here with openssl: a CA, a server certificate
for 127.0.0.1 and a client certificate, both signed by it. The daemon is a
private one (tests/private_engine.py: its own socket, data-root and
exec-root); the main engine is not touched."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_support import error_lines, free_tcp_port, run_cli
from private_engine import PrivateDockerd

from dockertui.engine.endpoint import Endpoint, resolve_endpoint
from dockertui.engine.watch import Disconnected, Watcher


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> None:
    """ca.pem and ca-key.pem in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            f"/CN={name}", "-keyout", "ca-key.pem", "-out", "ca.pem", cwd=folder)  # fmt: skip


def signed(ca: Path, folder: Path, stem: str, *, server: bool) -> None:
    """<stem>.pem and <stem>-key.pem in `folder`, signed by the CA in `ca`."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={stem}",
            "-keyout", f"{stem}-key.pem", "-out", f"{stem}.csr", cwd=folder)  # fmt: skip
    extensions = folder / f"{stem}.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        if server
        else "extendedKeyUsage=clientAuth\n"
    )
    openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", str(ca / "ca.pem"),
            "-CAkey", str(ca / "ca-key.pem"), "-CAcreateserial", "-days", "1",
            "-extfile", str(extensions), "-out", f"{stem}.pem", cwd=folder)  # fmt: skip


def client_dir(folder: Path, ca: Path, cert_from: Path) -> Path:
    """A DOCKER_CERT_PATH: ca.pem from `ca`, cert.pem and key.pem from `cert_from`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ca / "ca.pem", folder / "ca.pem")
    shutil.copy(cert_from / "client.pem", folder / "cert.pem")
    shutil.copy(cert_from / "client-key.pem", folder / "key.pem")
    return folder


@pytest.fixture(scope="module")
def tls_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path | str]]:
    root = tmp_path_factory.mktemp("tls")
    ca = root / "ca"
    make_ca(ca, "dockertui-test-ca")
    signed(ca, root / "server", "server", server=True)
    signed(ca, root / "client", "client", server=False)
    port = free_tcp_port()
    server = root / "server"
    engine = PrivateDockerd(
        extra_args=(
            "--host",
            f"tcp://127.0.0.1:{port}",
            "--tlsverify",
            "--tlscacert",
            str(ca / "ca.pem"),
            "--tlscert",
            str(server / "server.pem"),
            "--tlskey",
            str(server / "server-key.pem"),
        )
    )
    try:
        engine.start()
        yield {"root": root, "ca": ca, "host": f"tcp://127.0.0.1:{port}"}
    finally:
        engine.close()


def tls_env(tls_engine: dict, certs: Path) -> dict[str, str]:
    """The docker CLI's TLS variables for the test engine, and no config of the caller's."""
    return {
        "DOCKER_HOST": str(tls_engine["host"]),
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs),
        "DOCKER_CONFIG": str(tls_engine["root"] / "no-config"),
    }


def scanned(done: subprocess.CompletedProcess[bytes]) -> dict:
    assert done.returncode in (0, 1), done.stderr.decode()
    return json.loads(done.stdout)


def test_tls_through_the_environment(tls_engine: dict) -> None:
    certs = client_dir(tls_engine["root"] / "env-certs", tls_engine["ca"],
                       tls_engine["root"] / "client")  # fmt: skip
    env = tls_env(tls_engine, certs)
    report = scanned(run_cli(["scan", "--format", "json", "--include-engine"], env=env))
    checks = {f["check"] for f in report["engine_findings"]}
    assert not {"tcp-without-tls", "tls-verify-off"} & checks
    assert report["engine"]["endpoint"] == tls_engine["host"]


def context_store(config: Path, name: str, host: str, certs: Path) -> None:
    """A docker CLI context `name` with its TLS files, as `docker context
    create --docker host=...,ca=...,cert=...,key=...` stores them."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {"Description": "a TLS test engine"},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
            }
        )
    )
    tls = config / "contexts" / "tls" / digest / "docker"
    tls.mkdir(parents=True)
    for file in ("ca.pem", "cert.pem", "key.pem"):
        shutil.copy(certs / file, tls / file)


def test_tls_through_a_context(tls_engine: dict) -> None:
    certs = client_dir(tls_engine["root"] / "ctx-certs", tls_engine["ca"],
                       tls_engine["root"] / "client")  # fmt: skip
    config = tls_engine["root"] / "docker-config"
    context_store(config, "tls-test", tls_engine["host"], certs)
    env = {"DOCKER_CONFIG": str(config)}
    report = scanned(run_cli(["--context", "tls-test", "scan", "--format", "json"], env=env))
    assert report["engine"]["endpoint"] == tls_engine["host"]
    assert report["engine"]["context"] == "tls-test"


def test_a_wrong_ca_is_one_sentence_and_exit_2(tls_engine: dict) -> None:
    other = tls_engine["root"] / "other-ca"
    make_ca(other, "not-the-daemons-ca")
    certs = client_dir(tls_engine["root"] / "wrong-ca-certs", other, tls_engine["root"] / "client")
    env = tls_env(tls_engine, certs)
    done = run_cli(["scan", "--timeout", "5"], env=env)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "could not be verified" in line and "Traceback" not in done.stderr.decode()


def test_a_client_the_daemon_does_not_trust_is_one_sentence_and_exit_2(
    tls_engine: dict,
) -> None:
    stranger = tls_engine["root"] / "stranger-ca"
    make_ca(stranger, "a-stranger")
    signed(stranger, tls_engine["root"] / "stranger", "client", server=False)
    certs = client_dir(tls_engine["root"] / "stranger-certs", tls_engine["ca"],
                       tls_engine["root"] / "stranger")  # fmt: skip
    env = tls_env(tls_engine, certs)
    done = run_cli(["scan", "--timeout", "5"], env=env)
    assert done.returncode == 2, done.stdout[:300]
    (line,) = error_lines(done)
    assert line.startswith("dockertui: ") and "Traceback" not in done.stderr.decode()
    assert "does not accept this client's TLS certificate" in line, line
    assert "SSL" not in line and "_ssl.c" not in line  # a sentence, not OpenSSL's words


async def _first_failure(endpoint: Endpoint) -> Disconnected:
    """What the console's watcher says when it cannot connect."""
    failures: list[Disconnected] = []
    done = asyncio.Event()

    def emit(update: object) -> None:
        if isinstance(update, Disconnected):
            failures.append(update)
            done.set()

    task = asyncio.create_task(Watcher(endpoint, backoff=(30.0,)).run(emit))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(done.wait(), 20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return failures[0]


async def test_the_console_says_refused_for_a_wrong_ca_and_reconnecting_for_no_engine(
    tls_engine: dict,
) -> None:
    other = tls_engine["root"] / "other-ca-console"
    make_ca(other, "not-the-daemons-ca")
    certs = client_dir(tls_engine["root"] / "console-certs", other, tls_engine["root"] / "client")
    endpoint = resolve_endpoint(env=tls_env(tls_engine, certs))
    refused = await _first_failure(endpoint)
    assert refused.refused and "could not be verified" in refused.reason
    nobody = resolve_endpoint(host=f"tcp://127.0.0.1:{free_tcp_port()}", env={}, insecure=True)
    down = await _first_failure(nobody)
    assert not down.refused and "refused the connection" in down.reason


def test_plain_tcp_needs_insecure(tls_engine: dict) -> None:
    # The TLS engine's port, reached as plain tcp: refused before any connection.
    env = {"DOCKER_CONFIG": str(tls_engine["root"] / "no-config")}
    done = run_cli(["scan", "-H", str(tls_engine["host"])], env=env)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "plain tcp without TLS" in line and "--insecure" in line


def test_plain_http_to_a_tls_port_says_it_expects_tls(tls_engine: dict) -> None:
    env = {"DOCKER_CONFIG": str(tls_engine["root"] / "no-config")}
    done = run_cli(["scan", "--insecure", "-H", str(tls_engine["host"])], env=env)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "expects TLS" in line and "DOCKER_TLS_VERIFY" in line, line
