"""The teaching fleet: about twenty containers, each showing one risk of
running containers (or its cure), as pure data.

Each `Member` holds the exact body of its POST /containers/create (the
top-level Config fields, HostConfig and NetworkingConfig, as the docker CLI
sends them for the `docker run` it stands for), the state it should be in,
the processes `GET /containers/{id}/top` shows, how its health check
behaves, and `crashes_when`: the rule that says which fixes would break the
service (the web server that binds :80 as non-root dies without
NET_BIND_SERVICE). `NETWORKS` and `VOLUMES` are what the members need to
exist first. The simulated engine (`dockertui.demo.engine`) builds its
documents from this; `dockertui lab` creates the same members on a real
engine. No I/O here: importing this module does nothing but build data.

Every secret below is a made-up training value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dockertui.demo import rules

__all__ = [
    "FLEET",
    "NETWORKS",
    "NEWCOMER",
    "VOLUMES",
    "Health",
    "Lesson",
    "Member",
    "Network",
    "Process",
    "RunState",
    "Volume",
    "member_named",
]

CrashRule = Callable[[Mapping[str, Any]], "str | None"]


class Lesson(StrEnum):
    """The risks the fleet teaches, one tag per lesson of the tour."""

    ROOT = "root"  # root in a container is root on the host; user namespaces
    CAPABILITIES = "capabilities"
    SECCOMP = "seccomp"
    MAC = "mac"  # AppArmor / SELinux
    PRIVILEGED = "privileged"
    HOST_NAMESPACES = "host-namespaces"
    DOCKER_SOCKET = "docker-socket"
    NETWORK = "network"  # inter-container traffic and exposed ports
    SSHD = "sshd"
    ENGINE = "engine"  # keeping the engine updated
    TLS = "tls"
    IMAGES = "images"  # image trust
    HARDENED = "hardened"  # what good looks like


class RunState(StrEnum):
    """The state a member is kept in."""

    RUNNING = "running"
    CREATED = "created"  # created, never started
    EXITED = "exited"  # ran to its end once
    CRASH_LOOP = "crash-looping"  # its crash rule always fires: it dies after every start


class Health(StrEnum):
    """What the member's health check reports while it runs."""

    NONE = "none"  # no health check
    HEALTHY = "healthy"
    TURNS_UNHEALTHY = "turns-unhealthy"  # healthy at first; the activity makes it fail


@dataclass(frozen=True)
class Process:
    """One line of the container's process list, as `ps -ef` shows it on the host."""

    user: str  # the UID column: a host name ("root") or a bare uid ("999")
    cmd: str


@dataclass(frozen=True)
class Network:
    name: str
    subnet: str
    gateway: str
    labels: Mapping[str, str] = field(default_factory=dict)
    internal: bool = False


@dataclass(frozen=True)
class Volume:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """One container of the teaching fleet (see the module doc)."""

    name: str
    role: str  # one sentence: what it is, as its owner would say
    lessons: tuple[Lesson, ...]
    create: Mapping[str, Any]  # the POST /containers/create body
    state: RunState = RunState.RUNNING
    processes: tuple[Process, ...] = ()
    health: Health = Health.NONE
    exit_code: int = 0  # for EXITED and CRASH_LOOP: the code it exits with
    crash_rule: CrashRule | None = field(default=None, repr=False, compare=False)
    crash_exit_code: int = 1  # the code it dies with when crash_rule says it does

    @property
    def image(self) -> str:
        return str(self.create["Image"])

    def crashes_when(self, create_body: Mapping[str, Any]) -> str | None:
        """Why this service dies soon after starting with `create_body` (the
        log line it would leave), or None when it runs. The rule reads only
        what a fix can change (user, capabilities, seccomp, read-only root)."""
        return self.crash_rule(create_body) if self.crash_rule is not None else None


# --- building create bodies the way `docker run` sends them ---------------------------------

Ports = Mapping[str, Sequence[tuple[str, str]]]  # "80/tcp": [("0.0.0.0", "80")]


