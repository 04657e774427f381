"""The simulated engine's state and what every Engine API call does to it.

`DemoEngine` holds the containers, images, networks and exec sessions,
carries out create / start / stop / restart / kill / rename / update /
remove the way dockerd does (names, conflicts, restart policies, the order
of the events each emits), and publishes every event to its subscribers as
the engine's event JSON. The teaching fleet (`fleet.py`) is created in it
at start-up, each member in its state.

What a container does after a start is a reaction, scheduled through the
`later` function the server passes in: a member whose crash rule fires
dies `CRASH_SECONDS` after each start (so a fix that breaks the service
fails its verification and is rolled back), and a health check reports
healthy `HEALTHY_SECONDS` after the start. Restart policies restart a
dead container after `RESTART_SECONDS / speed`; at speed 0 it stays
"restarting", frozen. No I/O here: the server does the talking.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dockertui.demo import documents, facts, images, rules, seed
from dockertui.demo.fleet import FLEET, NEWCOMER, VOLUMES, Member, RunState, member_named
from dockertui.demo.records import (
    Attachment,
    Container,
    ExecSession,
    FileEntry,
    Image,
    Network,
    Status,
    hex_id,
)
from dockertui.fixes.names import leftover_of

#: Seconds after a start at which a member whose crash rule fires dies.
CRASH_SECONDS = 0.8
#: Seconds after a start at which a health check first reports healthy.
HEALTHY_SECONDS = 1.5
#: Seconds (at speed 1) before a restart policy restarts a dead container.
RESTART_SECONDS = 4.0
#: Events kept for `since` queries.
HISTORY = 5000
#: Exec sessions kept for inspection.
EXEC_HISTORY = 200

Later = Callable[[float, Callable[[], None]], object]
Subscriber = Callable[[dict[str, Any]], None]
_DAY = 86400.0
#: Update body keys that go into HostConfig as they are.
_UPDATABLE = (
    "BlkioWeight",
    "CpuShares",
    "CpuPeriod",
    "CpuQuota",
    "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
    "CpusetCpus",
    "CpusetMems",
    "Memory",
    "MemorySwap",
    "MemoryReservation",
    "KernelMemory",
    "NanoCpus",
    "PidsLimit",
    "RestartPolicy",
)


class EngineFault(Exception):
    """An error answer: the HTTP status and the engine's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _never(delay: float, action: Callable[[], None]) -> object:
    return None


