"""Resolve the Docker endpoint the way the docker CLI does, in one place.

First the context name is chosen (first match wins): ``--context``, ``--host`` (context
"default"), a non-empty ``DOCKER_HOST`` (context "default"), ``DOCKER_CONTEXT``,
``currentContext`` in ``config.json``, else "default". Then that context gives the host and
the TLS material: a named context from its files under ``<config>/contexts``, the default
context from ``--host``/``DOCKER_HOST`` and the ``DOCKER_TLS*``/``DOCKER_CERT_PATH`` variables.

Pure except for reading the docker CLI's config files; nothing here opens a connection.
"""

import hashlib
import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_CONTEXT = "default"
DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_NAMED_PIPE = "//./pipe/docker_engine"
# What the docker CLI dials when TLS is on for the default context but no host is given.
_DEFAULT_TLS_HOST = "tcp://localhost:2376"
_PLAIN_PORT = 2375
_TLS_PORT = 2376
_TCP_SCHEMES = ("tcp", "http", "https")
_HOST_FORMS = "unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST"
_CERT_PATH_HINT = "set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem"


class EndpointError(Exception):
    """The Docker endpoint cannot be resolved or used.

    The message is one sentence naming the cause and what to do about it.
    """


@dataclass(frozen=True)
class TLSFiles:
    """PEM files for a TLS endpoint; ``None`` where that file is not provided."""

    ca: Path | None
    cert: Path | None
    key: Path | None


@dataclass(frozen=True)
class Endpoint:
    """Where the Docker engine is and how to talk to it."""

    host: str  # as the user/CLI sees it, e.g. "unix:///var/run/docker.sock", "tcp://10.0.0.5:2376"
    context: str  # "default" or the context name
    source: str  # "--host", "--context", "DOCKER_HOST", "DOCKER_CONTEXT", "config.json", "default"
    transport: str  # "unix" | "tcp" | "ssh" | "npipe"
    tls: bool
    tls_verify: bool
    tls_files: TLSFiles | None

    @property
    def url(self) -> str:
        """The URL for ``aiodocker.Docker(url=...)``: tcp hosts become http:// or https://."""
        if self.transport != "tcp":
            return self.host
        _, _, address = self.host.partition("://")
        return f"{'https' if self.tls else 'http'}://{address}"

    @property
    def socket_path(self) -> str | None:
        """The filesystem path of a unix socket endpoint, else ``None``."""
        if self.transport != "unix":
            return None
        return self.host.removeprefix("unix://")

    def ssl_context(self) -> ssl.SSLContext | None:
        """Build the client SSL context from ``tls_files``; ``None`` when TLS is off.

        Without a CA file the system trust store is used. Verification is switched off
        (no hostname check, ``CERT_NONE``) when ``tls_verify`` is false.
        """
        if not self.tls:
            return None
        files = self.tls_files or TLSFiles(ca=None, cert=None, key=None)
        hint = _tls_hint(self.context)
        _check_client_pair(files, hint)
        for label, path in _labelled(files):
            if not path.is_file():
                raise EndpointError(
                    f"TLS is on for this endpoint but the {label} {path} is missing; {hint}."
                )
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if files.ca is None:
            ssl_ctx.load_default_certs()
        else:
            _load_ca(ssl_ctx, files.ca, hint)
        if files.cert is not None and files.key is not None:
            _load_client_pair(ssl_ctx, files.cert, files.key, hint)
        if not self.tls_verify:
            ssl_ctx.check_hostname = False
            ssl_ctx.verify_mode = ssl.CERT_NONE
        return ssl_ctx

    @property
    def plain_tcp(self) -> bool:
        """tcp without TLS: anyone on the path reads and drives the engine."""
        return self.transport == "tcp" and not self.tls

    @property
    def name(self) -> str:
        """The engine's short name in a fleet: its context, or for ``--host`` the
        address without the scheme (``/run/a.sock``, ``10.0.0.5:2376``, ``me@host``)."""
        if self.source != "--host":
            return self.context
        return self.host.partition("://")[2] or self.host

    def describe(self) -> str:
        """A short human label, e.g. ``unix:///var/run/docker.sock (context default)``."""
        if not self.tls:
            return f"{self.host} (context {self.context})"
        tls = "TLS" if self.tls_verify else "TLS without verification"
        return f"{self.host} (context {self.context}, {tls})"


