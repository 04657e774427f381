"""Unit tests for dockertui.engine.endpoint: no Docker needed, only fake config folders."""

import hashlib
import json
import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dockertui.engine.endpoint import Endpoint, EndpointError, TLSFiles, resolve_endpoint

# --- helpers ------------------------------------------------------------------------------


def sha(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """An empty DOCKER_CONFIG folder."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    return folder


@pytest.fixture
def env(config: Path) -> dict[str, str]:
    """An environment that points DOCKER_CONFIG at the fake folder and sets nothing else."""
    return {"DOCKER_CONFIG": str(config)}


@pytest.fixture
def resolve(env: dict[str, str], tmp_path: Path) -> Callable[..., Endpoint]:
    """resolve_endpoint bound to the fake environment and a home without ~/.docker."""

    def call(host: str | None = None, context: str | None = None, **extra: str) -> Endpoint:
        home = tmp_path / "home"
        return resolve_endpoint(
            host=host, context=context, env={**env, **extra}, home=home, insecure=True
        )

    return call


def add_context(
    config: Path,
    name: str,
    host: str,
    *,
    skip_verify: bool = False,
    tls: dict[str, str] | None = None,
) -> Path:
    """Write a context as `docker context create` does; return its TLS folder."""
    meta_dir = config / "contexts" / "meta" / sha(name)
    meta_dir.mkdir(parents=True)
    meta = {
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}},
    }
    (meta_dir / "meta.json").write_text(json.dumps(meta))
    tls_dir = config / "contexts" / "tls" / sha(name) / "docker"
    if tls is not None:
        tls_dir.mkdir(parents=True)
        for file_name, text in tls.items():
            (tls_dir / file_name).write_text(text)
    return tls_dir


def set_current_context(config: Path, name: str) -> None:
    (config / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))


def write_cert_dir(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("placeholder\n")
    return folder


# --- real PEM material for ssl_context ----------------------------------------------------


def _pem_with_cryptography() -> dict[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dockertui-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    plain = serialization.NoEncryption()
    locked = serialization.BestAvailableEncryption(b"secret")
    pkcs8 = serialization.PrivateFormat.PKCS8
    return {
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key": key.private_bytes(serialization.Encoding.PEM, pkcs8, plain).decode(),
        "encrypted_key": key.private_bytes(serialization.Encoding.PEM, pkcs8, locked).decode(),
    }


def _pem_with_openssl(folder: Path) -> dict[str, str]:
    folder.mkdir()
    key, cert, locked = folder / "key.pem", folder / "cert.pem", folder / "locked.pem"
    new_cert = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
    encrypt = "openssl pkey -aes256 -passout pass:secret"
    subject = ["-subj", "/CN=dockertui-test"]
    run = {"check": True, "capture_output": True}
    subprocess.run([*new_cert.split(), "-keyout", key, "-out", cert, *subject], **run)
    subprocess.run([*encrypt.split(), "-in", key, "-out", locked], **run)
    return {"cert": cert.read_text(), "key": key.read_text(), "encrypted_key": locked.read_text()}


@pytest.fixture
def pem(tmp_path: Path) -> dict[str, str]:
    """A self-signed certificate (also usable as CA) with its key, plain and encrypted."""
    try:
        return _pem_with_cryptography()
    except ImportError:
        pass
    if shutil.which("openssl") is None:
        pytest.skip("needs the cryptography package or the openssl command")
    return _pem_with_openssl(tmp_path / "openssl")


# --- precedence ---------------------------------------------------------------------------


def test_nothing_set_gives_the_default_unix_socket(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve()
    assert ep.host == "unix:///var/run/docker.sock"
    assert (ep.context, ep.source, ep.transport) == ("default", "default", "unix")
    assert ep.socket_path == "/var/run/docker.sock"
    assert ep.url == "unix:///var/run/docker.sock"
    assert (ep.tls, ep.tls_verify, ep.tls_files) == (False, False, None)


def test_explicit_context_beats_every_other_source(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "explicit", "tcp://explicit.example:2375")
    add_context(config, "from-env", "tcp://env.example:2375")
    add_context(config, "from-config", "tcp://config.example:2375")
    set_current_context(config, "from-config")
    ep = resolve(context="explicit", DOCKER_HOST="tcp://dockerhost:2375", DOCKER_CONTEXT="from-env")
    assert (ep.context, ep.source) == ("explicit", "--context")
    assert ep.host == "tcp://explicit.example:2375"


def test_explicit_host_beats_env_and_config(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "from-env", "tcp://env.example:2375")
    add_context(config, "from-config", "tcp://config.example:2375")
    set_current_context(config, "from-config")
    ep = resolve(host="tcp://flag:2375", DOCKER_HOST="tcp://dockerhost:2375", DOCKER_CONTEXT="x")
    assert (ep.context, ep.source, ep.host) == ("default", "--host", "tcp://flag:2375")


def test_docker_host_beats_docker_context_and_config(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "from-env", "tcp://env.example:2375")
    set_current_context(config, "from-env")
    ep = resolve(DOCKER_HOST="tcp://dockerhost:2375", DOCKER_CONTEXT="from-env")
    assert (ep.context, ep.source, ep.host) == ("default", "DOCKER_HOST", "tcp://dockerhost:2375")


def test_empty_docker_host_is_ignored(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "from-env", "tcp://env.example:2375")
    ep = resolve(DOCKER_HOST="  ", DOCKER_CONTEXT="from-env")
    assert (ep.context, ep.source) == ("from-env", "DOCKER_CONTEXT")


def test_docker_context_beats_config(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "from-env", "tcp://env.example:2375")
    add_context(config, "from-config", "tcp://config.example:2375")
    set_current_context(config, "from-config")
    ep = resolve(DOCKER_CONTEXT="from-env")
    assert (ep.context, ep.source, ep.host) == (
        "from-env",
        "DOCKER_CONTEXT",
        "tcp://env.example:2375",
    )


def test_config_current_context_is_used_last(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "from-config", "unix:///run/user/1000/docker.sock")
    set_current_context(config, "from-config")
    ep = resolve()
    assert (ep.context, ep.source) == ("from-config", "config.json")
    assert ep.socket_path == "/run/user/1000/docker.sock"


def test_config_dir_defaults_to_home_dot_docker(tmp_path: Path) -> None:
    home = tmp_path / "home"
    add_context(home / ".docker", "homectx", "tcp://home.example:2375")
    set_current_context(home / ".docker", "homectx")
    ep = resolve_endpoint(env={}, home=home, insecure=True)
    assert (ep.context, ep.host) == ("homectx", "tcp://home.example:2375")


def test_env_and_home_default_to_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_TLS", "DOCKER_TLS_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "tcp://from-process-env:2375")
    ep = resolve_endpoint(insecure=True)
    assert (ep.source, ep.host) == ("DOCKER_HOST", "tcp://from-process-env:2375")


def test_context_named_default_still_reads_docker_host(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(context="default", DOCKER_HOST="tcp://dockerhost:2375")
    assert (ep.context, ep.source, ep.host) == ("default", "--context", "tcp://dockerhost:2375")


def test_host_and_context_together_are_refused(resolve: Callable[..., Endpoint]) -> None:
    with pytest.raises(EndpointError, match="either --host or --context, not both"):
        resolve(host="tcp://a:2375", context="prod")


# --- host strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "host", "url"),
    [
        ("127.0.0.1:2375", "tcp://127.0.0.1:2375", "http://127.0.0.1:2375"),
        ("docker.example", "tcp://docker.example:2375", "http://docker.example:2375"),
        ("tcp://10.0.0.5", "tcp://10.0.0.5:2375", "http://10.0.0.5:2375"),
        ("tcp://:4243", "tcp://localhost:4243", "http://localhost:4243"),
        ("tcp://[::1]:2375", "tcp://[::1]:2375", "http://[::1]:2375"),
        ("http://10.0.0.5:2375", "http://10.0.0.5:2375", "http://10.0.0.5:2375"),
        ("tcp://proxy:80/docker", "tcp://proxy:80/docker", "http://proxy:80/docker"),
    ],
)
def test_tcp_hosts_without_tls(
    resolve: Callable[..., Endpoint], given: str, host: str, url: str
) -> None:
    ep = resolve(host=given)
    assert (ep.host, ep.url, ep.transport, ep.tls) == (host, url, "tcp", False)
    assert ep.socket_path is None
    assert ep.ssl_context() is None


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("/var/run/docker.sock", "unix:///var/run/docker.sock"),
        ("/run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock"),
        ("unix://", "unix:///var/run/docker.sock"),
    ],
)
def test_paths_are_unix_sockets(resolve: Callable[..., Endpoint], given: str, host: str) -> None:
    ep = resolve(host=given)
    assert (ep.host, ep.transport, ep.url) == (host, "unix", host)
    assert ep.socket_path == host.removeprefix("unix://")


def test_ssh_host_is_passed_through(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(DOCKER_HOST="ssh://ops@build.example:2222")
    assert (ep.transport, ep.host, ep.url) == (
        "ssh",
        "ssh://ops@build.example:2222",
        "ssh://ops@build.example:2222",
    )
    assert ep.socket_path is None


def test_ssh_tls_variables_do_not_apply(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(host="ssh://build.example", DOCKER_TLS_VERIFY="1")
    assert (ep.transport, ep.tls) == ("ssh", False)


def test_npipe_host(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(host="npipe://")
    assert (ep.transport, ep.host) == ("npipe", "npipe:////./pipe/docker_engine")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("fd://", "uses fd://"),
        ("ftp://example", "unsupported scheme 'ftp'"),
        ("tcp://host:notaport", "not a valid tcp address"),
        ("tcp://host:70000", "not a valid tcp address"),
        ("tcp://user@host:2375", "not a valid tcp address"),
        ("ssh://", "not a valid ssh address"),
        ("ssh://user:pw@host", "contains a password"),
        ("unix://tcp://x", "not a valid address"),
    ],
)
def test_bad_hosts_are_refused(resolve: Callable[..., Endpoint], given: str, message: str) -> None:
    with pytest.raises(EndpointError, match=message) as caught:
        resolve(DOCKER_HOST=given)
    assert "DOCKER_HOST" in str(caught.value)


# --- TLS for the default context ----------------------------------------------------------


def test_tls_verify_uses_https_and_the_tls_port(
    resolve: Callable[..., Endpoint], tmp_path: Path
) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem", "cert.pem", "key.pem")
    ep = resolve(DOCKER_HOST="tcp://10.0.0.5", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert ep.host == "tcp://10.0.0.5:2376"
    assert ep.url == "https://10.0.0.5:2376"
    assert (ep.tls, ep.tls_verify) == (True, True)
    assert ep.tls_files == TLSFiles(certs / "ca.pem", certs / "cert.pem", certs / "key.pem")
    assert ep.describe() == "tcp://10.0.0.5:2376 (context default, TLS)"


def test_tls_verify_keeps_an_explicit_port(
    resolve: Callable[..., Endpoint], tmp_path: Path
) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem", "cert.pem", "key.pem")
    ep = resolve(host="10.0.0.5:2375", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert ep.url == "https://10.0.0.5:2375"


def test_cert_path_defaults_to_the_config_dir(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    write_cert_dir(config, "ca.pem", "cert.pem", "key.pem")
    ep = resolve(DOCKER_HOST="tcp://10.0.0.5:2376", DOCKER_TLS_VERIFY="1")
    assert ep.tls_files == TLSFiles(config / "ca.pem", config / "cert.pem", config / "key.pem")


def test_docker_tls_alone_means_tls_without_verification(
    resolve: Callable[..., Endpoint], tmp_path: Path
) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem")
    ep = resolve(DOCKER_HOST="tcp://10.0.0.5", DOCKER_TLS="1", DOCKER_CERT_PATH=str(certs))
    assert (ep.tls, ep.tls_verify, ep.url) == (True, False, "https://10.0.0.5:2376")
    assert ep.tls_files == TLSFiles(certs / "ca.pem", None, None)
    assert ep.describe().endswith("(context default, TLS without verification)")


def test_tls_verify_wins_over_docker_tls(resolve: Callable[..., Endpoint], tmp_path: Path) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem")
    ep = resolve(
        DOCKER_HOST="tcp://h", DOCKER_TLS="1", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs)
    )
    assert ep.tls_verify is True


def test_tls_without_a_host_dials_localhost_like_the_cli(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    write_cert_dir(config, "ca.pem")
    ep = resolve(DOCKER_TLS_VERIFY="1")
    assert (ep.host, ep.url) == ("tcp://localhost:2376", "https://localhost:2376")


def test_tls_variables_do_not_apply_to_a_unix_socket(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(host="unix:///var/run/docker.sock", DOCKER_TLS_VERIFY="1")
    assert (ep.transport, ep.tls, ep.tls_files) == ("unix", False, None)


def test_https_host_turns_tls_on_and_verifies(resolve: Callable[..., Endpoint]) -> None:
    ep = resolve(host="https://docker.example")
    assert (ep.host, ep.url) == ("https://docker.example:2376", "https://docker.example:2376")
    assert (ep.tls, ep.tls_verify, ep.tls_files) == (True, True, TLSFiles(None, None, None))


def test_missing_ca_with_tls_is_an_error(resolve: Callable[..., Endpoint], tmp_path: Path) -> None:
    certs = write_cert_dir(tmp_path / "certs", "cert.pem", "key.pem")
    with pytest.raises(EndpointError, match=r"CA certificate .*ca\.pem is missing") as caught:
        resolve(DOCKER_HOST="tcp://h:2376", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert "set DOCKER_CERT_PATH" in str(caught.value)


def test_missing_client_cert_is_an_error(resolve: Callable[..., Endpoint], tmp_path: Path) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem", "key.pem")
    with pytest.raises(EndpointError) as caught:
        resolve(DOCKER_HOST="tcp://h:2376", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert str(caught.value) == (
        f"TLS is on for this endpoint but the client certificate {certs / 'cert.pem'} is missing; "
        "set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem."
    )


def test_missing_client_key_is_an_error(resolve: Callable[..., Endpoint], tmp_path: Path) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem", "cert.pem")
    with pytest.raises(EndpointError, match=r"client key .*key\.pem is missing"):
        resolve(DOCKER_HOST="tcp://h:2376", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))


def test_ca_only_is_enough_like_the_cli(resolve: Callable[..., Endpoint], tmp_path: Path) -> None:
    certs = write_cert_dir(tmp_path / "certs", "ca.pem")
    ep = resolve(DOCKER_HOST="tcp://h:2376", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    assert ep.tls_files == TLSFiles(certs / "ca.pem", None, None)


# --- named contexts -----------------------------------------------------------------------


def test_context_without_tls_folder_is_plain_tcp(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "plain", "tcp://10.0.0.9")
    ep = resolve(context="plain", DOCKER_TLS_VERIFY="1")  # env TLS is for the default context
    assert (ep.tls, ep.host, ep.url) == (False, "tcp://10.0.0.9:2375", "http://10.0.0.9:2375")


def test_context_tls_files(resolve: Callable[..., Endpoint], config: Path) -> None:
    tls_dir = add_context(
        config, "prod", "tcp://10.0.0.5:2376", tls={"ca.pem": "x", "cert.pem": "x", "key.pem": "x"}
    )
    ep = resolve(context="prod")
    assert (ep.tls, ep.tls_verify, ep.url) == (True, True, "https://10.0.0.5:2376")
    assert ep.tls_files == TLSFiles(tls_dir / "ca.pem", tls_dir / "cert.pem", tls_dir / "key.pem")
    assert ep.describe() == "tcp://10.0.0.5:2376 (context prod, TLS)"


def test_context_tls_folder_with_only_a_ca(resolve: Callable[..., Endpoint], config: Path) -> None:
    tls_dir = add_context(config, "ca-only", "tcp://h", tls={"ca.pem": "x"})
    ep = resolve(context="ca-only")
    assert (ep.host, ep.tls_files) == ("tcp://h:2376", TLSFiles(tls_dir / "ca.pem", None, None))


def test_context_skip_tls_verify(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "lab", "tcp://lab.example:2376", skip_verify=True)
    ep = resolve(context="lab")
    assert (ep.tls, ep.tls_verify, ep.url) == (True, False, "https://lab.example:2376")
    context = ep.ssl_context()
    assert context is not None
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def test_context_with_half_a_client_pair_is_an_error(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "half", "tcp://h:2376", tls={"ca.pem": "x", "cert.pem": "x"})
    with pytest.raises(EndpointError, match=r"client key .*key\.pem is missing.*'half'"):
        resolve(context="half")


def test_context_ssh_host(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "remote", "ssh://ops@build.example", tls={"ca.pem": "x"})
    ep = resolve(context="remote")
    assert (ep.transport, ep.url, ep.tls) == ("ssh", "ssh://ops@build.example", False)


def test_unknown_context_is_an_error(resolve: Callable[..., Endpoint], config: Path) -> None:
    with pytest.raises(EndpointError) as caught:
        resolve(context="prod")
    assert str(caught.value) == (
        f"Docker context 'prod' (from --context) was not found in {config / 'contexts'}; "
        "run `docker context ls` to see the contexts you have."
    )


def test_unknown_current_context_names_the_config_file(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    set_current_context(config, "gone")
    with pytest.raises(EndpointError, match=r"currentContext in .*config\.json"):
        resolve()


def test_bad_config_json_is_an_error(resolve: Callable[..., Endpoint], config: Path) -> None:
    (config / "config.json").write_text("{not json")
    with pytest.raises(EndpointError, match="not valid JSON") as caught:
        resolve()
    assert str(config / "config.json") in str(caught.value)


def test_bad_config_json_does_not_matter_when_a_host_is_given(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    (config / "config.json").write_text("{not json")
    assert resolve(host="tcp://h:2375").host == "tcp://h:2375"


def test_empty_config_json_means_no_current_context(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    (config / "config.json").write_text("")
    assert resolve().context == "default"


def test_bad_meta_json_is_an_error(resolve: Callable[..., Endpoint], config: Path) -> None:
    add_context(config, "broken", "tcp://h:2375")
    meta = config / "contexts" / "meta" / sha("broken") / "meta.json"
    meta.write_text("[1, 2")
    with pytest.raises(EndpointError, match="not valid JSON") as caught:
        resolve(context="broken")
    assert str(meta) in str(caught.value)


def test_meta_json_without_docker_endpoint_is_an_error(
    resolve: Callable[..., Endpoint], config: Path
) -> None:
    add_context(config, "k8s-only", "tcp://h:2375")
    meta = config / "contexts" / "meta" / sha("k8s-only") / "meta.json"
    meta.write_text(json.dumps({"Name": "k8s-only", "Endpoints": {"kubernetes": {}}}))
    with pytest.raises(EndpointError, match="has no docker endpoint"):
        resolve(context="k8s-only")


# --- ssl_context --------------------------------------------------------------------------


def tls_endpoint(folder: Path, files: dict[str, str], *, verify: bool = True) -> Endpoint:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    paths = {name.removesuffix(".pem"): folder / name for name in files}
    return Endpoint(
        host="tcp://h:2376",
        context="default",
        source="DOCKER_HOST",
        transport="tcp",
        tls=True,
        tls_verify=verify,
        tls_files=TLSFiles(paths.get("ca"), paths.get("cert"), paths.get("key")),
    )


def test_ssl_context_trusts_only_the_given_ca(pem: dict[str, str], tmp_path: Path) -> None:
    files = {"ca.pem": pem["cert"], "cert.pem": pem["cert"], "key.pem": pem["key"]}
    context = tls_endpoint(tmp_path / "certs", files).ssl_context()
    assert context is not None
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    [ca] = context.get_ca_certs()
    assert ca["subject"] == ((("commonName", "dockertui-test"),),)


def test_ssl_context_without_verification(pem: dict[str, str], tmp_path: Path) -> None:
    files = {"ca.pem": pem["cert"], "cert.pem": pem["cert"], "key.pem": pem["key"]}
    context = tls_endpoint(tmp_path / "certs", files, verify=False).ssl_context()
    assert context is not None
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def test_ssl_context_from_resolved_default_endpoint(
    pem: dict[str, str], resolve: Callable[..., Endpoint], tmp_path: Path
) -> None:
    certs = tmp_path / "certs"
    tls_endpoint(certs, {"ca.pem": pem["cert"], "cert.pem": pem["cert"], "key.pem": pem["key"]})
    ep = resolve(DOCKER_HOST="tcp://h", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    context = ep.ssl_context()
    assert context is not None
    assert len(context.get_ca_certs()) == 1


def test_ssl_context_invalid_ca(tmp_path: Path) -> None:
    endpoint = tls_endpoint(tmp_path / "certs", {"ca.pem": "not a certificate\n"})
    with pytest.raises(EndpointError, match=r"CA certificate .*ca\.pem is not a valid PEM"):
        endpoint.ssl_context()


def test_ssl_context_invalid_key(pem: dict[str, str], tmp_path: Path) -> None:
    files = {"ca.pem": pem["cert"], "cert.pem": pem["cert"], "key.pem": "garbage\n"}
    with pytest.raises(EndpointError, match="not a valid matching PEM pair"):
        tls_endpoint(tmp_path / "certs", files).ssl_context()


def test_ssl_context_refuses_encrypted_key_without_prompting(
    pem: dict[str, str], tmp_path: Path
) -> None:
    files = {"ca.pem": pem["cert"], "cert.pem": pem["cert"], "key.pem": pem["encrypted_key"]}
    with pytest.raises(EndpointError, match="is encrypted"):
        tls_endpoint(tmp_path / "certs", files).ssl_context()


def test_ssl_context_file_removed_after_resolve(tmp_path: Path) -> None:
    endpoint = tls_endpoint(tmp_path / "certs", {"ca.pem": "removed below\n"})
    (tmp_path / "certs" / "ca.pem").unlink()
    with pytest.raises(EndpointError, match=r"CA certificate .*ca\.pem is missing"):
        endpoint.ssl_context()


def test_ssl_context_is_none_without_tls(resolve: Callable[..., Endpoint]) -> None:
    assert resolve().ssl_context() is None


def test_plain_tcp_needs_insecure(
    resolve: Callable[..., Endpoint], env: dict[str, str], tmp_path: Path
) -> None:
    with pytest.raises(EndpointError) as caught:
        resolve_endpoint(host="tcp://10.0.0.5:2375", env=env, home=tmp_path)
    message = str(caught.value)
    assert "plain tcp without TLS" in message and "--insecure" in message
    assert message.count(". ") == 0 and message.endswith(".")
    with pytest.raises(EndpointError, match="--insecure"):
        resolve_endpoint(env={**env, "DOCKER_HOST": "http://10.0.0.5"}, home=tmp_path)
    assert resolve("tcp://10.0.0.5:2375").plain_tcp  # allowed with insecure=True