class DemoEngine:
    def __init__(
        self,
        *,
        speed: float = 1.0,
        now: Callable[[], float] = time.time,
        later: Later = _never,
        fleet: Iterable[Member] = FLEET,
    ) -> None:
        self.speed = max(0.0, speed)
        self.now = now
        self.later = later
        self.containers: dict[str, Container] = {}
        self.execs: dict[str, ExecSession] = {}
        self.events: list[dict[str, Any]] = []
        self.subscribers: list[Subscriber] = []
        #: Names of the containers whose health check fails now (the activity sets it).
        self.failing: set[str] = set()
        self._pids = itertools.count(4211, 13)
        self._serial = itertools.count(1)
        started = self.now()
        self.started = started
        self.images: dict[str, Image] = images.images_for([*fleet, *_extra()], started)
        self.networks: dict[str, Network] = seed.networks(started)
        self.volumes = {v.name: dict(v.labels) for v in VOLUMES}
        seed.seed(self, list(fleet), started)
        self.events.clear()  # the seeding is the past: nobody saw it happen

    # --- looking things up ------------------------------------------------------------------

    def find(self, ref: str) -> Container:
        """A container by full id, name or unique id prefix (404 otherwise)."""
        ref = ref.lstrip("/")
        if ref in self.containers:
            return self.containers[ref]
        for c in self.containers.values():
            if c.name == ref:
                return c
        found = [c for c in self.containers.values() if ref and c.id.startswith(ref)]
        if len(found) == 1:
            return found[0]
        raise EngineFault(404, f"No such container: {ref}")

    def image(self, ref: str) -> Image:
        """An image by reference, id or id prefix (404 otherwise)."""
        for image in self.images.values():
            short = image.id.removeprefix("sha256:")
            if (
                ref in (image.reference, image.id, short)
                or images.reference(ref) == image.reference
            ):
                return image
            if len(ref) >= 4 and short.startswith(ref.removeprefix("sha256:")):
                return image
        raise EngineFault(404, f"No such image: {ref}")

    def network(self, ref: str) -> Network:
        for network in self.networks.values():
            if ref in (network.name, network.id) or (len(ref) >= 4 and network.id.startswith(ref)):
                return network
        raise EngineFault(404, f"network {ref} not found")

    def _by_name(self, name: str) -> Container | None:
        return next((c for c in self.containers.values() if c.name == name), None)

    # --- events -------------------------------------------------------------------------------

    def emit(
        self,
        kind: str,
        action: str,
        actor: str,
        attributes: Mapping[str, str],
        *,
        image: str = "",
    ) -> dict[str, Any]:
        """Record one event and hand it to every subscriber."""
        when = self.now()
        nanos = int(when * 1e9)
        event: dict[str, Any] = {}
        if kind == "container":
            event.update(status=action, id=actor, **({"from": image} if image else {}))
        event.update(
            Type=kind,
            Action=action,
            Actor={"ID": actor, "Attributes": dict(attributes)},
            scope="local",
            time=nanos // 1_000_000_000,
            timeNano=nanos,
        )
        self.events.append(event)
        del self.events[:-HISTORY]
        for subscriber in list(self.subscribers):
            subscriber(event)
        return event

    def _container_event(self, c: Container, action: str, **extra: str) -> None:
        image = str(c.config.get("Image") or "")
        attributes = {**c.labels, "image": image, "name": c.name, **extra}
        self.emit("container", action, c.id, attributes, image=image)

    def _network_event(self, c: Container, action: str) -> None:
        for a in c.attachments:
            network = self.networks.get(a.network)
            if network is None or network.driver == "null":
                continue
            attributes = {"container": c.id, "name": network.name, "type": network.driver}
            self.emit("network", action, network.id, attributes)

    # --- container lifecycle ------------------------------------------------------------------

    def create(
        self, body: Mapping[str, Any], name: str = "", *, at: float | None = None
    ) -> Container:
        """POST /containers/create?name=... (`at`: the creation time, for the seeded fleet)."""
        if not isinstance(body, Mapping) or not body.get("Image"):
            raise EngineFault(400, "Config cannot be empty in order to create a container")
        name = name.lstrip("/")
        if not name:
            name = f"{_ADJECTIVES[next(self._serial) % len(_ADJECTIVES)]}_{_NAMES[len(self.containers) % len(_NAMES)]}"
        clash = self._by_name(name)
        if clash is not None:
            raise EngineFault(409, _name_conflict(name, clash.id))
        image = self.image(str(body["Image"]))
        host = documents.host_config(body.get("HostConfig"))
        mode = str(host.get("NetworkMode") or "default")
        endpoints = ((body.get("NetworkingConfig") or {}).get("EndpointsConfig")) or {}
        if len(endpoints) > 1:
            raise EngineFault(
                400,
                "Container cannot be connected to network endpoints: "
                + ", ".join(sorted(endpoints)),
            )
        attach_to = "bridge" if mode == "default" else mode
        if attach_to.startswith("container:"):
            raise EngineFault(400, "the simulated engine does not share network namespaces")
        network = self.network(attach_to)
        aliases = None
        if endpoints:
            net_name, config = next(iter(endpoints.items()))
            if self.network(net_name).name != network.name:
                raise EngineFault(400, "conflicting options: network mode and endpoint")
            aliases = list((config or {}).get("Aliases") or []) or None
        config = images.merge(body, image)
        cid = hex_id("container", name, next(self._serial), self.now())
        ip = address(network) if network.driver == "bridge" else ""
        if network.name != "bridge" and network.driver == "bridge":
            aliases = [*(aliases or []), cid[:12]]
        c = Container(
            id=cid,
            name=name,
            config=config,
            host=host,
            image_id=image.id,
            created=self.now() if at is None else at,
            member=_member_for(name),
            attachments=[Attachment(network.name, ip, aliases)],
            sandbox_id=hex_id("sandbox", cid),
        )
        for path in config.get("Volumes") or {}:
            c.anonymous_volumes[path] = hex_id("volume", cid, path)
        for bind in host.get("Binds") or []:
            source = str(bind).split(":", 1)[0]
            if source and not source.startswith("/"):
                self.volumes.setdefault(source, {})
        opts = rules.security_opts({"HostConfig": host})
        explicit = [
            o.split("=", 1)[1] for o in opts if o.replace(":", "=", 1).startswith("apparmor=")
        ]
        c.apparmor = explicit[-1] if explicit else ""
        self.containers[cid] = c
        self._container_event(c, "create")
        return c

    def start(self, ref: str) -> bool:
        """POST /containers/{id}/start; False when it already runs (304)."""
        c = self.find(ref)
        if c.status in (Status.RUNNING, Status.PAUSED):
            return False
        self._run(c)
        return True

    def _run(self, c: Container, *, restarted: bool = False) -> None:
        """Start `c` now, and schedule what it does next."""
        c.generation += 1
        c.status = Status.RUNNING
        c.pid = self.next_pid()
        c.started_at = self.now()
        c.exit_code = 0
        c.error = ""
        c.oom_killed = False
        c.ever_started = True
        c.stopped_by_user = False
        if restarted:
            c.restart_count += 1
        if not c.apparmor:
            c.apparmor = "unconfined" if c.host.get("Privileged") else "docker-default"
        for a in c.attachments:
            a.endpoint_id = hex_id("endpoint", c.id, a.network, c.generation)
        if c.has_healthcheck:
            c.health, c.failing_streak, c.health_log = "starting", 0, []
        self._network_event(c, "connect")
        self._container_event(c, "start")
        generation = c.generation
        member = _member_for(c.name) or c.member
        reason = member.crashes_when(c.create_body()) if member is not None else None
        if reason is not None and member is not None:
            code = (
                member.exit_code if member.state == RunState.CRASH_LOOP else member.crash_exit_code
            )
            self.later(CRASH_SECONDS, lambda: self._crash(c.id, generation, code or 1, reason))
        elif c.has_healthcheck:
            self.later(HEALTHY_SECONDS, lambda: self._first_health(c.id, generation))

    def _current(self, cid: str, generation: int) -> Container | None:
        c = self.containers.get(cid)
        return c if c is not None and c.generation == generation and c.running else None

    def _first_health(self, cid: str, generation: int) -> None:
        c = self._current(cid, generation)
        if c is None or c.health != "starting":
            return
        self.health_run(c, c.name not in self.failing)

    def _crash(self, cid: str, generation: int, code: int, reason: str) -> None:
        c = self._current(cid, generation)
        if c is not None:
            self.die(c, code)

    def die(self, c: Container, code: int, *, oom: bool = False) -> None:
        """The main process ended with `code`: exited, or restarting when its
        policy says so."""
        c.generation += 1
        c.exit_code = code
        c.oom_killed = oom
        c.finished_at = self.now()
        c.pid = 0
        if oom:
            self._container_event(c, "oom")
        self._container_event(c, "die", exitCode=str(code))
        self._network_event(c, "disconnect")
        for a in c.attachments:
            a.endpoint_id = ""
        if c.has_healthcheck and c.health:
            c.health = "unhealthy"
        if self._restarts(c):
            c.status = Status.RESTARTING
            if self.speed > 0:
                self.later(RESTART_SECONDS / self.speed, self._restart_later(c.id, c.generation))
        else:
            c.status = Status.EXITED

    def _restarts(self, c: Container) -> bool:
        policy = c.host.get("RestartPolicy") or {}
        name = str(policy.get("Name") or "")
        if c.stopped_by_user or name in ("", "no"):
            return False
        if name == "on-failure":
            limit = int(policy.get("MaximumRetryCount") or 0)
            return c.exit_code != 0 and (limit == 0 or c.restart_count < limit)
        return name in ("always", "unless-stopped")

    def _restart_later(self, cid: str, generation: int) -> Callable[[], None]:
        return lambda: self._policy_restart(cid, generation)

    def _policy_restart(self, cid: str, generation: int) -> None:
        c = self.containers.get(cid)
        if c is not None and c.generation == generation and c.status == Status.RESTARTING:
            self._run(c, restarted=True)

    def stop(self, ref: str, *, signal_code: int = 0) -> bool:
        """POST /containers/{id}/stop; False when it was not running (304)."""
        c = self.find(ref)
        if c.status == Status.RESTARTING:
            c.generation += 1
            c.stopped_by_user = True
            c.status = Status.EXITED
            self._container_event(c, "stop")
            return True
        if not c.running:
            return False
        c.stopped_by_user = True
        self._container_event(c, "kill", signal="15")
        self.die(c, signal_code)
        self._container_event(c, "stop")
        return True

    def kill(self, ref: str, signal: str = "KILL") -> None:
        c = self.find(ref)
        if not c.running or c.status == Status.RESTARTING:
            raise EngineFault(409, f"Cannot kill container: {ref}: Container {c.id} is not running")
        number = _SIGNALS.get(signal.upper().removeprefix("SIG"), signal)
        c.stopped_by_user = True
        self._container_event(c, "kill", signal=str(number))
        self.die(c, 128 + int(number) if str(number).isdigit() else 137)

    def restart(self, ref: str) -> None:
        c = self.find(ref)
        if c.running:
            self.stop(c.id)
        self._run(c)
        self._container_event(c, "restart")

    def rename(self, ref: str, new_name: str) -> None:
        c = self.find(ref)
        new_name = new_name.lstrip("/")
        if not new_name:
            raise EngineFault(400, "Neither old nor new names may be empty")
        if new_name == c.name:
            raise EngineFault(400, "Renaming a container with the same name as its current name")
        clash = self._by_name(new_name)
        if clash is not None:
            raise EngineFault(
                409, "Error when allocating new name: " + _name_conflict(new_name, clash.id)
            )
        old = c.name
        c.name = new_name
        for a in c.attachments:  # dockerd swaps the old name for the new among the aliases
            if a.aliases and old in a.aliases:
                a.aliases = [new_name if x == old else x for x in a.aliases]
        self._container_event(c, "rename", oldName="/" + old)

    def update(self, ref: str, body: Mapping[str, Any]) -> list[str]:
        """POST /containers/{id}/update; the engine's warnings."""
        c = self.find(ref)
        if "RestartPolicy" in body and c.host.get("AutoRemove"):
            raise EngineFault(
                400,
                "Cannot update container "
                f"{c.id}: Restart policy cannot be updated because AutoRemove is enabled for "
                "the container",
            )
        memory = body.get("Memory")
        swap = body.get("MemorySwap")
        current_swap = int(c.host.get("MemorySwap") or 0)
        if memory and swap is None and current_swap > 0 and int(memory) > current_swap:
            raise EngineFault(
                400,
                f"Cannot update container {c.id}: Memory limit should be smaller than already "
                "set memoryswap limit, update the memoryswap at the same time",
            )
        for key in _UPDATABLE:
            if key in body and body[key] is not None:
                value = body[key]
                if key == "RestartPolicy":
                    value = {
                        "MaximumRetryCount": int(value.get("MaximumRetryCount") or 0),
                        "Name": str(value.get("Name") or ""),
                    }
                c.host[key] = value
        if memory and swap is None and current_swap == 0:
            c.host["MemorySwap"] = int(memory) * 2  # as dockerd: swap defaults to twice the limit
        self._container_event(c, "update")
        return []

    def remove(self, ref: str, *, force: bool = False, volumes: bool = False) -> None:
        c = self.find(ref)
        if c.running and not force:
            state = "restarting" if c.status == Status.RESTARTING else "running"
            raise EngineFault(
                409,
                f"You cannot remove a {state} container {c.id}. Stop the container before "
                "attempting removal or force remove",
            )
        if c.running:
            c.stopped_by_user = True
            self._container_event(c, "kill", signal="9")
            self.die(c, 137)
        c.generation += 1
        del self.containers[c.id]
        for exec_id in c.exec_ids:
            self.execs.pop(exec_id, None)
        self._container_event(c, "destroy")

    def connect(self, c: Container, network: Network, config: Mapping[str, Any]) -> None:
        """POST /networks/{id}/connect: one more endpoint for `c`."""
        if any(a.network == network.name for a in c.attachments):
            raise EngineFault(
                403, f"endpoint with name {c.name} already exists in network {network.name}"
            )
        if network.driver != "bridge" or c.host.get("NetworkMode") in ("host", "none"):
            raise EngineFault(
                400,
                f"container cannot be disconnected from host network or connected to {network.name}",
            )
        aliases = list(config.get("Aliases") or []) or None
        attachment = Attachment(network.name, address(network), aliases)
        c.attachments.append(attachment)
        if c.status == Status.RUNNING:
            attachment.endpoint_id = hex_id("endpoint", c.id, network.name, c.generation)
            attributes = {"container": c.id, "name": network.name, "type": network.driver}
            self.emit("network", "connect", network.id, attributes)

    # --- health and exec sessions -------------------------------------------------------------

    def health_run(self, c: Container, ok: bool) -> None:
        """Record one health run: its log entry, the failing streak, and the
        status (unhealthy after Retries failures in a row, healthy after a
        success); a change of status is a health_status event."""
        if not c.has_healthcheck or c.status != Status.RUNNING:
            return
        c.failing_streak = 0 if ok else c.failing_streak + 1
        stamp = self.now()
        c.health_log.append(
            {
                "Start": facts.timestamp(stamp - 0.05).replace("Z", "+00:00"),
                "End": facts.timestamp(stamp).replace("Z", "+00:00"),
                "ExitCode": 0 if ok else 1,
                "Output": "" if ok else "health check failed: connection refused\n",
            }
        )
        del c.health_log[:-5]
        retries = int((c.config.get("Healthcheck") or {}).get("Retries") or 3)
        if ok:
            self._set_health(c, "healthy")
        elif c.failing_streak >= retries:
            self._set_health(c, "unhealthy")

    def _set_health(self, c: Container, status: str) -> None:
        if c.health != status:
            c.health = status
            self._container_event(c, f"health_status: {status}")

    def exec(
        self,
        c: Container,
        argv: list[str],
        *,
        user: str = "",
        privileged: bool = False,
        tty: bool = False,
        stdin: bool = False,
    ) -> ExecSession:
        """A `docker exec` (or a health run): exec_create and exec_start."""
        if c.status != Status.RUNNING:
            raise EngineFault(409, f"Container {c.id} is not running")
        session = ExecSession(
            id=hex_id("exec", c.id, next(self._serial)),
            container_id=c.id,
            argv=list(argv),
            user=user,
            privileged=privileged,
            tty=tty,
            stdin=stdin,
            pid=self.next_pid(),
        )
        self.execs[session.id] = session
        while len(self.execs) > EXEC_HISTORY:
            oldest = next(iter(self.execs))
            old = self.execs.pop(oldest)
            owner = self.containers.get(old.container_id)
            if owner is not None and oldest in owner.exec_ids:
                owner.exec_ids.remove(oldest)
        c.exec_ids.append(session.id)
        text = documents_command(argv)
        self._container_event(c, f"exec_create: {text}", execID=session.id)
        self._container_event(c, f"exec_start: {text}", execID=session.id)
        return session

    def exec_end(self, session: ExecSession, code: int = 0) -> None:
        session.running = False
        session.exit_code = code
        c = self.containers.get(session.container_id)
        if c is None:
            return
        if session.id in c.exec_ids:
            c.exec_ids.remove(session.id)
        self._container_event(c, "exec_die", execID=session.id, exitCode=str(code))

    # --- what the read endpoints serve ----------------------------------------------------------

    def processes(self, c: Container) -> list[tuple[str, str]]:
        """What `ps -ef` shows in it: the member's processes, run as the
        user its configuration says now (a fix to non-root shows)."""
        if c.status not in (Status.RUNNING, Status.PAUSED):
            raise EngineFault(409, f"Container {c.id} is not running")
        member = c.member or _member_for(c.name)
        wanted = rules.uid(c.config)
        shown = _UID_NAMES.get(wanted, wanted)
        if member is None or not member.processes:
            argv = [*(c.config.get("Entrypoint") or []), *(c.config.get("Cmd") or [])]
            return [(shown, " ".join(argv) or "sh")]
        original = rules.uid(member.create)
        if original == wanted:
            return [(p.user, p.cmd) for p in member.processes]
        return [(shown, p.cmd) for p in member.processes]

    def counts(self) -> dict[str, int]:
        running = sum(
            c.status in (Status.RUNNING, Status.RESTARTING) for c in self.containers.values()
        )
        paused = sum(c.status == Status.PAUSED for c in self.containers.values())
        return {
            "running": running,
            "paused": paused,
            "stopped": len(self.containers) - running - paused,
        }

    def info(self) -> dict[str, Any]:
        return facts.info(**self.counts(), images=len(self.images), now=self.now())

    def layer_size(self, c: Container) -> int:
        return sum(len(f.data) + 4096 * f.directory for f in c.layer.values())

    def changes(self, c: Container) -> list[dict[str, Any]]:
        """GET /containers/{id}/changes: the layer's paths, their parents as changed."""
        kinds: dict[str, int] = {}
        for path in c.layer:
            parent = path.rsplit("/", 1)[0]
            while parent:
                kinds.setdefault(parent, 0)
                parent = parent.rsplit("/", 1)[0]
            kinds[path] = 1
        for path in c.deleted:
            kinds[path] = 2
        return [{"Kind": kind, "Path": path} for path, kind in sorted(kinds.items())]

    def files(self, c: Container) -> dict[str, FileEntry]:
        """Every file the archive API can see: the image's few, then the layer."""
        image = self.images_by_id().get(c.image_id)
        base: dict[str, FileEntry] = {
            "/etc": FileEntry(mode=0o755, directory=True, mtime=c.created),
        }
        if image is not None:
            base["/etc/passwd"] = FileEntry(
                images.passwd(image).encode(), 0o644, mtime=image.created
            )
            base["/etc/group"] = FileEntry(images.group(image).encode(), 0o644, mtime=image.created)
        merged = {**base, **c.layer}
        for path in c.deleted:
            merged.pop(path, None)
        return merged

    def images_by_id(self) -> dict[str, Image]:
        return {image.id: image for image in self.images.values()}

    def events_json(self, event: Mapping[str, Any]) -> bytes:
        return json.dumps(event, separators=(",", ":")).encode() + b"\n"

    # --- the fleet --------------------------------------------------------------------------------

    def next_pid(self) -> int:
        return next(self._pids)

    def resume(self) -> None:
        """Schedule what the seeded fleet does next (its crash loops), once
        the server can run what it schedules."""
        for c in list(self.containers.values()):
            if c.status == Status.RESTARTING and self.speed > 0:
                self.later(RESTART_SECONDS / self.speed, self._restart_later(c.id, c.generation))


