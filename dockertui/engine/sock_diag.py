"""The listening sockets of another network namespace, asked of the kernel
through netlink (sock_diag) instead of read from /proc/<pid>/net/tcp.

Reading /proc/<pid>/net/tcp makes the kernel walk its whole connection hash
table (some 2 ms for tcp and again for tcp6 on a small host, whatever the
namespace holds); a sock_diag dump of the listening state walks only the
listening sockets. The netlink socket must be made inside the container's
network namespace: a short-lived thread of its own enters it (setns acts on
the calling thread only), makes the socket and leaves, so no other thread
ever runs in a container's namespace. Without the privilege to enter it
(not root) every function here returns None and the caller reads /proc."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import ipaddress
import os
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from dockertui.model.kernel import Listener, Protocol

CLONE_NEWNET = 0x40000000
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
TCP_LISTEN = 10
TCP_CLOSE = 7  # an unconnected, bound UDP socket
_HEADER = struct.Struct("=IHHII")  # nlmsghdr
_REQUEST = struct.Struct("=BBBxI48x")  # inet_diag_req_v2 with an empty sockid
_MESSAGE = struct.Struct("=BBBB2s2s16s16sI8sIIIII")  # inet_diag_msg
_QUERIES = (
    (socket.AF_INET, socket.IPPROTO_TCP, TCP_LISTEN, Protocol.TCP),
    (socket.AF_INET6, socket.IPPROTO_TCP, TCP_LISTEN, Protocol.TCP),
    (socket.AF_INET, socket.IPPROTO_UDP, TCP_CLOSE, Protocol.UDP),
    (socket.AF_INET6, socket.IPPROTO_UDP, TCP_CLOSE, Protocol.UDP),
)


def _setns() -> Callable[[int, int], int] | None:
    """libc's setns(2), or None where there is none."""
    try:
        function: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).setns
    except (OSError, AttributeError):
        return None
    return function


_SETNS = _setns()


def _socket_in(netns: Path) -> socket.socket | None:
    """A sock_diag netlink socket made inside the namespace at `netns`."""
    made: list[socket.socket] = []

    def enter_make_leave() -> None:
        if _SETNS is None:
            return
        with contextlib.ExitStack() as stack:
            try:
                own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
                stack.callback(os.close, own)
                target = os.open(netns, os.O_RDONLY)
                stack.callback(os.close, target)
            except OSError:
                return
            if _SETNS(target, CLONE_NEWNET) != 0:
                return  # EPERM: not allowed to enter it
            try:
                made.append(socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG))
            except OSError:
                pass
            finally:
                # This thread ends now whatever happens; leaving is tidiness.
                _SETNS(own, CLONE_NEWNET)

    worker = threading.Thread(target=enter_make_leave, name="dockertui-netns", daemon=True)
    worker.start()
    worker.join()
    return made[0] if made else None


def _dump(sock: socket.socket, family: int, protocol: int, state: int) -> list[bytes]:
    """The inet_diag_msg payloads of one dump request."""
    body = _REQUEST.pack(family, protocol, 0, 1 << state)
    sock.send(_HEADER.pack(_HEADER.size + len(body), SOCK_DIAG_BY_FAMILY,
                           NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)  # fmt: skip
    found: list[bytes] = []
    while True:
        data = sock.recv(65536)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _, _, _ = _HEADER.unpack_from(data, offset)
            if length < _HEADER.size:
                return found
            if kind == NLMSG_DONE:
                return found
            if kind == NLMSG_ERROR:
                (code,) = struct.unpack_from("=i", data, offset + _HEADER.size)
                if code == -errno.ENOENT:
                    return found  # this kernel has no diag module for it (e.g. udp)
                raise OSError(-code, os.strerror(-code))
            found.append(data[offset + _HEADER.size : offset + length])
            offset += (length + 3) & ~3
        if not data:
            return found


def _listener(payload: bytes, protocol: Protocol) -> Listener | None:
    if len(payload) < _MESSAGE.size:
        return None
    family, _, _, _, sport, _, src, _, _, _, _, _, _, _, inode = _MESSAGE.unpack_from(payload)
    raw = src[:4] if family == socket.AF_INET else src
    address = ipaddress.ip_address(raw)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return Listener(protocol, str(address), struct.unpack("!H", sport)[0], inode)


def listening(netns: Path) -> tuple[Listener, ...] | None:
    """Every listening TCP and bound UDP socket of the network namespace at
    `netns` (a /proc/<pid>/ns/net path), or None when the kernel cannot be
    asked this way from here."""
    sock = _socket_in(netns)
    if sock is None:
        return None
    found: list[Listener] = []
    with sock:
        sock.settimeout(1.0)  # a dump never takes that long: a stalled one is given up
        try:
            for family, protocol, state, kind in _QUERIES:
                for payload in _dump(sock, family, protocol, state):
                    seen = _listener(payload, kind)
                    if seen is not None:
                        found.append(seen)
        except (OSError, struct.error):
            return None  # refused, timed out, or a reply this parser does not know
    return tuple(found)