def _body(
    image: str,
    cmd: Sequence[str] | None,
    *,
    entrypoint: Sequence[str] | None = None,
    user: str = "",
    env: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    working_dir: str = "",
    ports: Ports | None = None,
    expose: Sequence[str] = (),
    binds: Sequence[str] = (),
    volumes: Sequence[str] = (),  # anonymous (-v /path)
    cap_add: Sequence[str] = (),
    cap_drop: Sequence[str] = (),
    security_opt: Sequence[str] = (),
    privileged: bool = False,
    network: str = "default",
    aliases: Sequence[str] = (),
    pid_mode: str = "",
    ipc_mode: str = "",
    restart: tuple[str, int] = ("no", 0),
    healthcheck: Mapping[str, Any] | None = None,
    read_only: bool = False,
    tmpfs: Mapping[str, str] | None = None,
    memory: int = 0,
    nano_cpus: int = 0,
    pids_limit: int | None = None,
    devices: Sequence[str] = (),
    sysctls: Mapping[str, str] | None = None,
    shm_size: int = 0,
    tty: bool = False,
    stdin: bool = False,
) -> dict[str, Any]:
    exposed: dict[str, Any] = {p: {} for p in (*(ports or {}), *expose)}
    bindings = {
        p: [{"HostIp": ip, "HostPort": port} for ip, port in pairs]
        for p, pairs in (ports or {}).items()
    }
    endpoints: dict[str, Any] = {}
    if network not in ("default", "bridge", "host", "none"):
        endpoints[network] = {"Aliases": list(aliases) or None}
    host: dict[str, Any] = {
        "Binds": list(binds) or None,
        "NetworkMode": network,
        "PortBindings": bindings,
        "RestartPolicy": {"Name": restart[0], "MaximumRetryCount": restart[1]},
        "AutoRemove": False,
        "CapAdd": list(cap_add) or None,
        "CapDrop": list(cap_drop) or None,
        "Privileged": privileged,
        "PidMode": pid_mode,
        "IpcMode": ipc_mode,
        "SecurityOpt": list(security_opt) or None,
        "ReadonlyRootfs": read_only,
        "Tmpfs": dict(tmpfs) if tmpfs else None,
        "Memory": memory,
        "NanoCpus": nano_cpus,
        "PidsLimit": pids_limit,
        "ShmSize": shm_size,
        "Devices": [
            {"PathOnHost": d, "PathInContainer": d, "CgroupPermissions": "rwm"} for d in devices
        ],
        "Sysctls": dict(sysctls) if sysctls else None,
        "LogConfig": {"Type": "", "Config": {}},
    }
    if memory:
        host["MemorySwap"] = memory  # as --memory without --memory-swap: no swap on top
    return {
        "Hostname": "",
        "Domainname": "",
        "User": user,
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "ExposedPorts": exposed,
        "Tty": tty,
        "OpenStdin": stdin,
        "StdinOnce": False,
        "Env": list(env) or None,
        "Cmd": list(cmd) if cmd is not None else None,
        "Healthcheck": dict(healthcheck) if healthcheck else None,
        "Image": image,
        "Volumes": {v: {} for v in volumes} or None,
        "WorkingDir": working_dir,
        "Entrypoint": list(entrypoint) if entrypoint is not None else None,
        "Labels": dict(labels or {}),
        "HostConfig": host,
        "NetworkingConfig": {"EndpointsConfig": endpoints},
    }


def _health(
    test: Sequence[str], interval_s: int = 30, timeout_s: int = 5, retries: int = 3
) -> dict[str, Any]:
    second = 1_000_000_000
    return {
        "Test": list(test),
        "Interval": interval_s * second,
        "Timeout": timeout_s * second,
        "Retries": retries,
        "StartPeriod": 0,
    }


def _compose(project: str, service: str, *, depends_on: str = "") -> dict[str, str]:
    """The labels docker compose v2 puts on a service's first container."""
    return {
        "com.docker.compose.config-hash": _CONFIG_HASHES[service],
        "com.docker.compose.container-number": "1",
        "com.docker.compose.depends_on": depends_on,
        "com.docker.compose.image": _COMPOSE_IMAGES[service],
        "com.docker.compose.oneoff": "False",
        "com.docker.compose.project": project,
        "com.docker.compose.project.config_files": f"/srv/{project}/docker-compose.yml",
        "com.docker.compose.project.working_dir": f"/srv/{project}",
        "com.docker.compose.service": service,
        "com.docker.compose.version": "2.21.0",
    }