def documents_command(argv: list[str]) -> str:
    """An exec's command as the engine writes it in the event's action."""
    return f"{argv[0]} {' '.join(argv[1:])}" if argv else ""


def _member_for(name: str) -> Member | None:
    """The member a container plays: by its name, or the name of the
    original whose fix leftover (or re-created copy) it is."""
    member = member_named(name)
    if member is None:
        leftover = leftover_of(name)
        member = member_named(leftover.original) if leftover else None
    return member


def _name_conflict(name: str, holder: str) -> str:
    return (
        f'Conflict. The container name "/{name}" is already in use by container "{holder}". '
        "You have to remove (or rename) that container to be able to reuse that name."
    )


def address(network: Network) -> str:
    """The next free IPv4 address of a bridge network."""
    base = network.subnet.split("/")[0].rsplit(".", 2)[0]
    n = network.next_address
    network.next_address += 1
    return f"{base}.{n // 256}.{n % 256}"


def _extra() -> list[Member]:
    return [NEWCOMER]


_UID_NAMES = {"0": "root", "65534": "nobody", "33": "www-data"}
_SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15}
_ADJECTIVES = ("brave", "eager", "quirky", "festive", "jolly", "zealous", "vigilant", "sharp")
_NAMES = ("hopper", "lovelace", "turing", "curie", "noether", "ritchie", "torvalds", "hamilton")