def resolve_endpoint(
    host: str | None = None,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    *,
    insecure: bool = False,
) -> Endpoint:
    """Resolve the endpoint as ``docker [--host HOST | --context CONTEXT]`` would.

    ``env`` defaults to ``os.environ`` and ``home`` to ``Path.home()``. Raises
    :class:`EndpointError` for conflicting arguments, an unknown context, an unreadable
    config.json or meta.json, an unsupported host, TLS files that are required but
    missing, or plain tcp without ``insecure`` (``--insecure``).
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    endpoint = _resolve(host, context, env, config_dir(env, home))
    if endpoint.plain_tcp and not insecure:
        raise EndpointError(plain_tcp_refusal(endpoint))
    return endpoint


def plain_tcp_refusal(endpoint: Endpoint) -> str:
    """Why a plain tcp endpoint is not used without --insecure, one sentence."""
    return (
        f"The engine at {endpoint.host} (context {endpoint.context}) is plain tcp "
        "without TLS, so anyone on the network path can read and drive it; use TLS "
        "(DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or a context with TLS files), "
        "or pass --insecure to connect anyway."
    )


def config_dir(env: Mapping[str, str], home: Path) -> Path:
    """The docker CLI's configuration folder: ``DOCKER_CONFIG``, else ``~/.docker``."""
    return Path(env.get("DOCKER_CONFIG") or home / ".docker")


def current_context(env: Mapping[str, str] | None = None, home: Path | None = None) -> str:
    """The context ``docker`` would use with no ``--host`` or ``--context``."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    return _context_name(None, None, env, config_dir(env, home))[0]


def context_digest(name: str) -> str:
    """The folder name the docker CLI stores a context's files under."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _resolve(
    host: str | None, context: str | None, env: Mapping[str, str], config_dir: Path
) -> Endpoint:
    host = (host or "").strip() or None
    context = context or None
    if host and context:
        raise EndpointError(
            "Both a host and a context were given; pass either --host or --context, not both."
        )
    name, source = _context_name(host, context, env, config_dir)
    if name == DEFAULT_CONTEXT:
        return _default_endpoint(host, source, env, config_dir)
    return _context_endpoint(name, source, config_dir)


# --- choosing the context ------------------------------------------------------------------