_CONFIG_HASHES = {
    "wordpress": "6f1d0a3b8e2c4f7a9b1d3e5f7a9c0b2d4e6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c",
    "mariadb": "0c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b0d2f4e6a8c0b2d4f6e8a1c3e5b7d9f0a",
    "memcached": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
}
_COMPOSE_IMAGES = {
    "wordpress": "sha256:4c1b9a2e7d3f5a8c6e0b1d2f3a4c5e6b7d8f9a0c1e2b3d4f5a6c7e8b9d0f1a2c",
    "mariadb": "sha256:8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b",
    "memcached": "sha256:2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f",
}

_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_GIB = 1024**3
_MIB = 1024**2


# --- crash rules -------------------------------------------------------------------------------


def _web_crash(body: Mapping[str, Any]) -> str | None:
    if rules.lacks(body, "NET_BIND_SERVICE"):
        return (
            "[emerg] 1#1: bind() to 0.0.0.0:80 failed (13: Permission denied): nginx runs as uid "
            f"{rules.uid(body)} and binds ports 80 and 443 through NET_BIND_SERVICE"
        )
    blocked = rules.cannot_write(body, "/var/cache/nginx", "/var/run")
    if blocked:
        return f'[emerg] 1#1: mkdir() "{blocked[0]}/client_temp" failed (30: Read-only file system)'
    return None


def _postgres_crash(body: Mapping[str, Any]) -> str | None:
    missing = rules.lacks(body, "CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID")
    if rules.runs_as_root(body) and missing:
        return (
            "chown: changing ownership of '/var/lib/postgresql/data': Operation not permitted "
            f"(the entrypoint needs {', '.join(missing)} before it drops to the postgres user)"
        )
    if rules.uid(body) not in ("0", "999", "postgres"):
        return (
            f"initdb: error: could not look up effective user ID {rules.uid(body)}: user does not "
            "exist (the data directory belongs to uid 999)"
        )
    blocked = rules.cannot_write(body, "/var/run/postgresql")
    if blocked:
        return (
            'FATAL:  could not create lock file "/var/run/postgresql/.s.PGSQL.5432.lock": '
            "Read-only file system"
        )
    return None


def _redis_crash(body: Mapping[str, Any]) -> str | None:
    if rules.runs_as_root(body) and rules.lacks(body, "SETUID", "SETGID"):
        return "su-exec: setgroups: Operation not permitted (the entrypoint drops to redis)"
    return None


def _sshd_crash(body: Mapping[str, Any]) -> str | None:
    if not rules.runs_as_root(body):
        return (
            "sshd: /etc/ssh/ssh_host_ed25519_key: Permission denied; Bind to port 22 on 0.0.0.0 "
            "failed: Permission denied (sshd must start as root)"
        )
    missing = rules.lacks(body, "SETUID", "SETGID", "SYS_CHROOT", "NET_BIND_SERVICE")
    if missing:
        return f"sshd: privilege separation failed: Operation not permitted (needs {', '.join(missing)})"
    return None


def _fuse_crash(body: Mapping[str, Any]) -> str | None:
    if rules.lacks(body, "SYS_ADMIN"):
        return "fusermount: mount failed: Operation not permitted (restic mount needs SYS_ADMIN for FUSE)"
    return None


def _wireguard_crash(body: Mapping[str, Any]) -> str | None:
    if rules.lacks(body, "NET_ADMIN"):
        return "RTNETLINK answers: Operation not permitted (ip link add wg0 type wireguard needs NET_ADMIN)"
    return None


def _queue_crash(body: Mapping[str, Any]) -> str | None:
    return (
        "redis.exceptions.ConnectionError: Error -2 connecting to redis:6379. "
        "Name or service not known."
    )


def _wordpress_crash(body: Mapping[str, Any]) -> str | None:
    if rules.lacks(body, "NET_BIND_SERVICE"):
        return "(13)Permission denied: AH00072: make_sock: could not bind to address [::]:80"
    return None


# --- networks and volumes ---------------------------------------------------------------------

NETWORKS: tuple[Network, ...] = (
    Network("shop-backend", "172.20.0.0/16", "172.20.0.1"),
    Network(
        "blog_default",
        "172.21.0.0/16",
        "172.21.0.1",
        labels={
            "com.docker.compose.network": "default",
            "com.docker.compose.project": "blog",
            "com.docker.compose.version": "2.21.0",
        },
    ),
)

