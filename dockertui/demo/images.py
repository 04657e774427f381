"""The simulated engine's images: one per image the fleet runs, with the
configuration the members' create bodies imply (environment, command,
user, exposed ports), the users its /etc/passwd knows, and the merge of an
image's configuration into a create body, as dockerd does it. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dockertui.demo.fleet import Member
from dockertui.demo.records import Image, hex_id

#: Users every image's /etc/passwd holds (Debian's base set), plus the
#: service users the fleet's images add.
BASE_USERS = {"root": 0, "daemon": 1, "bin": 2, "sys": 3, "www-data": 33, "nobody": 65534}
SERVICE_USERS = {
    "nginx": 101,
    "postgres": 999,
    "redis": 999,
    "mysql": 999,
    "memcache": 11211,
    "grafana": 472,
    "gitlab-runner": 999,
    "model-server": 1000,
    "app": 10001,
}
_DAY = 86400.0
_COMPOSE_PREFIX = "com.docker.compose."


def reference(name: str) -> str:
    """An image reference with its tag (no tag means latest)."""
    if "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def images_for(members: Iterable[Member], now: float) -> dict[str, Image]:
    """One image per reference the members use, keyed by reference."""
    found: dict[str, Image] = {}
    for n, member in enumerate(members):
        ref = reference(member.image)
        if ref in found:
            continue
        body = member.create
        exposed = dict(body.get("ExposedPorts") or {})
        labels = {
            k: v for k, v in (body.get("Labels") or {}).items() if not k.startswith(_COMPOSE_PREFIX)
        }
        config = {
            "Env": list(body.get("Env") or []),
            "Cmd": body.get("Cmd"),
            "Entrypoint": body.get("Entrypoint"),
            "User": str(body.get("User") or ""),
            "WorkingDir": str(body.get("WorkingDir") or ""),
            "Labels": labels or None,
            "ExposedPorts": exposed or None,
            "Volumes": None,
        }
        found[ref] = Image(
            id="sha256:" + hex_id("image", ref),
            reference=ref,
            config=config,
            created=now - (30 + 7 * n) * _DAY,
            size=(40 + 37 * n % 400) * 1024 * 1024,
            users={**BASE_USERS, **SERVICE_USERS},
        )
    return found


def merge(body: Mapping[str, Any], image: Image) -> dict[str, Any]:
    """The container's Config: the create body's top-level fields over the
    image's, as dockerd merges them (the image's command only when the body
    gives neither command nor entrypoint; environments joined, the body's
    value winning; labels, exposed ports and volumes joined)."""
    config = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
    own = image.config
    if not config.get("Entrypoint"):
        if not config.get("Cmd"):
            config["Cmd"] = own.get("Cmd")
        if config.get("Entrypoint") is None:
            config["Entrypoint"] = own.get("Entrypoint")
    config["Cmd"] = config.get("Cmd") or None
    config["Entrypoint"] = config.get("Entrypoint") or None
    env: dict[str, str] = {}
    for item in [*(own.get("Env") or []), *(config.get("Env") or [])]:
        env[str(item).partition("=")[0]] = str(item)
    config["Env"] = list(env.values()) or None
    for key in ("User", "WorkingDir"):
        config[key] = str(config.get(key) or own.get(key) or "")
    for key in ("Labels", "ExposedPorts", "Volumes"):
        joined = {**(own.get(key) or {}), **(config.get(key) or {})}
        config[key] = joined or ({} if key == "Labels" else None)
    for key in ("Healthcheck", "ExposedPorts"):  # dockerd leaves them out when empty
        if not config.get(key):
            config.pop(key, None)
    for key, default in (
        ("Hostname", ""),
        ("Domainname", ""),
        ("AttachStdin", False),
        ("AttachStdout", False),
        ("AttachStderr", False),
        ("Tty", False),
        ("OpenStdin", False),
        ("StdinOnce", False),
        ("OnBuild", None),
    ):
        config.setdefault(key, default)
    config["Image"] = str(body.get("Image") or "")
    return config


def passwd(image: Image) -> str:
    """/etc/passwd of the image."""
    return "".join(
        f"{name}:x:{uid}:{uid}:{name}:/{'root' if uid == 0 else 'nonexistent'}:"
        f"{'/bin/bash' if uid == 0 else '/usr/sbin/nologin'}\n"
        for name, uid in sorted(image.users.items(), key=lambda item: item[1])
    )


def group(image: Image) -> str:
    """/etc/group of the image (one group per user, same number)."""
    return "".join(
        f"{name}:x:{uid}:\n" for name, uid in sorted(image.users.items(), key=lambda item: item[1])
    )
