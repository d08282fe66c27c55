"""``MediaWatcher``: the kernel's block-device uevents on a NETLINK_KOBJECT_UEVENT socket.

Event-driven (no polling) and independent of udevd: the socket is bound to the
kernel's multicast group before ``/sys/block`` is read, so a stick inserted during
the start arrives as an event. Each ``add`` of a whole disk is read from sysfs at
once (the attributes exist when the kernel announces the disk); a ``remove`` is
reported with what was known of the device (sysfs is gone by then). A lost message
(ENOBUFS: the socket's buffer overflowed) makes the watcher read ``/sys/block``
again and report the difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.compat import UTC
from monitor.domain.media import MediaAction, MediaObserved, Medium
from monitor.errors import WatcherError
from monitor.media.sysfs import present_disks, read_medium
from monitor.media.uevent import KERNEL_GROUP, NETLINK_KOBJECT_UEVENT, BadUevent, parse_uevent

log = logging.getLogger("monitor.media")

#: The receive buffer asked for (root may exceed rmem_max with SO_RCVBUFFORCE).
RCVBUF = 1 << 20
SO_RCVBUFFORCE = 33


def utcnow() -> datetime:
    return datetime.now(UTC)


class MediaWatcher:
    """Every whole disk's arrival and removal, as ``MediaObserved`` (``registered``
    left None: the daemon looks the serial up in the register).

    ``root``: sysfs (tests pass a fixture tree; the socket stays the kernel's)."""

    method = "uevent"

    def __init__(self, *, root: Path = Path("/sys"), now: Callable[[], datetime] = utcnow):
        self._root = root
        self._now = now
        self._sock: socket.socket | None = None
        self._known: dict[str, Medium] = {}  # devname -> what was read at add
        self._events = 0
        self._ignored = 0
        self._bad = 0
        self._resyncs = 0
        self._last_error: str | None = None

    def _open_socket(self) -> socket.socket:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
        except (OSError, AttributeError) as exc:
            raise WatcherError(f"cannot open a uevent netlink socket: {exc}") from exc
        try:
            for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, opt, RCVBUF)
                    break
            sock.bind((0, KERNEL_GROUP))
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise WatcherError(
                f"cannot bind the uevent socket to the kernel's group: {exc}"
            ) from exc
        return sock

    async def start(self) -> list[MediaObserved]:
        """Bind the socket, then read every disk present; return them as ``present``.

        Raise WatcherError if the socket cannot be opened."""
        self._sock = self._open_socket()
        return self.present()

    def present(self) -> list[MediaObserved]:
        """Read every disk in sysfs now and return them as ``present`` (no socket)."""
        return [self._observed(MediaAction.PRESENT, m) for m in self._scan()]

    def _scan(self) -> list[Medium]:
        found = []
        for devname, devnum in present_disks(self._root):
            medium = read_medium(self._root, devname, devnum)
            if medium is not None:
                self._known[devname] = medium
                found.append(medium)
        return found

    def _observed(self, action: MediaAction, medium: Medium) -> MediaObserved:
        return MediaObserved(action=action, medium=medium, at=self._now())

    async def changes(self) -> AsyncIterator[MediaObserved]:
        """Yield each disk inserted or removed until closed; raise WatcherError when the
        socket fails (the daemon builds a new watcher)."""
        loop = asyncio.get_running_loop()
        while True:
            sock = self._sock
            if sock is None:
                return
            try:
                data = await loop.sock_recv(sock, 1 << 16)
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    for found in self._resync():
                        yield found
                    continue
                if self._sock is None:
                    return  # closed meanwhile
                self._last_error = f"{type(exc).__name__}: {exc}"
                raise WatcherError(f"the uevent socket failed: {exc}") from exc
            obs = self.handle(data)
            if obs is not None:
                yield obs

    def handle(self, data: bytes) -> MediaObserved | None:
        """Return the observation in one datagram, or None (not a whole disk; bad)."""
        try:
            event = parse_uevent(data)
        except BadUevent as exc:
            self._bad += 1
            log.warning("uevent skipped: %s", exc)
            return None
        if event.is_disk_change:
            return self._changed(event.devname, event.devnum)
        if not event.is_disk:
            self._ignored += 1
            return None
        self._events += 1
        name = event.devname
        if event.action == "remove":
            medium = self._known.pop(name, None) or Medium(name, event.devnum, "", False)
            return self._observed(MediaAction.REMOVED, medium)
        read = read_medium(self._root, name, event.devnum)
        if read is None:
            log.info("disk %s is gone before it could be read", name)
            return None
        self._known[name] = read
        return self._observed(MediaAction.INSERTED, read)

    def _changed(self, name: str, devnum: str) -> MediaObserved | None:
        """A disk's ``change``: read it again; a medium that now counts and did not (a
        card put in) is an insertion, one that no longer counts (taken out) a removal."""
        before = self._known.get(name)
        now = read_medium(self._root, name, devnum)
        if now is None:
            return None
        self._known[name] = now
        was = before is not None and before.counts
        if now.counts == was:
            self._ignored += 1
            return None
        self._events += 1
        if now.counts:
            return self._observed(MediaAction.INSERTED, now)
        assert before is not None  # was counted, so known
        return self._observed(MediaAction.REMOVED, before)

    def _resync(self) -> list[MediaObserved]:
        """After lost messages: report the disks that came or went meanwhile."""
        self._resyncs += 1
        before = dict(self._known)
        self._known = {}
        now = {m.device: m for m in self._scan()}
        out = [self._observed(MediaAction.REMOVED, m) for n, m in before.items() if n not in now]
        out += [self._observed(MediaAction.INSERTED, m) for n, m in now.items() if n not in before]
        log.warning("uevent messages lost (ENOBUFS): %d media changes found again", len(out))
        return out

    async def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def status(self) -> dict[str, Any]:
        """Return JSON-able health: method, counts, the last error, the disks known."""
        return {
            "method": self.method,
            "open": self._sock is not None,
            "events": self._events,
            "ignored": self._ignored,
            "bad": self._bad,
            "resyncs": self._resyncs,
            "last_error": self._last_error,
            "disks": sorted(self._known),
        }