def _context_name(
    host: str | None, context: str | None, env: Mapping[str, str], config_dir: Path
) -> tuple[str, str]:
    """Return ``(context name, source)`` by the docker CLI's precedence."""
    if context:
        return context, "--context"
    if host:
        return DEFAULT_CONTEXT, "--host"
    if env.get("DOCKER_HOST", "").strip():
        return DEFAULT_CONTEXT, "DOCKER_HOST"
    if env.get("DOCKER_CONTEXT"):
        return env["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    current = _current_context(config_dir / "config.json")
    if current:
        return current, "config.json"
    return DEFAULT_CONTEXT, "default"


def _current_context(path: Path) -> str | None:
    """``currentContext`` from the CLI's config.json, or ``None`` when unset or no file."""
    if not path.exists():
        return None
    fix = "fix the JSON or move the file out of the way"
    data = _read_json(path, "The Docker CLI config file", fix, allow_empty=True)
    if not isinstance(data, dict):
        raise EndpointError(f"The Docker CLI config file {path} is not a JSON object; {fix}.")
    current = data.get("currentContext")
    if current is not None and not isinstance(current, str):
        raise EndpointError(
            f"currentContext in {path} is not a string; run `docker context use default` to reset it."
        )
    return current or None


# --- the default context ------------------------------------------------------------------


def _default_endpoint(
    host: str | None, source: str, env: Mapping[str, str], config_dir: Path
) -> Endpoint:
    """The default context: ``--host`` or ``DOCKER_HOST`` plus the DOCKER_TLS* variables."""
    verify_env = bool(env.get("DOCKER_TLS_VERIFY"))
    insecure_env = bool(env.get("DOCKER_TLS"))
    tls_env = verify_env or insecure_env
    env_host = env.get("DOCKER_HOST", "").strip()
    if host:
        raw, origin = host, "from --host"
    elif env_host:
        raw, origin = env_host, "from DOCKER_HOST"
    else:
        raw = _DEFAULT_TLS_HOST if tls_env else f"unix://{DEFAULT_UNIX_SOCKET}"
        origin = "the built-in default"
    parsed = _parse_host(raw, origin)
    tls = parsed.transport == "tcp" and (tls_env or parsed.scheme == "https")
    if not tls:
        return _without_tls(parsed, DEFAULT_CONTEXT, source)
    cert_dir = Path(env.get("DOCKER_CERT_PATH") or config_dir)
    files = _files_in(cert_dir)
    if tls_env and files.ca is None:
        raise EndpointError(
            f"TLS is on for this endpoint but the CA certificate {cert_dir / 'ca.pem'} "
            f"is missing; {_CERT_PATH_HINT}."
        )
    _check_client_pair(files, _CERT_PATH_HINT)
    # DOCKER_TLS_VERIFY wins; DOCKER_TLS alone means no verification; https:// alone verifies.
    verify = verify_env or not insecure_env
    return Endpoint(parsed.render(tls=True), DEFAULT_CONTEXT, source, "tcp", True, verify, files)


# --- named contexts -----------------------------------------------------------------------


def _context_endpoint(name: str, source: str, config_dir: Path) -> Endpoint:
    """A named context: ``meta.json`` and the TLS folder under ``<config>/contexts``."""
    digest = context_digest(name)
    contexts = config_dir / "contexts"
    meta_path = contexts / "meta" / digest / "meta.json"
    if not meta_path.is_file():
        where = {
            "--context": "from --context",
            "DOCKER_CONTEXT": "from DOCKER_CONTEXT",
            "config.json": f"currentContext in {config_dir / 'config.json'}",
        }[source]
        raise EndpointError(
            f"Docker context {name!r} ({where}) was not found in {contexts}; "
            "run `docker context ls` to see the contexts you have."
        )
    recreate = f"remove it with `docker context rm {name}` and create it again"
    meta = _read_json(meta_path, "The Docker context metadata file", recreate)
    endpoints = meta.get("Endpoints") if isinstance(meta, dict) else None
    docker = endpoints.get("docker") if isinstance(endpoints, dict) else None
    if not isinstance(docker, dict):
        raise EndpointError(
            f"Docker context {name!r} has no docker endpoint in {meta_path}; {recreate}."
        )
    raw = docker.get("Host", "")
    skip_verify = docker.get("SkipTLSVerify", False)
    if not isinstance(raw, str) or not isinstance(skip_verify, bool):
        raise EndpointError(
            f"Docker context {name!r} has a malformed docker endpoint in {meta_path}; {recreate}."
        )
    # The docker client falls back to the default socket when a context has no Host.
    parsed = _parse_host(raw or f"unix://{DEFAULT_UNIX_SOCKET}", f"in context {name!r}")
    tls_dir = contexts / "tls" / digest / "docker"
    tls = parsed.transport == "tcp" and (
        tls_dir.is_dir() or skip_verify or parsed.scheme == "https"
    )
    if not tls:
        return _without_tls(parsed, name, source)
    files = _files_in(tls_dir)
    _check_client_pair(files, _tls_hint(name))
    return Endpoint(parsed.render(tls=True), name, source, "tcp", True, not skip_verify, files)


# --- host strings -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Host:
    """A parsed host string; ``address`` is the path (unix, npipe), host (tcp) or rest (ssh)."""

    scheme: str
    transport: str
    address: str
    port: int | None = None
    path: str = ""

    def render(self, tls: bool) -> str:
        """The normalised host string, with the tcp port filled in when it was omitted."""
        if self.transport != "tcp":
            return f"{self.scheme}://{self.address}"
        port = self.port or (_TLS_PORT if tls else _PLAIN_PORT)
        return f"{self.scheme}://{self.address}:{port}{self.path}"


def _parse_host(raw: str, origin: str) -> _Host:
    """Parse a host as the docker CLI does; bare ``host:port`` is tcp, a bare path is unix."""
    text = raw.strip()
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = ("unix", text) if text.startswith(("/", "./")) else ("tcp", text)
    scheme = scheme.lower()
    if scheme == "unix":
        return _Host("unix", "unix", _socket_address(rest, DEFAULT_UNIX_SOCKET, text, origin))
    if scheme == "npipe":
        return _Host("npipe", "npipe", _socket_address(rest, DEFAULT_NAMED_PIPE, text, origin))
    if scheme == "ssh":
        return _parse_ssh(rest, text, origin)
    if scheme in _TCP_SCHEMES:
        return _parse_tcp(scheme, rest, text, origin)
    if scheme == "fd":
        raise EndpointError(
            f"The Docker host {text!r} ({origin}) uses fd://, which only the daemon's socket "
            f"activation understands; connect with {_HOST_FORMS} instead."
        )
    raise EndpointError(
        f"The Docker host {text!r} ({origin}) has the unsupported scheme {scheme!r}; "
        f"write it as {_HOST_FORMS}."
    )


def _socket_address(rest: str, default: str, text: str, origin: str) -> str:
    """The path of a unix socket or named pipe; empty means the default one."""
    if "://" in rest:
        raise EndpointError(
            f"The Docker host {text!r} ({origin}) is not a valid address; write it as {_HOST_FORMS}."
        )
    return rest or default


def _parse_tcp(scheme: str, rest: str, text: str, origin: str) -> _Host:
    """``[host][:port][/path]``; the host defaults to localhost, IPv6 goes in brackets."""
    invalid = EndpointError(
        f"The Docker host {text!r} ({origin}) is not a valid tcp address; "
        "write it as tcp://HOST:PORT."
    )
    netloc, _, path = rest.partition("/")
    if "://" in rest or "@" in netloc:
        raise invalid
    if netloc.startswith("["):
        hostname, bracket, port_part = netloc[1:].partition("]")
        if not bracket or not hostname or (port_part and not port_part.startswith(":")):
            raise invalid
        hostname, port_text = f"[{hostname}]", port_part[1:]
    elif netloc.count(":") > 1:  # an IPv6 address without brackets and without a port
        hostname, port_text = f"[{netloc}]", ""
    else:
        hostname, _, port_text = netloc.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise invalid
        port = int(port_text)
    return _Host(scheme, "tcp", hostname or "localhost", port, f"/{path}" if path else "")


def _parse_ssh(rest: str, text: str, origin: str) -> _Host:
    """``ssh://[user@]host[:port]``; a password in the URL is refused as the CLI does."""
    parts = urlsplit(f"ssh://{rest}")
    try:
        _ = parts.port  # raises ValueError for a port that is not a number in range
        valid = bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise EndpointError(
            f"The Docker host {text!r} ({origin}) is not a valid ssh address; "
            "write it as ssh://USER@HOST or ssh://USER@HOST:PORT."
        )
    if parts.password is not None:
        raise EndpointError(
            f"The Docker host {text!r} ({origin}) contains a password, which docker does not "
            "accept; remove it and use an SSH key or agent instead."
        )
    return _Host("ssh", "ssh", rest)


def _without_tls(parsed: _Host, context: str, source: str) -> Endpoint:
    """An endpoint without TLS: plain tcp, or a transport that never uses TLS."""
    return Endpoint(parsed.render(tls=False), context, source, parsed.transport, False, False, None)


# --- TLS files ----------------------------------------------------------------------------


def _files_in(folder: Path) -> TLSFiles:
    """ca.pem, cert.pem and key.pem from ``folder``, each ``None`` when absent."""

    def present(name: str) -> Path | None:
        path = folder / name
        return path if path.is_file() else None

    return TLSFiles(ca=present("ca.pem"), cert=present("cert.pem"), key=present("key.pem"))


def _labelled(files: TLSFiles) -> list[tuple[str, Path]]:
    """The files that are set, each with a human label."""
    labelled = [
        ("CA certificate", files.ca),
        ("client certificate", files.cert),
        ("client key", files.key),
    ]
    return [(label, path) for label, path in labelled if path is not None]


def _check_client_pair(files: TLSFiles, hint: str) -> None:
    """A client certificate needs its key and vice versa."""
    if files.cert is not None and files.key is None:
        missing, label = files.cert.parent / "key.pem", "client key"
    elif files.key is not None and files.cert is None:
        missing, label = files.key.parent / "cert.pem", "client certificate"
    else:
        return
    raise EndpointError(
        f"TLS is on for this endpoint but the {label} {missing} is missing; {hint}."
    )


def _tls_hint(context: str) -> str:
    """What to do about bad TLS files, for the default context or a named one."""
    if context == DEFAULT_CONTEXT:
        return _CERT_PATH_HINT
    return (
        f"recreate context {context!r} with `docker context create` "
        "giving it valid ca, cert and key files"
    )


class _EncryptedKeyError(Exception):
    """Raised by the password callback: an encrypted key must never prompt on the terminal."""


def _refuse_password() -> bytes:
    raise _EncryptedKeyError


def _load_ca(context: ssl.SSLContext, ca: Path, hint: str) -> None:
    """Trust only ``ca``, as the docker CLI does when a CA file is given."""
    try:
        context.load_verify_locations(cafile=ca)
    except ssl.SSLError as exc:
        raise EndpointError(
            f"The CA certificate {ca} is not a valid PEM certificate ({exc.reason}); {hint}."
        ) from exc
    except OSError as exc:
        raise EndpointError(
            f"The CA certificate {ca} cannot be read ({exc.strerror or exc}); {hint}."
        ) from exc


def _load_client_pair(context: ssl.SSLContext, cert: Path, key: Path, hint: str) -> None:
    """Load the client certificate and key, refusing encrypted keys instead of prompting."""
    try:
        context.load_cert_chain(certfile=cert, keyfile=key, password=_refuse_password)
    except _EncryptedKeyError as exc:
        raise EndpointError(
            f"The client key {key} is encrypted, which docker does not support; "
            f"decrypt it with `openssl pkey` or {hint}."
        ) from exc
    except ssl.SSLError as exc:
        raise EndpointError(
            f"The client certificate {cert} and key {key} are not a valid matching PEM pair "
            f"({exc.reason or exc.strerror}); {hint}."
        ) from exc
    except OSError as exc:
        raise EndpointError(
            f"The client certificate {cert} or key {key} cannot be read "
            f"({exc.strerror or exc}); {hint}."
        ) from exc


# --- files --------------------------------------------------------------------------------


def _read_json(path: Path, what: str, fix: str, *, allow_empty: bool = False) -> object:
    """Parse a JSON file, turning every failure into one EndpointError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise EndpointError(f"{what} {path} cannot be read ({reason or exc}); {fix}.") from exc
    if allow_empty and not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EndpointError(f"{what} {path} is not valid JSON ({exc}); {fix}.") from exc
