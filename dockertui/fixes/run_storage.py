"""The storage part of `docker run`: `-v`, `--mount`, `--volumes-from`,
`--volume-driver` and `--storage-opt`, read from the inspect document.

Pure code. The complete rendering follows the configuration as it was
asked for (HostConfig.Binds become `-v`, HostConfig.Mounts become
`--mount`), so the copy's configuration matches field for field. An
anonymous volume (Config.Volumes, not covered by a bind or mount) is
mounted by its generated name: the copy gets the same data, not an empty
new volume.
"""

from __future__ import annotations

from typing import Any

from dockertui.fixes.run_format import csv_field, flag, flags
from dockertui.model import Container, Mount
from dockertui.model._json import flag as is_true
from dockertui.model._json import mappings, obj, string_map, strings, text

#: Bind propagation when none was asked for.
_DEFAULT_PROPAGATION = ("", "rprivate")
#: The `-v` options the Docker CLI accepts; Podman adds others (rbind, exec...).
_BIND_OPTIONS = frozenset(
    {"ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated"}
    | {"shared", "rshared", "slave", "rslave", "private", "rprivate"}
)


def mount_flag(m: Mount) -> str | None:
    """`-v src:dst[:opts]` for a bind or volume, `--mount` when a path holds
    a colon; None for mount types `docker run -v` cannot express (npipe)."""
    options: list[str] = []
    if m.read_only:
        options.append("ro")
    if m.propagation not in _DEFAULT_PROPAGATION:
        options.append(m.propagation)
    if m.type == "bind":
        source = m.source
    elif m.type == "volume":
        source = m.name or ""  # anonymous volumes are kept by their generated name
    elif m.type == "tmpfs":
        return flag("--mount", f"type=tmpfs,destination={m.destination}")
    else:
        return None
    if ":" in source or ":" in m.destination:
        fields = [f"type={m.type}"]
        if source:
            fields.append(csv_field("source", source))
        fields.append(csv_field("target", m.destination))
        if m.read_only:
            fields.append("readonly")
        if m.type == "bind" and m.propagation not in _DEFAULT_PROPAGATION:
            fields.append(f"bind-propagation={m.propagation}")
        return flag("--mount", ",".join(fields))
    spec = f"{source}:{m.destination}" if source else m.destination
    if options:
        spec += ":" + ",".join(options)
    return flag("-v", spec)


# --- the configuration as asked for -------------------------------------------------------


def binds(c: Container) -> list[str]:
    """HostConfig.Binds as `-v` takes them (`src:dst[:opts]`), keeping only
    the options the Docker CLI knows."""
    found = []
    for bind in strings(obj(c.raw, "HostConfig"), "Binds") or ():
        source, sep, rest = bind.partition(":")
        dest, _, opts = rest.partition(":")
        kept = [o for o in opts.split(",") if o in _BIND_OPTIONS] if opts else []
        if not sep or not opts or len(kept) == len(opts.split(",")):
            found.append(bind)
        else:
            found.append(":".join([source, dest, ",".join(kept)]) if kept else f"{source}:{dest}")
    return found


def _bind_destination(bind: str) -> str:
    parts = bind.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _volume_names(c: Container) -> dict[str, str]:
    """Destination -> name of each volume mounted now."""
    return {m.destination: m.name for m in c.mounts if m.type == "volume" and m.name}


def host_mounts(c: Container) -> list[dict[str, Any]]:
    """HostConfig.Mounts: what `--mount` asked for, an anonymous volume
    given its generated name as source (so the copy keeps its data)."""
    names = _volume_names(c)
    found = mappings(obj(c.raw, "HostConfig"), "Mounts")
    for m in found:
        anonymous = (text(m, "Type") or "volume") == "volume" and not text(m, "Source")
        if anonymous and names.get(text(m, "Target")):
            m["Source"] = names[text(m, "Target")]
    return found


def anonymous_volumes(c: Container) -> list[tuple[str, str]]:
    """(volume name, destination) for each Config.Volumes path no bind, mount
    or tmpfs covers; the name is "" when the engine has not created it."""
    covered = {_bind_destination(b) for b in binds(c)}
    covered |= {text(m, "Target") for m in host_mounts(c)}
    covered |= set(c.tmpfs)
    names = _volume_names(c)
    return [
        (names.get(dest, ""), dest)
        for dest in obj(c.raw, "Config", "Volumes")
        if dest not in covered
    ]


def mount_spec(m: dict[str, Any]) -> str:
    """One HostConfig.Mounts entry in `--mount` syntax."""
    fields = [f"type={text(m, 'Type') or 'volume'}"]
    if text(m, "Source"):
        fields.append(csv_field("source", text(m, "Source")))
    fields.append(csv_field("target", text(m, "Target")))
    if is_true(m, "ReadOnly"):
        fields.append("readonly")
    if text(m, "Consistency"):
        fields.append(csv_field("consistency", text(m, "Consistency")))
    fields += _bind_options(obj(m, "BindOptions"))
    fields += _volume_options(obj(m, "VolumeOptions"))
    fields += _tmpfs_options(obj(m, "TmpfsOptions"))
    return ",".join(fields)


def _bind_options(options: dict[str, Any]) -> list[str]:
    fields = []
    if text(options, "Propagation"):
        fields.append(csv_field("bind-propagation", text(options, "Propagation")))
    if is_true(options, "NonRecursive"):
        fields.append("bind-nonrecursive")
    return fields


def _volume_options(options: dict[str, Any]) -> list[str]:
    fields = ["volume-nocopy"] if is_true(options, "NoCopy") else []
    fields += [
        csv_field("volume-label", f"{k}={v}") for k, v in string_map(options, "Labels").items()
    ]
    driver = obj(options, "DriverConfig")
    if text(driver, "Name"):
        fields.append(csv_field("volume-driver", text(driver, "Name")))
    fields += [
        csv_field("volume-opt", f"{k}={v}") for k, v in string_map(driver, "Options").items()
    ]
    return fields


def _tmpfs_options(options: dict[str, Any]) -> list[str]:
    fields = []
    size, mode = options.get("SizeBytes"), options.get("Mode")
    if isinstance(size, int) and size > 0:
        fields.append(f"tmpfs-size={size}")
    if isinstance(mode, int) and mode > 0:
        fields.append(f"tmpfs-mode={mode:o}")
    return fields


def storage_flags(c: Container) -> list[str]:
    """Every storage flag of the complete `docker run`: binds, anonymous
    volumes by name, `--mount`s, `--volumes-from`, volume driver, storage opts."""
    host = obj(c.raw, "HostConfig")
    if not host:  # no configuration to read: render what is mounted now
        in_tmpfs = set(c.tmpfs)
        return [
            f
            for m in c.mounts
            if not (m.type == "tmpfs" and m.destination in in_tmpfs)
            if (f := mount_flag(m)) is not None
        ]
    found = flags("-v", binds(c))
    found += [flag("-v", f"{name}:{dest}" if name else dest) for name, dest in anonymous_volumes(c)]
    found += [flag("--mount", mount_spec(m)) for m in host_mounts(c)]
    found += flags("--volumes-from", strings(host, "VolumesFrom") or ())
    if text(host, "VolumeDriver"):
        found.append(flag("--volume-driver", text(host, "VolumeDriver")))
    found += [flag("--storage-opt", f"{k}={v}") for k, v in string_map(host, "StorageOpt").items()]
    return found
