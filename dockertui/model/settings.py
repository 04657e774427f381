"""dockerd's settings with their sources, whatever could be read: the
settings themselves (command line, daemon.json, defaults) when this host
let them be read, else what the engine API shows of them."""

from __future__ import annotations

from dockertui.model.daemon import Setting, Source, Value
from dockertui.model.engine import EngineInfo


def _api(engine: EngineInfo) -> dict[str, Value]:
    shown: dict[str, Value] = {
        "live-restore": engine.live_restore,
        "no-new-privileges": engine.has_option("no-new-privileges"),
        "selinux-enabled": engine.has_option("selinux"),
        "debug": engine.debug,
        "experimental": engine.experimental,
        "authorization-plugins": engine.authorization_plugins,
        "insecure-registries": engine.insecure_registry_cidrs + engine.insecure_registries,
    }
    if engine.icc is not None:
        shown["icc"] = engine.icc
    if engine.logging_driver:
        shown["log-driver"] = engine.logging_driver
    if engine.has_option("seccomp"):
        shown["seccomp-profile"] = engine.option("seccomp", "profile")
    return shown


def engine_settings(engine: EngineInfo) -> tuple[Setting, ...]:
    """Every setting dockerd's settings were read for, with its source; or,
    when they were not, the ones the engine API shows (source API)."""
    if engine.daemon is not None:
        return engine.daemon.settings()
    if engine.podman:
        return ()
    return tuple(Setting(key, value, Source.API) for key, value in _api(engine).items())