VOLUMES: tuple[Volume, ...] = (
    Volume("pgdata"),
    Volume("grafana-data"),
    Volume("gitlab-runner-config"),
    Volume("restic-cache"),
    *(
        Volume(
            name,
            labels={
                "com.docker.compose.project": "blog",
                "com.docker.compose.version": "2.21.0",
                "com.docker.compose.volume": name.removeprefix("blog_"),
            },
        )
        for name in ("blog_db", "blog_wp")
    ),
)

# --- the fleet ---------------------------------------------------------------------------------

_SHOP = "ghcr.io/acme/shop-api:4.12.0"

FLEET: tuple[Member, ...] = (
    Member(
        name="web",
        role="The shop's front door: nginx on every interface, ports 80 and 443, as uid 101.",
        lessons=(Lesson.NETWORK, Lesson.CAPABILITIES),
        create=_body(
            "nginx:1.25.3",
            ["nginx", "-g", "daemon off;"],
            entrypoint=["/docker-entrypoint.sh"],
            user="101:101",
            env=[_PATH, "NGINX_VERSION=1.25.3", "NJS_VERSION=0.8.2", "PKG_RELEASE=1~bookworm"],
            labels={"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
            ports={"80/tcp": [("0.0.0.0", "80")], "443/tcp": [("0.0.0.0", "443")]},
            binds=[
                "/srv/shop/nginx.conf:/etc/nginx/nginx.conf:ro",
                "/srv/shop/tls:/etc/nginx/tls:ro",
            ],
            network="shop-backend",
            aliases=["web"],
            restart=("unless-stopped", 0),
            healthcheck=_health(["CMD", "curl", "-fsS", "http://localhost/healthz"]),
        ),
        processes=(
            Process("101", "nginx: master process nginx -g daemon off;"),
            Process("101", "nginx: worker process"),
            Process("101", "nginx: worker process"),
        ),
        health=Health.HEALTHY,
        crash_rule=_web_crash,
    ),
    Member(
        name="db",
        role="The shop's PostgreSQL, its data on the named volume pgdata, its password in the environment.",
        lessons=(Lesson.ROOT,),
        create=_body(
            "postgres:15.4",
            ["postgres"],
            entrypoint=["docker-entrypoint.sh"],
            env=[
                "POSTGRES_USER=shop",
                "POSTGRES_PASSWORD=Tr4ining-only-pw",
                "POSTGRES_DB=shop",
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRAININGKEY",
                _PATH.replace("/sbin:/bin", "/sbin:/bin:/usr/lib/postgresql/15/bin"),
                "GOSU_VERSION=1.16",
                "LANG=en_US.utf8",
                "PG_MAJOR=15",
                "PG_VERSION=15.4-2.pgdg120+1",
                "PGDATA=/var/lib/postgresql/data",
            ],
            binds=["pgdata:/var/lib/postgresql/data"],
            expose=["5432/tcp"],
            network="shop-backend",
            aliases=["db"],
            restart=("always", 0),
            healthcheck=_health(["CMD-SHELL", "pg_isready -U shop"], interval_s=10),
        ),
        processes=(
            Process("999", "postgres"),
            Process("999", "postgres: checkpointer"),
            Process("999", "postgres: background writer"),
            Process("999", "postgres: walwriter"),
            Process("999", "postgres: autovacuum launcher"),
            Process("999", "postgres: shop shop 172.20.0.5(50412) idle"),
        ),
        health=Health.HEALTHY,
        crash_rule=_postgres_crash,
    ),
    Member(
        name="cache",
        role="Redis for sessions, published on 127.0.0.1 only: reachable from this host, not the network.",
        lessons=(Lesson.NETWORK,),
        create=_body(
            "redis:7.2.3-alpine",
            ["redis-server", "--appendonly", "yes"],
            entrypoint=["docker-entrypoint.sh"],
            env=[_PATH, "REDIS_VERSION=7.2.3"],
            ports={"6379/tcp": [("127.0.0.1", "6379")]},
            network="shop-backend",
            aliases=["cache"],
            restart=("unless-stopped", 0),
            memory=256 * _MIB,
            working_dir="/data",
        ),
        processes=(Process("999", "redis-server *:6379"),),
        crash_rule=_redis_crash,
    ),
    Member(
        name="payments-api",
        role="What good looks like: non-root, no capabilities, read-only root, limits, loopback port.",
        lessons=(Lesson.HARDENED,),
        create=_body(
            "ghcr.io/acme/payments-api:2.8.1",
            ["/app/payments-api", "--listen", ":8080"],
            user="10001:10001",
            env=[_PATH, "APP_ENV=production", "LOG_FORMAT=json"],
            labels={
                "org.opencontainers.image.source": "https://github.com/acme/payments-api",
                "org.opencontainers.image.revision": "9f2c4e1",
            },
            ports={"8080/tcp": [("127.0.0.1", "8080")]},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges:true"],
            network="shop-backend",
            aliases=["payments"],
            restart=("on-failure", 3),
            healthcheck=_health(["CMD", "/app/payments-api", "healthcheck"]),
            read_only=True,
            tmpfs={"/tmp": "rw,noexec,nosuid,size=64m"},
            memory=512 * _MIB,
            nano_cpus=1_000_000_000,
            pids_limit=128,
        ),
        processes=(Process("10001", "/app/payments-api --listen :8080"),),
        health=Health.HEALTHY,
    ),
    Member(
        name="queue-worker",
        role="Works the order queue; misconfigured (REDIS_URL points at a host that does not exist), so it crash-loops.",
        lessons=(Lesson.ROOT,),
        create=_body(
            _SHOP,
            ["python", "-m", "shop.worker"],
            env=[
                _PATH,
                "REDIS_URL=redis://redis:6379/0",
                "DATABASE_URL=postgresql://shop:Tr4ining-only-pw@db:5432/shop",
                "PYTHONUNBUFFERED=1",
            ],
            working_dir="/srv/shop",
            network="shop-backend",
            restart=("always", 0),
        ),
        state=RunState.CRASH_LOOP,
        processes=(Process("root", "python -m shop.worker"),),
        exit_code=1,
        crash_rule=_queue_crash,
    ),
    Member(
        name="db-migrate",
        role="Ran the schema migrations once and exited 0, as a job should.",
        lessons=(),
        create=_body(
            _SHOP,
            ["alembic", "upgrade", "head"],
            env=[_PATH, "DATABASE_URL=postgresql://shop:Tr4ining-only-pw@db:5432/shop"],
            working_dir="/srv/shop",
            network="shop-backend",
        ),
        state=RunState.EXITED,
        exit_code=0,
    ),
    Member(
        name="monitoring-agent",
        role="A host monitoring agent run the quick way: privileged, in the host's PID namespace.",
        lessons=(Lesson.PRIVILEGED, Lesson.HOST_NAMESPACES),
        create=_body(
            "datadog/agent:7.49.1",
            None,
            entrypoint=["/bin/entrypoint.sh"],
            env=[
                _PATH,
                "DD_API_KEY=0123456789abcdef0123456789abcdef",
                "DD_SITE=datadoghq.eu",
                "DD_PROCESS_AGENT_ENABLED=true",
            ],
            binds=[
                "/var/run/docker.sock:/var/run/docker.sock:ro",
                "/proc/:/host/proc/:ro",
                "/sys/fs/cgroup/:/host/sys/fs/cgroup:ro",
            ],
            privileged=True,
            pid_mode="host",
            restart=("unless-stopped", 0),
            healthcheck=_health(["CMD-SHELL", "/probe.sh"]),
        ),
        processes=(
            Process("root", "agent run"),
            Process("root", "process-agent --cfgpath=/etc/datadog-agent/datadog.yaml"),
            Process("root", "trace-agent --config=/etc/datadog-agent/datadog.yaml"),
        ),
        health=Health.HEALTHY,
    ),
    Member(
        name="ci-runner",
        role="A GitLab runner that starts build containers through the host's Docker socket.",
        lessons=(Lesson.DOCKER_SOCKET,),
        create=_body(
            "gitlab/gitlab-runner:v16.6.1",
            ["run", "--user=gitlab-runner", "--working-directory=/home/gitlab-runner"],
            entrypoint=["/usr/bin/dumb-init", "/entrypoint"],
            env=[_PATH, "CI_SERVER_URL=https://gitlab.example.com/"],
            binds=[
                "/var/run/docker.sock:/var/run/docker.sock",
                "gitlab-runner-config:/etc/gitlab-runner",
            ],
            restart=("always", 0),
        ),
        processes=(
            Process("root", "/usr/bin/dumb-init /entrypoint run --user=gitlab-runner"),
            Process(
                "root",
                "gitlab-runner run --user=gitlab-runner --working-directory=/home/gitlab-runner",
            ),
        ),
    ),
    Member(
        name="legacy-crm",
        role="A 2014 CRM moved into a container as it was: sshd as root for the vendor's support, on port 2222.",
        lessons=(Lesson.SSHD, Lesson.ROOT),
        create=_body(
            "registry.example.com/acme/crm-legacy:2014.3",
            ["/usr/bin/supervisord", "-n", "-c", "/etc/supervisor/supervisord.conf"],
            env=[_PATH, "CRM_DB_HOST=10.0.4.12", "CRM_DB_PASSWORD=crm-Tr4ining"],
            ports={"22/tcp": [("0.0.0.0", "2222")], "8080/tcp": [("0.0.0.0", "8081")]},
            restart=("always", 0),
        ),
        processes=(
            Process(
                "root",
                "/usr/bin/python2 /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf",
            ),
            Process("root", "/usr/sbin/sshd -D"),
            Process("root", "/usr/bin/java -Xmx512m -jar /opt/crm/crm.jar"),
        ),
        crash_rule=_sshd_crash,
    ),
    Member(
        name="pdf-renderer",
        role="Headless Chrome for invoices; someone turned seccomp off when Chrome's sandbox complained.",
        lessons=(Lesson.SECCOMP,),
        create=_body(
            "browserless/chrome:1.61-puppeteer-21.4.1",
            None,
            entrypoint=["./start.sh"],
            user="999:999",
            env=[
                _PATH,
                "CONNECTION_TIMEOUT=60000",
                "MAX_CONCURRENT_SESSIONS=4",
                "TOKEN=renderer-Tr4ining-token",
            ],
            ports={"3000/tcp": [("0.0.0.0", "3000")]},
            security_opt=["seccomp=unconfined"],
            shm_size=_GIB,
            restart=("unless-stopped", 0),
            working_dir="/usr/src/app",
        ),
        processes=(
            Process("999", "node build/index.js"),
            Process(
                "999", "/usr/bin/google-chrome --headless --no-sandbox --disable-dev-shm-usage"
            ),
        ),
    ),
    Member(
        name="backup-agent",
        role="Restic mounting snapshots over FUSE, so it was given SYS_ADMIN and /dev/fuse.",
        lessons=(Lesson.CAPABILITIES,),
        create=_body(
            "restic/restic:0.16.2",
            ["mount", "/mnt/snapshots"],
            entrypoint=["/usr/bin/restic"],
            env=[
                _PATH,
                "RESTIC_REPOSITORY=s3:https://s3.eu-central-1.amazonaws.com/acme-backups",
                "RESTIC_PASSWORD=restic-Tr4ining",
            ],
            binds=["/srv/backups:/mnt/snapshots:rshared", "restic-cache:/root/.cache/restic"],
            cap_add=["SYS_ADMIN"],
            devices=["/dev/fuse"],
            security_opt=["apparmor=unconfined"],
            restart=("unless-stopped", 0),
        ),
        processes=(Process("root", "/usr/bin/restic mount /mnt/snapshots"),),
        crash_rule=_fuse_crash,
    ),
    Member(
        name="node-exporter",
        role="Prometheus node exporter on the host's network stack, reading the host's root file system.",
        lessons=(Lesson.HOST_NAMESPACES,),
        create=_body(
            "prom/node-exporter:v1.7.0",
            ["--path.rootfs=/host"],
            entrypoint=["/bin/node_exporter"],
            user="65534",
            env=[_PATH],
            binds=["/:/host:ro,rslave"],
            network="host",
            pid_mode="host",
            restart=("unless-stopped", 0),
        ),
        processes=(Process("nobody", "/bin/node_exporter --path.rootfs=/host"),),
    ),
    Member(
        name="vpn-gateway",
        role="WireGuard for the remote office: NET_ADMIN and SYS_MODULE, UDP 51820 on every interface.",
        lessons=(Lesson.CAPABILITIES, Lesson.NETWORK),
        create=_body(
            "linuxserver/wireguard:1.0.20210914",
            None,
            entrypoint=["/init"],
            env=[
                _PATH,
                "PUID=1000",
                "PGID=1000",
                "TZ=Europe/Berlin",
                "SERVERURL=vpn.example.com",
                "PEERS=office",
            ],
            ports={"51820/udp": [("0.0.0.0", "51820")]},
            binds=["/srv/wireguard:/config", "/lib/modules:/lib/modules:ro"],
            cap_add=["NET_ADMIN", "SYS_MODULE"],
            sysctls={"net.ipv4.conf.all.src_valid_mark": "1"},
            restart=("unless-stopped", 0),
        ),
        processes=(
            Process("root", "s6-svscan -t0 /var/run/s6/services"),
            Process("root", "coredns -conf /config/coredns/Corefile"),
        ),
        crash_rule=_wireguard_crash,
    ),
    Member(
        name="grafana",
        role="Dashboards as uid 472 on 0.0.0.0:3001; its health check will start failing.",
        lessons=(Lesson.NETWORK,),
        create=_body(
            "grafana/grafana:10.2.2",
            None,
            entrypoint=["/run.sh"],
            user="472",
            env=[
                _PATH,
                "GF_SECURITY_ADMIN_PASSWORD=grafana-Tr4ining",
                "GF_PATHS_DATA=/var/lib/grafana",
                "GF_SERVER_ROOT_URL=https://grafana.example.com/",
            ],
            ports={"3000/tcp": [("0.0.0.0", "3001")]},
            binds=["grafana-data:/var/lib/grafana"],
            restart=("unless-stopped", 0),
            healthcheck=_health(["CMD-SHELL", "wget -q --spider http://localhost:3000/api/health"]),
            working_dir="/usr/share/grafana",
        ),
        processes=(
            Process("472", "grafana server --homepath=/usr/share/grafana --packaging=docker"),
        ),
        health=Health.TURNS_UNHEALTHY,
    ),
    Member(
        name="log-shipper",
        role="Fluent Bit reading every container's log files from the host.",
        lessons=(Lesson.ROOT,),
        create=_body(
            "fluent/fluent-bit:2.2.0",
            ["/fluent-bit/bin/fluent-bit", "-c", "/fluent-bit/etc/fluent-bit.conf"],
            env=[_PATH, "FLUENT_ELASTICSEARCH_HOST=logs.example.com"],
            binds=[
                "/var/log:/var/log:ro",
                "/var/lib/docker/containers:/var/lib/docker/containers:ro",
            ],
            restart=("always", 0),
            memory=128 * _MIB,
        ),
        processes=(
            Process("root", "/fluent-bit/bin/fluent-bit -c /fluent-bit/etc/fluent-bit.conf"),
        ),
    ),
    Member(
        name="status-page",
        role="Uptime Kuma from an unpinned image (no tag means latest: whatever was pushed last).",
        lessons=(Lesson.IMAGES,),
        create=_body(
            "louislam/uptime-kuma",
            ["node", "server/server.js"],
            entrypoint=["/usr/bin/dumb-init", "--"],
            env=[_PATH, "UPTIME_KUMA_IS_CONTAINER=1"],
            ports={"3001/tcp": [("0.0.0.0", "3002")]},
            binds=["/srv/uptime-kuma:/app/data"],
            restart=("unless-stopped", 0),
            working_dir="/app",
        ),
        processes=(Process("root", "node server/server.js"),),
    ),
    Member(
        name="ml-inference",
        role="A model server sharing the host's IPC namespace for its shared memory (--ipc=host).",
        lessons=(Lesson.HOST_NAMESPACES,),
        create=_body(
            "pytorch/torchserve:0.9.0-cpu",
            ["torchserve", "--start", "--model-store", "/models", "--foreground"],
            entrypoint=["/usr/local/bin/dockerd-entrypoint.sh"],
            user="1000",
            env=[_PATH, "TS_NUMBER_OF_NETTY_THREADS=4", "JAVA_OPTS=-Xmx2g"],
            ports={"8080/tcp": [("0.0.0.0", "8082")], "8081/tcp": [("127.0.0.1", "8083")]},
            binds=["/srv/models:/models:ro"],
            ipc_mode="host",
            restart=("unless-stopped", 0),
            working_dir="/home/model-server",
        ),
        processes=(
            Process(
                "1000",
                "java -Xmx2g -jar /home/venv/lib/python3.9/site-packages/ts/frontend/model-server.jar",
            ),
        ),
    ),
    Member(
        name="debug-shell",
        role="`docker create --privileged -it ubuntu bash` left behind by someone's debugging session, never started.",
        lessons=(Lesson.PRIVILEGED,),
        create=_body(
            "ubuntu:22.04",
            ["bash"],
            env=[_PATH],
            privileged=True,
            tty=True,
            stdin=True,
        ),
        state=RunState.CREATED,
    ),
    Member(
        name="blog-wordpress-1",
        role="The marketing blog's WordPress, managed by docker compose (project blog).",
        lessons=(Lesson.NETWORK,),
        create=_body(
            "wordpress:6.4.2-php8.2-apache",
            ["apache2-foreground"],
            entrypoint=["docker-entrypoint.sh"],
            env=[
                _PATH,
                "WORDPRESS_DB_HOST=mariadb",
                "WORDPRESS_DB_USER=wp",
                "WORDPRESS_DB_PASSWORD=wp-Tr4ining",
                "PHP_VERSION=8.2.13",
            ],
            labels=_compose("blog", "wordpress", depends_on="mariadb:service_started:false"),
            # 8088, not 8080: payments-api holds 127.0.0.1:8080, and a real
            # engine (the lab) cannot give 0.0.0.0:8080 to a second container.
            ports={"80/tcp": [("0.0.0.0", "8088")]},
            binds=["blog_wp:/var/www/html:rw"],
            network="blog_default",
            aliases=["blog-wordpress-1", "wordpress"],
            restart=("unless-stopped", 0),
            working_dir="/var/www/html",
        ),
        processes=(
            Process("root", "apache2 -DFOREGROUND"),
            Process("www-data", "apache2 -DFOREGROUND"),
            Process("www-data", "apache2 -DFOREGROUND"),
        ),
        crash_rule=_wordpress_crash,
    ),
    Member(
        name="blog-mariadb-1",
        role="The blog's database, managed by docker compose (project blog).",
        lessons=(),
        create=_body(
            "mariadb:11.2.2",
            ["mariadbd"],
            entrypoint=["docker-entrypoint.sh"],
            env=[
                _PATH,
                "MARIADB_ROOT_PASSWORD=root-Tr4ining",
                "MARIADB_DATABASE=wordpress",
                "MARIADB_USER=wp",
                "MARIADB_PASSWORD=wp-Tr4ining",
            ],
            labels=_compose("blog", "mariadb"),
            expose=["3306/tcp"],
            binds=["blog_db:/var/lib/mysql:rw"],
            network="blog_default",
            aliases=["blog-mariadb-1", "mariadb"],
            restart=("unless-stopped", 0),
        ),
        processes=(Process("999", "mariadbd"),),
    ),
    Member(
        name="blog-memcached-1",
        role="The blog's object cache, managed by docker compose (project blog).",
        lessons=(),
        create=_body(
            "memcached:1.6.22-alpine",
            ["memcached", "-m", "64"],
            entrypoint=["docker-entrypoint.sh"],
            # By number, as the image's own USER would be: a name the lab's image
            # does not know stops the container from starting on a real engine.
            user="11211:11211",
            env=[_PATH, "MEMCACHED_VERSION=1.6.22"],
            labels=_compose("blog", "memcached"),
            expose=["11211/tcp"],
            network="blog_default",
            aliases=["blog-memcached-1", "memcached"],
            restart=("unless-stopped", 0),
        ),
        processes=(Process("11211", "memcached -m 64"),),
    ),
)

#: The container the activity creates and starts while the demo runs (not in FLEET):
#: someone's `docker run -d` of a quick test, root, all defaults, port on every interface.
NEWCOMER = Member(
    name="hotfix-test",
    role="A quick `docker run -d -p 8090:8080` of a hotfix build: root, default everything.",
    lessons=(Lesson.ROOT, Lesson.NETWORK),
    create=_body(
        "ghcr.io/acme/shop-api:4.12.1-rc1",
        ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8080"],
        env=[_PATH, "DATABASE_URL=postgresql://shop:Tr4ining-only-pw@db:5432/shop"],
        ports={"8080/tcp": [("0.0.0.0", "8090")]},
        working_dir="/srv/shop",
    ),
    processes=(
        Process(
            "root", "/usr/local/bin/python /usr/local/bin/gunicorn shop.wsgi --bind 0.0.0.0:8080"
        ),
        Process(
            "root", "/usr/local/bin/python /usr/local/bin/gunicorn shop.wsgi --bind 0.0.0.0:8080"
        ),
    ),
)

_BY_NAME = {m.name: m for m in (*FLEET, NEWCOMER)}


def member_named(name: str) -> Member | None:
    """The member called `name` (with or without the leading slash)."""
    return _BY_NAME.get(name.lstrip("/"))
