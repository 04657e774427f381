#!/usr/bin/env python3
"""Capture real Docker Engine API responses as test fixtures for dockertui.

Regenerate with::

    python scripts/capture_fixtures.py
    python scripts/capture_fixtures.py --only sshd-created   # just these cases

What it does
------------
* Talks to the local engine over ``unix:///var/run/docker.sock`` only (docker-py).
  It never pulls, and never sends traffic to container IPs or published ports.
* Creates one container per case in ``CASES`` (all labelled
  ``dockertui.test=fixture``, named ``dtui-fixture-<case>``), brings it into the
  wanted state (running / created / exited / paused / healthy) and writes
  ``client.api.inspect_container(id)`` to ``tests/fixtures/inspect/<case>.json``.
* Writes ``/info``, ``/version`` and ``/networks/bridge`` to
  ``tests/fixtures/engine/`` (captured while the fixture containers are alive)
  and ``/containers/{id}/top`` for the ``plain`` and ``sshd`` cases to
  ``tests/fixtures/top/``.
* Writes ``tests/fixtures/manifest.json`` (case -> final state, created-only
  reason) and regenerates ``tests/fixtures/README.md``.
* In a ``finally`` block removes every container (with its anonymous volumes),
  network and volume it created, the temporary ``:latest`` tag and the temp dir,
  even when something failed.

Containers are created with the low-level API so that the request looks like
what ``docker run -d ...`` (CLI) would send: published ports are also exposed,
``-v /path`` anonymous volumes go into ``Config.Volumes`` and named volumes into
``HostConfig.Binds``, ``systempaths=unconfined`` is translated client-side into
``MaskedPaths: []`` / ``ReadonlyPaths: []`` exactly like the CLI does (the
20.10 daemon itself does not understand that security-opt).

Machine limits (the host's capability bounding set lacks CAP_SYS_RESOURCE, so
``--privileged`` / ``--cap-add ALL`` fail with "unable to apply caps"): such
cases are only created.  Cases marked ``fallback=True`` are started if the
daemon allows it, otherwise they are re-created cleanly (never started) and the
daemon's error is recorded in the manifest/README.

Observed on the capture machine (dockerd 20.10.24, cgroup v1, no AppArmor):
* cap-sys-admin: STARTS fine (CAP_SYS_ADMIN is in the host bounding set), so it
  is a running fixture.
* The busybox image has no /etc/passwd, so ``user-named`` ("nobody") and
  ``user-root-explicit`` ("root") cannot start ("unable to find user ...: no
  matching entries in passwd file") and are created-only.  ``user-numeric-root-group``
  ("0:1000") and ``hardened`` ("1000:1000") are numeric and start fine.
* ``mount-propagation``: "/" is a private mount on the capture host, so the
  daemon refuses rshared ("... is mounted on / but it is not a shared mount");
  the script does not change host mount propagation, the case is created-only.
* The busybox image has no ``true`` binary, so the ``healthy`` case uses
  ``["CMD", "sh", "-c", "true"]`` (``["CMD", "true"]`` goes unhealthy with
  "executable file not found").  ``hardened`` keeps ``["CMD", "true"]`` with a
  30s interval as specified; it is captured while Health.Status is "starting".
* See tests/fixtures/README.md (generated) for the exact per-case outcome.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

from dockertui.audit import capabilities as caps

SOCKET = "unix:///var/run/docker.sock"
API_VERSION = "1.41"
LABEL_KEY = "dockertui.test"
LABEL_VALUE = "fixture"
LABELS = {LABEL_KEY: LABEL_VALUE}
NAME_PREFIX = "dtui-fixture-"

IMAGE = "dockertui-test/busybox:1"
IMAGE_REPO = "dockertui-test/busybox"
IMAGE_LATEST = "dockertui-test/busybox:latest"
SSHD_REPO = "dockertui-test/sshd"
SSHD_TAG = "1"
SSHD_IMAGE = f"{SSHD_REPO}:{SSHD_TAG}"

NETWORK = "dtui-fixture-net"
VOLUME = "dtui-fixture-vol"
SHARED_DIR = "/tmp/dtui-fixture-shared"

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
INSPECT_DIR = FIXTURES / "inspect"
ENGINE_DIR = FIXTURES / "engine"
TOP_DIR = FIXTURES / "top"

NS = 1_000_000_000  # nanoseconds per second (healthcheck durations)

# The capability hardening list, from the one capability table.
HARDENING_DROP = list(caps.HARDENING_DROP)

# Obviously fake "secrets" so the auditor's secret detection has something to find.
FAKE_SECRET_ENV = [
    "DB_PASSWORD=fixture-not-a-secret",
    "API_TOKEN=fixture",
    "GPG_KEY=0123ABCD",
    "EMPTY_SECRET=",
    "TLS_KEY=-----BEGIN RSA PRIVATE KEY-----\nMIIfake\n-----END RSA PRIVATE KEY-----",
    "PATH_OK=/usr/bin",
]

NOT_STARTABLE = (
    "not started by design: the host's capability bounding set lacks CAP_SYS_RESOURCE, "
    'so starting fails with "unable to apply caps" (start deliberately never attempted, '
    "so no daemon error was captured)"
)

SSHD_C = """\
#include <unistd.h>
/* Fake "sshd" for dockertui fixtures: just sleeps forever. */
int main(void) {
    for (;;) pause();
    return 0;
}
"""


@dataclass
class Case:
    name: str
    description: str
    # kwargs for client.api.create_host_config()
    host: dict[str, Any] = field(default_factory=dict)
    # kwargs for client.api.create_container() (besides image/host_config/name/labels)
    container: dict[str, Any] = field(default_factory=dict)
    # raw HostConfig keys merged after create_host_config (for things docker-py lacks)
    host_raw: dict[str, Any] = field(default_factory=dict)
    image: str = IMAGE
    # "run" (start), "create" (never start), "exit" (start + wait for exit),
    # "pause" (start + pause), "healthy" (start + wait healthy),
    # "auto-remove" (start, capture, then kill so the daemon removes it)
    action: str = "run"
    # If starting fails: re-create without starting (True) or count as failed (False).
    fallback: bool = False
    # Why the case is created-only by design (action == "create").
    create_reason: str = ""
    top: bool = False
    network: str | None = None


CASES: list[Case] = [
    Case(
        "plain", "`docker run -d` defaults: root, default caps, no limits, default bridge", top=True
    ),
    Case(
        "hardened",
        "non-root, cap_drop ALL, no-new-privileges, read-only rootfs + tmpfs, limits, "
        "loopback port, healthcheck, user-defined network, restart on-failure:3",
        host=dict(
            cap_drop=["ALL"],
            security_opt=["no-new-privileges:true"],
            read_only=True,
            tmpfs={"/tmp": ""},
            mem_limit="64m",
            memswap_limit="64m",
            nano_cpus=500_000_000,
            pids_limit=64,
            port_bindings={"8080/tcp": ("127.0.0.1", 18081)},
            network_mode=NETWORK,
            restart_policy={"Name": "on-failure", "MaximumRetryCount": 3},
        ),
        container=dict(
            user="1000:1000",
            ports=[(8080, "tcp")],
            healthcheck={"test": ["CMD", "true"], "interval": 30 * NS},
        ),
        network=NETWORK,
    ),
    Case(
        "privileged",
        "privileged=True",
        host=dict(privileged=True),
        action="create",
        create_reason=NOT_STARTABLE,
    ),
    Case(
        "cap-add-all",
        "cap_add ALL",
        host=dict(cap_add=["ALL"]),
        action="create",
        create_reason=NOT_STARTABLE,
    ),
    # Observed: starts (running) on the capture machine.
    Case("cap-sys-admin", "cap_add SYS_ADMIN", host=dict(cap_add=["SYS_ADMIN"]), fallback=True),
    Case(
        "cap-net-admin-ptrace",
        "cap_add NET_ADMIN, SYS_PTRACE",
        host=dict(cap_add=["NET_ADMIN", "SYS_PTRACE"]),
    ),
    Case(
        "cap-drop-hardening",
        "cap_drop of the usual hardening list",
        host=dict(cap_drop=list(HARDENING_DROP)),
    ),
    Case(
        "cap-prefixed",
        "cap_add cap_sys_time, cap_drop CAP_NET_RAW (prefix/case normalisation)",
        host=dict(cap_add=["cap_sys_time"], cap_drop=["CAP_NET_RAW"]),
    ),
    Case(
        "seccomp-unconfined",
        "security_opt seccomp=unconfined",
        host=dict(security_opt=["seccomp=unconfined"]),
    ),
    Case(
        "seccomp-custom",
        "security_opt seccomp=<inline permissive profile JSON>",
        host=dict(security_opt=['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']),
    ),
    Case(
        "nnp-false",
        "security_opt no-new-privileges=false",
        host=dict(security_opt=["no-new-privileges=false"]),
    ),
    Case(
        "apparmor-unconfined",
        "security_opt apparmor=unconfined (daemon has no AppArmor)",
        host=dict(security_opt=["apparmor=unconfined"]),
        fallback=True,
    ),
    Case("label-disable", "security_opt label=disable", host=dict(security_opt=["label=disable"])),
    Case("host-network", "network_mode host", host=dict(network_mode="host")),
    Case("host-pid", "pid_mode host", host=dict(pid_mode="host")),
    Case("host-ipc", "ipc_mode host", host=dict(ipc_mode="host")),
    Case("host-uts", "uts_mode host", host=dict(uts_mode="host")),
    Case("host-userns", "userns_mode host", host=dict(userns_mode="host")),
    Case(
        "docker-socket",
        "bind /var/run/docker.sock rw",
        host=dict(binds=["/var/run/docker.sock:/var/run/docker.sock"]),
    ),
    Case(
        "docker-socket-ro",
        "bind /var/run/docker.sock ro",
        host=dict(binds=["/var/run/docker.sock:/var/run/docker.sock:ro"]),
    ),
    Case(
        "sensitive-mounts",
        "binds /etc ro, / rw, /proc ro",
        host=dict(binds=["/etc:/host/etc:ro", "/:/hostroot", "/proc:/hostproc:ro"]),
        fallback=True,
    ),
    Case(
        "mount-propagation",
        f"bind mount of {SHARED_DIR} with propagation rshared",
        host=dict(
            mounts=[
                docker.types.Mount(
                    target="/shared", source=SHARED_DIR, type="bind", propagation="rshared"
                )
            ]
        ),
        fallback=True,
    ),
    Case(
        "named-and-anon-volumes",
        f"named volume {VOLUME} at /data + anonymous volume /cache",
        host=dict(binds=[f"{VOLUME}:/data"]),
        container=dict(volumes=["/cache"]),
    ),
    Case(
        "devices",
        "device /dev/null:/dev/xnull:rwm + device_cgroup_rules c 1:3 mr",
        host=dict(devices=["/dev/null:/dev/xnull:rwm"], device_cgroup_rules=["c 1:3 mr"]),
    ),
    Case(
        "ports-all-interfaces",
        "8080/tcp on 0.0.0.0:18082, 53/udp on host port 18083 (no ip)",
        host=dict(port_bindings={"8080/tcp": ("0.0.0.0", 18082), "53/udp": 18083}),
        container=dict(ports=[(8080, "tcp"), (53, "udp")]),
    ),
    Case(
        "ports-ipv6-any",
        "8080/tcp on [::]:18084",
        host=dict(port_bindings={"8080/tcp": ("::", 18084)}),
        container=dict(ports=[(8080, "tcp")]),
        fallback=True,
    ),
    Case(
        "port-privileged",
        "80/tcp on 127.0.0.1:80",
        host=dict(port_bindings={"80/tcp": ("127.0.0.1", 80)}),
        container=dict(ports=[(80, "tcp")]),
        fallback=True,
    ),
    Case(
        "ports-created",
        "never started; 8080/tcp -> 0.0.0.0:18085",
        host=dict(port_bindings={"8080/tcp": ("0.0.0.0", 18085)}),
        container=dict(ports=[(8080, "tcp")]),
        action="create",
        create_reason="by design: shows PortBindings vs NetworkSettings.Ports "
        "for a never-started container",
    ),
    # The same container twice, running and never started, to show that both
    # score the same: a running one is listed on 0.0.0.0 and [::] for each
    # port published without an address; its configuration has one binding.
    Case(
        "ports-pair-running",
        "80/tcp on host port 81, 53/udp on 18086, 8080/tcp on a random port, no address",
        host=dict(port_bindings={"80/tcp": 81, "53/udp": 18086, "8080/tcp": None}),
        container=dict(ports=[(80, "tcp"), (53, "udp"), (8080, "tcp")]),
    ),
    Case(
        "ports-pair-created",
        "never started; the configuration of ports-pair-running",
        host=dict(port_bindings={"80/tcp": 81, "53/udp": 18086, "8080/tcp": None}),
        container=dict(ports=[(80, "tcp"), (53, "udp"), (8080, "tcp")]),
        action="create",
        create_reason="by design: the never-started copy of ports-pair-running",
    ),
    Case(
        "exited",
        "command sh -c 'exit 3', started and waited for",
        container=dict(command=["sh", "-c", "exit 3"]),
        action="exit",
    ),
    Case(
        "limits-none-restart-always",
        "restart_policy always, no limits",
        host=dict(restart_policy={"Name": "always"}),
    ),
    Case(
        "restart-unless-stopped",
        "restart_policy unless-stopped",
        host=dict(restart_policy={"Name": "unless-stopped"}),
    ),
    Case(
        "restart-on-failure-0",
        "restart_policy on-failure, max 0",
        host=dict(restart_policy={"Name": "on-failure", "MaximumRetryCount": 0}),
    ),
    Case(
        "restart-on-failure-10",
        "restart_policy on-failure, max 10",
        host=dict(restart_policy={"Name": "on-failure", "MaximumRetryCount": 10}),
    ),
    Case("pids-limit-minus-one", "pids_limit -1", host=dict(pids_limit=-1)),
    Case(
        "cpu-shares-only",
        "cpu_shares 512, mem_limit 128m",
        host=dict(cpu_shares=512, mem_limit="128m"),
    ),
    Case(
        "cgroup-parent",
        "cgroup_parent /dtui-fixture",
        host=dict(cgroup_parent="/dtui-fixture"),
        fallback=True,
    ),
    Case(
        "ulimits",
        "ulimit nofile 1024:1024",
        host=dict(ulimits=[docker.types.Ulimit(name="nofile", soft=1024, hard=1024)]),
    ),
    Case(
        "healthcheck-none",
        "healthcheck test [NONE]",
        container=dict(healthcheck={"test": ["NONE"]}),
    ),
    Case(
        "healthy",
        "healthcheck CMD sh -c true every 1s, captured once healthy",
        # busybox image has no `true` binary; sh's builtin is used instead.
        container=dict(healthcheck={"test": ["CMD", "sh", "-c", "true"], "interval": 1 * NS}),
        action="healthy",
    ),
    Case(
        "secrets",
        "fake secret-looking environment variables",
        container=dict(environment=list(FAKE_SECRET_ENV)),
    ),
    Case(
        "image-latest",
        "image referenced without a tag (dockertui-test/busybox -> :latest)",
        image=IMAGE_REPO,
    ),
    Case(
        "masked-paths-off",
        "security_opt systempaths=unconfined "
        "(CLI translates it to MaskedPaths=[] / ReadonlyPaths=[])",
        host_raw={"MaskedPaths": [], "ReadonlyPaths": []},
        fallback=True,
    ),
    Case("user-root-explicit", "user root", container=dict(user="root"), fallback=True),
    Case("user-numeric-root-group", "user 0:1000", container=dict(user="0:1000")),
    Case("user-named", "user nobody", container=dict(user="nobody"), fallback=True),
    Case(
        "sshd",
        "process list contains sshd (static fake sshd in dockertui-test/sshd:1)",
        image=SSHD_IMAGE,
        top=True,
    ),
    Case(
        "sshd-created",
        "never started; image CMD /usr/sbin/sshd -D (sshd judged from the configured command)",
        image=SSHD_IMAGE,
        action="create",
        create_reason="by design: the sshd check must judge the configured command",
    ),
    Case("paused", "plain config, started then paused", action="pause"),
    Case(
        "auto-remove",
        "auto_remove=True, captured while running",
        host=dict(auto_remove=True),
        action="auto-remove",
    ),
]


@dataclass
class Result:
    case: str
    description: str
    state: str | None = None  # State.Status at capture time
    created_only: bool = False
    created_only_reason: str | None = None
    failed: bool = False
    error: str | None = None
    note: str | None = None


# ---------------------------------------------------------------------------
# helpers


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def api_error_text(exc: Exception) -> str:
    if isinstance(exc, docker.errors.APIError) and exc.explanation:
        return str(exc.explanation).strip()
    return str(exc).strip()


def log(msg: str) -> None:
    print(msg, flush=True)


class Capture:
    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client
        self.api = client.api
        self.containers: list[str] = []  # ids, in creation order
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.tagged_latest = False
        self.made_shared_dir = False
        self.results: list[Result] = []
        self.ids: dict[str, str] = {}

    # -- setup -------------------------------------------------------------

    def sweep_leftovers(self) -> None:
        """Remove fixture objects left behind by an earlier, interrupted run."""
        for c in self.api.containers(all=True, filters={"label": f"{LABEL_KEY}={LABEL_VALUE}"}):
            log(f"removing leftover container {c['Id'][:12]} {c.get('Names')}")
            self._remove_container(c["Id"])
        for n in self.api.networks(names=[NETWORK]):
            if n["Name"] == NETWORK:
                log(f"removing leftover network {NETWORK}")
                self.api.remove_network(n["Id"])
        try:
            self.api.inspect_volume(VOLUME)
        except docker.errors.NotFound:
            pass
        else:
            log(f"removing leftover volume {VOLUME}")
            self.api.remove_volume(VOLUME, force=True)

    def prepare(self) -> None:
        self.api.inspect_image(IMAGE)  # fail early; never pull
        net = self.api.create_network(NETWORK, driver="bridge", labels=dict(LABELS))
        self.networks.append(net["Id"])
        vol = self.api.create_volume(VOLUME, labels=dict(LABELS))
        self.volumes.append(vol["Name"])
        if not os.path.isdir(SHARED_DIR):
            os.makedirs(SHARED_DIR)
            self.made_shared_dir = True
        try:
            self.api.inspect_image(IMAGE_LATEST)
        except docker.errors.NotFound:
            self.api.tag(IMAGE, IMAGE_REPO, "latest")
            self.tagged_latest = True
        self.ensure_sshd_image()

    def ensure_sshd_image(self) -> None:
        try:
            self.api.inspect_image(SSHD_IMAGE)
            log(f"{SSHD_IMAGE} already present")
            return
        except docker.errors.NotFound:
            pass
        log(f"building {SSHD_IMAGE} (busybox rootfs + static /usr/sbin/sshd)")
        with tempfile.TemporaryDirectory(prefix="dtui-sshd-") as td:
            src = Path(td) / "sshd.c"
            binary = Path(td) / "sshd"
            src.write_text(SSHD_C)
            subprocess.run(["gcc", "-static", "-O2", "-o", str(binary), str(src)], check=True)
            # Export the busybox rootfs through a never-started helper container.
            cid = self.api.create_container(
                IMAGE, name=NAME_PREFIX + "sshd-rootfs", labels=dict(LABELS)
            )["Id"]
            self.containers.append(cid)
            try:
                raw = b"".join(self.api.export(cid))
            finally:
                self._remove_container(cid)
            out = io.BytesIO()
            with (
                tarfile.open(fileobj=io.BytesIO(raw)) as tin,
                tarfile.open(fileobj=out, mode="w") as tout,
            ):
                names = set()
                for m in tin.getmembers():
                    name = m.name[2:] if m.name.startswith("./") else m.name
                    name = name.rstrip("/")
                    if name in (".dockerenv", "usr/sbin/sshd"):
                        continue
                    names.add(name)
                    tout.addfile(m, tin.extractfile(m) if m.isfile() else None)
                for d in ("usr", "usr/sbin"):
                    if d not in names:
                        ti = tarfile.TarInfo(d)
                        ti.type = tarfile.DIRTYPE
                        ti.mode = 0o755
                        ti.mtime = int(time.time())
                        tout.addfile(ti)
                ti = tout.gettarinfo(str(binary), arcname="usr/sbin/sshd")
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                ti.mode = 0o755
                with open(binary, "rb") as fh:
                    tout.addfile(ti, fh)
            self.api.import_image_from_data(
                out.getvalue(),
                repository=SSHD_REPO,
                tag=SSHD_TAG,
                changes=['CMD ["/usr/sbin/sshd","-D"]'],
            )
        self.api.inspect_image(SSHD_IMAGE)

    # -- per case ----------------------------------------------------------

    def _create(self, case: Case) -> str:
        host_cfg = self.api.create_host_config(**case.host)
        host_cfg.update(case.host_raw)
        kwargs = dict(case.container)
        kwargs.setdefault("detach", True)  # like `docker run -d`: no attach
        if case.network:
            kwargs["networking_config"] = self.api.create_networking_config(
                {case.network: self.api.create_endpoint_config()}
            )
        cid = self.api.create_container(
            case.image,
            name=NAME_PREFIX + case.name,
            labels=dict(LABELS),
            host_config=host_cfg,
            **kwargs,
        )["Id"]
        self.containers.append(cid)
        self.ids[case.name] = cid
        return cid

    def run_case(self, case: Case) -> Result:
        res = Result(case.name, case.description)
        log(f"[{case.name}] creating")
        try:
            cid = self._create(case)
        except Exception as exc:  # record and continue
            res.failed, res.error = True, f"create failed: {api_error_text(exc)}"
            log(f"[{case.name}] CREATE FAILED: {res.error}")
            return res
        try:
            self._drive(case, cid, res)
        except Exception as exc:  # record and continue
            res.failed, res.error = True, api_error_text(exc)
            log(f"[{case.name}] FAILED: {res.error}")
        return res

    def _drive(self, case: Case, cid: str, res: Result) -> None:

        if case.action == "create":
            res.created_only, res.created_only_reason = True, case.create_reason
        else:
            try:
                self.api.start(cid)
            except docker.errors.APIError as exc:
                err = api_error_text(exc)
                if not case.fallback:
                    log(f"[{case.name}] start failed (unexpected), keeping created-only: {err}")
                    res.note = "start failure was not expected for this case"
                else:
                    log(f"[{case.name}] start failed, re-creating created-only: {err}")
                # Re-create cleanly so the fixture is a never-started container
                # (a failed start leaves State.Error / ExitCode 128 behind).
                self._remove_container(cid)
                cid = self._create(case)
                res.created_only = True
                res.created_only_reason = f"start failed: {err}"
            else:
                self._settle(case, cid, res)

        info = self.api.inspect_container(cid)
        write_json(INSPECT_DIR / f"{case.name}.json", info)
        res.state = info["State"]["Status"]
        if case.top and info["State"]["Running"]:
            write_json(TOP_DIR / f"{case.name}.json", self.api.top(cid))
        if case.action == "auto-remove" and info["State"]["Running"]:
            self.api.kill(cid)
            self._wait_gone(cid, 15)
        log(f"[{case.name}] captured, state={res.state}")

    def _settle(self, case: Case, cid: str, res: Result) -> None:
        if case.action == "exit":
            self.api.wait(cid, timeout=30)
        elif case.action == "pause":
            self.api.pause(cid)
        elif case.action == "healthy":
            deadline = time.monotonic() + 15
            status = None
            while time.monotonic() < deadline:
                status = self.api.inspect_container(cid)["State"].get("Health", {}).get("Status")
                if status == "healthy":
                    break
                time.sleep(0.5)
            if status != "healthy":
                res.note = f"did not become healthy within 15s (last status {status!r})"

    def _wait_gone(self, cid: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.api.inspect_container(cid)
            except docker.errors.NotFound:
                return
            time.sleep(0.2)

    # -- engine-wide -------------------------------------------------------

    def capture_engine(self) -> dict[str, Any]:
        version = self.api.version()
        write_json(ENGINE_DIR / "info.json", self.api.info())
        write_json(ENGINE_DIR / "version.json", version)
        write_json(ENGINE_DIR / "bridge.json", self.api.inspect_network("bridge"))
        return version

    # -- cleanup -----------------------------------------------------------

    def _remove_container(self, cid: str) -> None:
        try:
            state = self.api.inspect_container(cid)["State"]
            if state.get("Paused"):
                self.api.unpause(cid)
            self.api.remove_container(cid, v=True, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" in api_error_text(exc):
                self._wait_gone(cid, 15)
            else:
                raise

    def cleanup(self) -> list[str]:
        problems: list[str] = []

        def attempt(what: str, fn, *args, **kw) -> None:
            try:
                fn(*args, **kw)
            except docker.errors.NotFound:
                pass
            except Exception as exc:  # keep cleaning up
                problems.append(f"{what}: {api_error_text(exc)}")

        for cid in reversed(self.containers):
            attempt(f"container {cid[:12]}", self._remove_container, cid)
        # Safety net: anything else carrying the fixture label.
        try:
            leftovers = self.api.containers(
                all=True, filters={"label": f"{LABEL_KEY}={LABEL_VALUE}"}
            )
        except Exception as exc:
            leftovers = []
            problems.append(f"listing containers: {api_error_text(exc)}")
        for c in leftovers:
            attempt(f"container {c['Id'][:12]}", self._remove_container, c["Id"])
        for nid in self.networks:
            attempt(f"network {nid[:12]}", self.api.remove_network, nid)
        for vol in self.volumes:
            attempt(f"volume {vol}", self.api.remove_volume, vol, force=True)
        if self.tagged_latest:
            attempt(f"untag {IMAGE_LATEST}", self.api.remove_image, IMAGE_LATEST, noprune=True)
        if self.made_shared_dir:
            shutil.rmtree(SHARED_DIR, ignore_errors=True)
        return problems


# ---------------------------------------------------------------------------
# outputs


def write_manifest(results: list[Result], version: dict[str, Any] | None) -> None:
    write_json(
        FIXTURES / "manifest.json",
        {
            "engine": {
                "Version": (version or {}).get("Version"),
                "ApiVersion": (version or {}).get("ApiVersion"),
            },
            "cases": {
                r.case: {
                    "description": r.description,
                    "state": r.state,
                    "created_only": r.created_only,
                    "created_only_reason": r.created_only_reason,
                    "failed": r.failed,
                    "error": r.error,
                    "note": r.note,
                }
                for r in results
            },
        },
    )


def write_readme(
    results: list[Result], version: dict[str, Any] | None, only: list[str] | None = None
) -> None:
    v = version or {}
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    captured = f"Captured: {now}."
    if only:  # a partial capture keeps the date of the full one
        old = (FIXTURES / "README.md").read_text(encoding="utf-8")
        full = next((ln for ln in old.splitlines() if ln.startswith("Captured: ")), "")
        captured = f"{full.split(' (')[0].rstrip('.')}.".replace("..", ".") + (
            f" ({', '.join(only)}: {now}.)"
        )
    lines = [
        "# Docker Engine API fixtures",
        "",
        "Real responses captured from a local Docker engine by",
        "`scripts/capture_fixtures.py` (docker-py over `unix:///var/run/docker.sock`;",
        "no pulls, no traffic to containers). Regenerate with:",
        "",
        "```sh",
        "python scripts/capture_fixtures.py",
        "```",
        "",
        "The script creates one container per case (labelled `dockertui.test=fixture`),",
        "captures it, and removes every container/network/volume it made afterwards.",
        "Files are exactly what the engine returned (ids, timestamps, IPs included),",
        "only re-serialised as 2-space indented JSON with sorted keys.",
        "",
        f"Engine: Docker {v.get('Version')} (API {v.get('ApiVersion')}, "
        f"min {v.get('MinAPIVersion')}), {v.get('Os')}/{v.get('Arch')}, "
        f"kernel {v.get('KernelVersion')}. cgroup v1 (cgroupfs), no AppArmor; the host's",
        "capability bounding set lacks `CAP_SYS_RESOURCE`.",
        captured,
        "",
        "Layout:",
        "",
        "- `inspect/<case>.json` - `GET /containers/{id}/json`",
        "- `engine/info.json`, `engine/version.json`, `engine/bridge.json` - `GET /info`,",
        "  `GET /version`, `GET /networks/bridge` (taken while the fixture containers were alive)",
        "- `top/plain.json`, `top/sshd.json` - `GET /containers/{id}/top` (default `ps -ef`)",
        "- `manifest.json` - per case: description, final state, created-only reason",
        "",
        "Notes:",
        "",
        "- Containers are created the way `docker run -d` would create them (published",
        "  ports are also exposed, `-v /cache` goes into `Config.Volumes`, named volumes",
        "  into `HostConfig.Binds`). `masked-paths-off` emulates the CLI's handling of",
        "  `--security-opt systempaths=unconfined`: the CLI strips it from `SecurityOpt`",
        "  and sends `MaskedPaths: []`, `ReadonlyPaths: []` (the daemon alone rejects it).",
        "- `sshd` uses `dockertui-test/sshd:1`, built by the script via `docker import`",
        "  of the busybox rootfs plus a static do-nothing binary at `/usr/sbin/sshd`.",
        "- `image-latest` runs `dockertui-test/busybox` (no tag) via a temporary",
        "  `:latest` tag that is removed afterwards.",
        "- `secrets` only contains fake values (`DB_PASSWORD=fixture-not-a-secret`, ...).",
        "- The busybox image has no `/etc/passwd` (so `user root` / `user nobody` cannot",
        '  start) and no `true` binary: `healthy` uses `["CMD", "sh", "-c", "true"]`;',
        '  `hardened` keeps `["CMD", "true"]` (30s interval) and is captured while',
        "  `State.Health.Status` is still `starting`.",
        "- `auto-remove` is captured while running, then killed (the daemon removes it).",
        "",
        "## Cases",
        "",
        "| case | state | description |",
        "| --- | --- | --- |",
    ]
    for r in results:
        state = "FAILED" if r.failed else (r.state or "?")
        if r.created_only and state == "created":
            state = "created (only)"
        lines.append(f"| {r.case} | {state} | {r.description} |")
    created = [r for r in results if r.created_only]
    lines += ["", "## Created-only cases", ""]
    if created:
        for r in created:
            lines.append(f"- `{r.case}`: {r.created_only_reason}")
    else:
        lines.append("None.")
    failed = [r for r in results if r.failed]
    notes = [r for r in results if r.note]
    if failed:
        lines += ["", "## Failed cases (no fixture)", ""]
        lines += [f"- `{r.case}`: {r.error}" for r in failed]
    if notes:
        lines += ["", "## Other notes", ""]
        lines += [f"- `{r.case}`: {r.note}" for r in notes]
    (FIXTURES / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _recorded() -> tuple[dict[str, Result], dict[str, Any] | None]:
    """The results and engine version of the last full capture (manifest.json)."""
    path = FIXTURES / "manifest.json"
    if not path.is_file():
        return {}, None
    doc = json.loads(path.read_text(encoding="utf-8"))
    results = {
        name: Result(
            name,
            entry["description"],
            state=entry["state"],
            created_only=entry["created_only"],
            created_only_reason=entry["created_only_reason"],
            failed=entry["failed"],
            error=entry["error"],
            note=entry["note"],
        )
        for name, entry in doc.get("cases", {}).items()
    }
    version = json.loads((ENGINE_DIR / "version.json").read_text(encoding="utf-8"))
    return results, version


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Capture the Docker fixtures.")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="CASE",
        help="capture only these cases; every other fixture and the engine documents stay",
    )
    args = parser.parse_args(argv)
    known = {case.name for case in CASES}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    cases = [case for case in CASES if not args.only or case.name in args.only]
    client = docker.DockerClient(base_url=SOCKET, version=API_VERSION, timeout=120)
    cap = Capture(client)
    version: dict[str, Any] | None = None
    problems: list[str] = []
    try:
        cap.sweep_leftovers()
        for d in (INSPECT_DIR, ENGINE_DIR, TOP_DIR):
            d.mkdir(parents=True, exist_ok=True)
        cap.prepare()
        for case in cases:
            cap.results.append(cap.run_case(case))
        if not args.only:
            version = cap.capture_engine()
    finally:
        problems = cap.cleanup()
        if cap.results:
            results = cap.results
            if args.only:  # keep every other case as the last full capture left it
                recorded, version = _recorded()
                recorded.update({r.case: r for r in cap.results})
                results = [recorded[c.name] for c in CASES if c.name in recorded]
            write_manifest(results, version)
            write_readme(results, version, args.only)
        client.close()

    log("")
    for r in cap.results:
        extra = f"  ({r.created_only_reason})" if r.created_only else ""
        extra += f"  FAILED: {r.error}" if r.failed else ""
        log(f"{r.case:28s} {r.state or '-':8s}{extra}")
    for p in problems:
        log(f"cleanup problem: {p}")
    return 1 if problems or any(r.failed for r in cap.results) else 0


if __name__ == "__main__":
    sys.exit(main())
