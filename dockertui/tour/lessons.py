"""The tour's lessons, in teaching order: pure data, no Textual, no I/O.

Each lesson names the checks it is about (ids of the check registry,
`audit.CHECKS`): the tour shows a live container with one of the
container checks' findings, and the engine's findings of the engine checks,
so what a lesson points at is decided by the checks themselves (see
`tour/pick.py`). `causes` and `cures` are the commands a learner would
type, with IMAGE standing for any image; `changes` are the fix wizard's
changes (`fixes.plan.CHANGES`) that remove the risk, offered by the tour's
`f`. A lesson with no such change says in `by_hand` what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Extra(StrEnum):
    """Something a lesson shows beside its findings, built from the one table
    that holds it (the screen knows where)."""

    NONE = "none"
    DEFAULT_CAPS = "default-caps"  # Docker's default capability set (audit/capabilities.py)


@dataclass(frozen=True)
class Lesson:
    id: str  # what `dockertui tour --lesson` takes
    title: str
    explanation: tuple[str, ...]  # paragraphs, in plain words
    checks: tuple[str, ...]  # check ids, container and engine ones
    causes: tuple[str, ...]  # commands that bring the risk in
    cures: tuple[str, ...]  # commands that keep it out
    changes: tuple[str, ...] = ()  # fix wizard changes that remove it
    by_hand: str = ""  # when no wizard change does: what to do instead
    #: A container with one of these findings is another lesson's example:
    #: taken only when no other container shows this lesson's risk.
    not_with: tuple[str, ...] = ()
    extra: Extra = Extra.NONE


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="root",
        title="Root in a container is root on the host",
        explanation=(
            "A container is not a small virtual machine: its processes run on the "
            "host's own kernel, each in a few namespaces that limit what it can see. "
            "Without a user namespace, user ids mean the same inside and outside: "
            "user 1000 in the container is user 1000 on the host, and root in the "
            "container is root as far as the kernel is concerned. Whatever lets a "
            "process out (a kernel bug, a host path mounted in, a leaked socket) "
            "lets it out as root.",
            "Two habits shrink this. Run the program as an ordinary user (--user, or "
            "USER in the Dockerfile), as you would on any server. And let the engine "
            "remap user ids (userns-remap): container root then becomes a high, "
            "powerless id on the host, taken from the ranges in /etc/subuid and "
            "/etc/subgid. no-new-privileges also keeps a process from climbing back "
            "to root through a set-user-ID program.",
        ),
        checks=("root-user", "host-userns", "no-new-privileges", "userns-disabled"),
        causes=(
            "docker run -d IMAGE            # the image's user: often root",
            "docker run -d --user 0 IMAGE",
            "docker run -d --userns host IMAGE",
        ),
        cures=(
            "docker run -d --user 1000:1000 --security-opt no-new-privileges IMAGE",
            'daemon.json: "userns-remap": "default"',
        ),
        changes=("non-root", "no-new-privileges", "host-namespaces"),
        not_with=("privileged",),
    ),
    Lesson(
        id="capabilities",
        title="Capabilities and the default set",
        explanation=(
            "Linux splits root's power into some forty capabilities, each a role of "
            "its own: binding a port below 1024, changing who owns a file, sending "
            "raw packets, loading a kernel module. A process can be given a few of "
            "them without the rest, so it can do its one privileged job and nothing "
            "else.",
            "Docker starts every container with a short default list and withholds "
            "the others, so even root inside cannot load a driver or reconfigure the "
            "host's network. --cap-add hands withheld ones back; SYS_ADMIN alone is "
            "close to full root. The safer habit runs the other way: drop them all "
            "and add back only what the program needs, or at least drop the defaults "
            "it never uses.",
        ),
        checks=("cap-dangerous", "cap-added", "cap-not-dropped"),
        causes=(
            "docker run -d --cap-add SYS_ADMIN IMAGE",
            "docker run -d --cap-add ALL IMAGE",
        ),
        cures=(
            "docker run -d --cap-drop ALL --cap-add NET_BIND_SERVICE IMAGE",
            "docker run -d --cap-drop NET_RAW --cap-drop MKNOD IMAGE",
        ),
        changes=("drop-caps",),
        not_with=("privileged",),
        extra=Extra.DEFAULT_CAPS,
    ),
    Lesson(
        id="seccomp",
        title="Seccomp: a filter on system calls",
        explanation=(
            "Everything a program asks of the kernel goes through a system call. "
            "Seccomp puts a filter in front of those calls, a small BPF program the "
            "kernel runs on each one, and refuses the calls it was told to refuse. "
            "Docker's default profile refuses a few dozen that containers rarely need "
            "and that keep turning up in escapes: loading and removing kernel "
            "modules, kexec_load, open_by_handle_at and others.",
            "Switching the filter off gives the whole kernel interface back to "
            "whoever runs in the container. Keep the default; if a program really "
            "needs one more call, allow that one call in a copy of the profile, and "
            "review the copy like code.",
        ),
        checks=("seccomp-disabled", "seccomp-daemon"),
        causes=(
            "docker run -d --security-opt seccomp=unconfined IMAGE",
            "docker run -d --privileged IMAGE   # switches seccomp off too",
        ),
        cures=("docker run -d IMAGE            # the engine's default profile",),
        changes=("default-seccomp",),
        not_with=("privileged",),
    ),
    Lesson(
        id="apparmor-selinux",
        title="AppArmor and SELinux",
        explanation=(
            "AppArmor (on Debian and Ubuntu) and SELinux (on Fedora and Red Hat) are "
            "mandatory access control: rules kept outside the program that say which "
            "files, paths and operations it may touch, whoever it runs as. The engine "
            "gives each container such a policy by default (the docker-default "
            "profile, or the container_t label), which keeps it away from sensitive "
            "parts of /proc and /sys and from mounting file systems.",
            "A policy only helps while it is on. A container started with its profile "
            "switched off relies on everything else holding. The best policies come "
            "from watching what a program really does and allowing just that.",
        ),
        checks=("apparmor-disabled", "selinux-disabled"),
        causes=(
            "docker run -d --security-opt apparmor=unconfined IMAGE",
            "docker run -d --security-opt label=disable IMAGE",
        ),
        cures=(
            "docker run -d IMAGE            # docker-default or container_t",
            "docker run -d --security-opt apparmor=my-profile IMAGE",
            "docker run -d --security-opt label=level:s0:c100,c200 IMAGE",
        ),
        by_hand="The wizard has no change for this: re-create the container without "
        "the --security-opt that switches its profile off.",
        not_with=("privileged",),
    ),
    Lesson(
        id="privileged",
        title="Privileged containers",
        explanation=(
            "--privileged takes down nearly every fence at once: every capability, "
            "every host device, no seccomp filter, no AppArmor or SELinux policy, and "
            "kernel paths under /proc and /sys left writable. Root in such a "
            "container can mount the host's disks or load a kernel module: there is "
            "little left to escape from.",
            "It is usually asked for because one thing was missing. Find that thing "
            "and grant only it: one capability with --cap-add, one device with "
            "--device, a policy of its own with --security-opt.",
        ),
        checks=("privileged", "masked-paths-off", "host-devices"),
        causes=(
            "docker run -d --privileged IMAGE",
            "docker run -d --security-opt systempaths=unconfined IMAGE",
        ),
        cures=(
            "docker run -d --cap-add NET_ADMIN IMAGE     # just what it needs",
            "docker run -d --device /dev/fuse IMAGE",
        ),
        changes=("unprivileged",),
    ),
    Lesson(
        id="host-namespaces",
        title="Host namespaces",
        explanation=(
            "Namespaces are what give a container its own view of the machine: its "
            "own process list, network interfaces, host name and shared memory. Each "
            "one can be handed back to the host. With the host's PID namespace a "
            "container sees, and can signal, every process on the machine; with the "
            "host's network it listens on the host's interfaces and reaches services "
            "bound to the host's loopback; with the host's IPC it shares memory with "
            "host programs; with the host's UTS it shares the host's name, and with "
            "enough privilege can change it.",
            "Monitoring agents ask for these most. Give the one agent that needs it "
            "the one namespace it needs, and nothing else in the fleet.",
        ),
        checks=("host-pid", "host-network", "host-ipc", "host-uts"),
        causes=(
            "docker run -d --pid host IMAGE",
            "docker run -d --network host IMAGE",
            "docker run -d --ipc host --uts host IMAGE",
        ),
        cures=(
            "docker run -d IMAGE            # namespaces of its own",
            "docker run -d -p 127.0.0.1:9100:9100 IMAGE  # a port, not the network",
        ),
        changes=("host-namespaces",),
        not_with=("privileged",),
    ),
    Lesson(
        id="docker-socket",
        title="The Docker socket",
        explanation=(
            "Whoever can talk to /var/run/docker.sock can ask the engine for "
            "anything, such as a new privileged container with the host's root file "
            "system mounted in it. A container with the socket mounted therefore "
            "holds the whole host. Marking the mount read-only changes nothing: it "
            "stops writes to the file, not requests over the socket.",
            "CI runners and dashboards are the usual holders. Keep them few and "
            "watched, give them a proxy that allows only the API calls they need, or "
            "a separate engine for builds.",
        ),
        checks=("docker-socket",),
        causes=(
            "docker run -d -v /var/run/docker.sock:/var/run/docker.sock IMAGE",
            "docker run -d -v /var/run/docker.sock:/var/run/docker.sock:ro IMAGE",
        ),
        cures=("docker run -d IMAGE            # no socket",),
        by_hand="No wizard change removes a mount: re-create the container without "
        "the -v of the socket.",
        not_with=("privileged",),
    ),
    Lesson(
        id="network",
        title="Traffic between containers, and published ports",
        explanation=(
            "On the default bridge network every container can reach every other "
            "one on any port: the engine allows all of it unless told otherwise. One "
            "broken-into container can then probe the database next to it. A port "
            "published with -p 8080:80 listens on every interface of the host, open "
            "to the whole network, often past the host's firewall, since Docker "
            "writes iptables rules of its own.",
            "Deny by default: put the services that must talk on a user-defined "
            "network of their own, switch inter-container traffic off on the default "
            "bridge, and publish on 127.0.0.1 (or one chosen address) what only this "
            "host should reach.",
        ),
        checks=("port-all-interfaces", "port-privileged", "default-bridge", "icc-enabled"),
        causes=(
            "docker run -d -p 8080:80 IMAGE  # every interface",
            "docker run -d -P IMAGE",
            'daemon.json: "icc": true        # the default',
        ),
        cures=(
            "docker run -d -p 127.0.0.1:8080:80 IMAGE",
            "docker network create app",
            "docker run -d --network app IMAGE",
            'daemon.json: "icc": false',
        ),
        changes=("localhost-ports",),
        not_with=("privileged",),
    ),
    Lesson(
        id="sshd",
        title="SSH servers in containers",
        explanation=(
            "An SSH server in a container is one more door: keys or passwords to "
            "manage, a daemon to keep patched, and usually root behind it. It is "
            "rarely needed. docker exec opens a shell in a running container through "
            "the engine, which already decides who may do that.",
            "Take sshd out of the image and look inside with docker exec. People who "
            "must log in log in to the host.",
        ),
        checks=("sshd-running",),
        causes=("docker run -d -p 2222:22 IMAGE  # an image that starts sshd",),
        cures=(
            "docker exec -it NAME sh",
            "docker run -d IMAGE            # rebuilt without sshd",
        ),
        by_hand="No run flag takes a program out of an image: rebuild the image "
        "without sshd and re-create the container from it.",
        not_with=("privileged",),
    ),
    Lesson(
        id="updates",
        title="Keeping the engine updated",
        explanation=(
            "The engine, containerd and runc are programs with bugs, and a few of "
            "those bugs have let a container break out to the host (runc's "
            "CVE-2019-5736 is the best known). The fixes come as new versions, so "
            "the engine belongs in the host's regular patch routine, next to the "
            "kernel.",
            "No docker run flag helps here: a container is only as contained as the "
            "engine that starts it. Check what runs with docker version, read the "
            "release notes, and upgrade from your distribution's or Docker's "
            "packages.",
        ),
        checks=("engine-outdated",),
        causes=(),
        cures=(
            "docker version                 # engine, containerd and runc",
            "apt-get install --only-upgrade docker-ce containerd.io",
        ),
        by_hand="Upgrade the engine's packages on the host, then look again.",
    ),
    Lesson(
        id="tls",
        title="TLS for remote clients",
        explanation=(
            "The engine's API is root on the host. On a unix socket only local users "
            "allowed to open it reach it. Opened on TCP without TLS, anyone who can "
            "reach the port can start a privileged container; with TLS that checks "
            "no certificate, anyone in the middle can.",
            "If the engine must be reached from elsewhere, serve TLS with client "
            "certificates, and have every client verify the server: DOCKER_HOST "
            "with DOCKER_TLS_VERIFY=1 and the certificates in ~/.docker. An ssh:// "
            "endpoint is the simpler way.",
        ),
        checks=("tcp-without-tls", "tls-verify-off"),
        causes=(
            "dockerd -H tcp://0.0.0.0:2375",
            "docker -H tcp://HOST:2376 --tls ps   # encrypted, nothing verified",
        ),
        cures=(
            "dockerd -H tcp://0.0.0.0:2376 --tlsverify --tlscacert ca.pem "
            "--tlscert server-cert.pem --tlskey server-key.pem",
            "export DOCKER_HOST=tcp://HOST:2376 DOCKER_TLS_VERIFY=1",
            "docker -H ssh://USER@HOST ps",
        ),
        by_hand="Change the daemon's -H and TLS settings, or the client's "
        "DOCKER_HOST and DOCKER_TLS_VERIFY.",
    ),
    Lesson(
        id="image-trust",
        title="Image trust",
        explanation=(
            "An image is code that runs with whatever rights the container gets. A "
            "tag such as latest is a pointer that moves: the same command can start "
            "different code tomorrow that nobody reviewed. A registry reached "
            "without TLS lets anyone on the way swap the image in transit.",
            "Pin images by digest, or at least by an exact version, pull only over "
            "TLS, and switch on content trust in the client, which then refuses "
            "images without a valid signature.",
        ),
        checks=("image-latest", "content-trust-off", "insecure-registry"),
        causes=(
            "docker run -d IMAGE:latest",
            'daemon.json: "insecure-registries": ["registry.local:5000"]',
        ),
        cures=(
            "docker run -d IMAGE@sha256:DIGEST",
            "export DOCKER_CONTENT_TRUST=1",
        ),
        by_hand="Re-create the container from a pinned image, and set "
        "DOCKER_CONTENT_TRUST=1 where the client runs.",
        not_with=("privileged",),
    ),
)

BY_ID: dict[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}


def lesson_ids() -> str:
    """The ids as a sentence lists them: "root, capabilities, … and image-trust"."""
    ids = [lesson.id for lesson in LESSONS]
    return ", ".join(ids[:-1]) + " and " + ids[-1]
