"""Link watchers: netlink (pyroute2 AsyncIPRoute) and polling (psutil) ─► LinkObserved.

CONTRACT (implemented in the links issue):

    LinkObserved                      immutable observation of one interface
    build_watcher(link_config, *, netns=None) -> LinkWatcher
    class LinkWatcher(Protocol):
        async def start(self) -> list[LinkObserved]   bind, dump: current state of every watched iface
        def changes(self) -> AsyncIterator[LinkObserved]  one item per change of `online` (and
                                                      appear/vanish); reconciles after ENOBUFS
        async def close(self) -> None
        def status(self) -> dict                       JSON-able health (method, resyncs, errors)
    traffic(interfaces) -> dict[str, tuple[int, int]]  bytes (sent, received) per interface

Extensions (links issue): ``build_watcher(..., rcvbuf=None)`` (test hook: a small
SO_RCVBUF to provoke ENOBUFS); ``LinkObserved.as_dict()``; ``observe_message`` (the
pyroute2 adapter); ``LinkTable`` (what to report); ``NetlinkWatcher``, ``PollWatcher``.

No pyroute2/psutil import at module import time (STYLE 9, 13).

How the watchers agree on what they report
------------------------------------------
Both watchers turn what they read into ``LinkObserved`` for *every* interface and feed
it to one ``LinkTable``: the belief about the watched interfaces, keyed by kernel
index. The table decides what is reported, so netlink and polling behave the same:

- an interface that starts matching (hot-plug, or renamed into a watched name) is
  reported once as it is (``appear``), online or not;
- afterwards only a change of ``online`` is reported: the kernel sends several
  RTM_NEWLINK per transition (carrier first, operstate a moment later) and any
  unrelated change (MTU, address) sends one too;
- a removed interface, or one renamed out of the watched names, is reported once
  offline with ``present=False`` under the name it was known by (``vanish``);
- a rename is followed by index: the old name vanishes, the new name appears;
- ``link.ignore`` always wins (``config.Link.watches``).

After a socket error (ENOBUFS: the receive buffer overflowed and events were
dropped) the netlink watcher opens a new socket, binds, dumps the whole table and
``reconcile``s: every difference between belief and the dump is reported. A
change that happened *and was undone* while events were lost cannot be seen by
anyone; the resync is counted and logged so it is visible in ``status()``.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import errno
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from monitor.compat import UTC
from monitor.domain.model import LinkObserved
from monitor.errors import WatcherError

if TYPE_CHECKING:
    from monitor.config import Link

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# <linux/if.h>, <linux/rtnetlink.h>
IFF_UP = 0x1
IFF_LOWER_UP = 0x10000
RTM_NEWLINK = 16
RTM_DELLINK = 17
CLONE_NEWNET = 0x40000000  # <sched.h>
NETLINK_ROUTE = 0
AF_UNSPEC = 0  # link messages proper; AF_BRIDGE (7) ones describe bridge-port membership

# The kernel counts an interface as passing traffic (IFF_RUNNING, netif_oper_up) when
# its operstate is "up" or "unknown": "unknown" is what drivers that do not manage
# operstate report (Documentation/networking/operstates.rst: "must be considered
# for user data"). psutil's isup is that same IFF_RUNNING, so both watchers agree.
ONLINE_OPERSTATES = frozenset({"up", "unknown"})

# Reconnect pacing after a socket error (STYLE 8): the first resync is immediate;
# failures that follow each other within REPEAT_WINDOW back off up to MAX_BACKOFF.
REPEAT_WINDOW = 1.0
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def is_online(*, carrier: bool | None, operstate: str, admin_up: bool) -> bool:
    """Return True when an interface can pass traffic: admin up, carrier, operstate up/unknown."""
    return bool(admin_up and carrier and operstate in ONLINE_OPERSTATES)


def observe_message(msg: Any, at: datetime) -> LinkObserved | None:
    """Return the observation in one pyroute2 ``ifinfmsg``, or None if it is not about a link.

    RTM_DELLINK gives ``present=False``. Messages of another family (AF_BRIDGE port
    notices, whose RTM_DELLINK only means "left the bridge") and other message types
    give None. Carrier comes from IFLA_CARRIER, else the IFF_LOWER_UP flag; the
    ``state`` field pyroute2 adds is the admin flag and is not used.
    """
    kind = msg["header"]["type"]
    if kind not in (RTM_NEWLINK, RTM_DELLINK) or msg["family"] != AF_UNSPEC:
        return None
    name = msg.get("IFLA_IFNAME")
    if not name:
        return None
    flags = msg["flags"]
    carrier_attr = msg.get("IFLA_CARRIER")
    carrier = bool(carrier_attr) if carrier_attr is not None else bool(flags & IFF_LOWER_UP)
    operstate = str(msg.get("IFLA_OPERSTATE") or "unknown").lower()
    admin_up = bool(flags & IFF_UP)
    if kind == RTM_DELLINK:
        return LinkObserved(name, msg["index"], False, carrier, operstate, admin_up, at,
                            present=False)
    online = is_online(carrier=carrier, operstate=operstate, admin_up=admin_up)
    return LinkObserved(name, msg["index"], online, carrier, operstate, admin_up, at)


def vanished(known: LinkObserved, at: datetime) -> LinkObserved:
    """Return the report for a watched interface that is gone: offline, ``present=False``."""
    return replace(known, online=False, carrier=False, operstate="notpresent",
                   admin_up=False, at=at, present=False)


class LinkTable:
    """The belief about watched interfaces, by index; decides what is worth reporting.

    Pure: it is handed observations (of any interface) and returns the reports.
    """

    def __init__(self, link: Link):
        self._link = link
        self._known: dict[int, LinkObserved] = {}

    def watched(self) -> list[LinkObserved]:
        """Return the latest observation of every watched interface present, by name."""
        return sorted(self._known.values(), key=lambda o: (o.interface, o.index))

    def apply(self, obs: LinkObserved) -> list[LinkObserved]:
        """Take one observation of any interface; return the reports it causes (maybe none)."""
        old = self._known.get(obs.index)
        reports: list[LinkObserved] = []
        if old is not None and (not obs.present or old.interface != obs.interface):
            # Removed, or renamed: the name the engine knows it by is gone.
            del self._known[obs.index]
            reports.append(vanished(old, obs.at))
            old = None
        if not obs.present or not self._link.watches(obs.interface):
            return reports
        self._known[obs.index] = obs
        if old is None or old.online != obs.online:
            reports.append(obs)
        return reports

    def reconcile(self, snapshot: Iterable[LinkObserved], at: datetime) -> list[LinkObserved]:
        """Take a full table (dump or poll); return every difference from the belief.

        Interfaces believed present but missing from ``snapshot`` vanish; the rest is
        applied as observations, in index order.
        """
        current = {obs.index: obs for obs in snapshot}
        reports = [vanished(self._known.pop(index), at)
                   for index in sorted(self._known) if index not in current]
        for index in sorted(current):
            reports.extend(self.apply(current[index]))
        return reports


class LinkWatcher(Protocol):
    """What the daemon and ``link-monitor watch`` need from a watcher."""

    method: str

    async def start(self) -> list[LinkObserved]: ...

    def changes(self) -> AsyncIterator[LinkObserved]: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


class _Health:
    """Counters behind ``status()``; kept apart so both watchers report alike."""

    def __init__(self, method: str, now: Clock):
        self.method = method
        self.now = now
        self.resyncs = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None

    def error(self, exc: BaseException) -> None:
        self.errors += 1
        if isinstance(exc, OSError) and exc.errno and not exc.strerror:
            # pyroute2 raises OSError(ENOBUFS, None): name the errno for people.
            self.last_error = f"{errno.errorcode.get(exc.errno, exc.errno)}: " \
                f"{os.strerror(exc.errno)}"
        else:
            self.last_error = f"{type(exc).__name__}: {exc}"
        self.last_error_at = self.now()

    def as_dict(self, table: LinkTable) -> dict[str, Any]:
        return {
            "method": self.method,
            "resyncs": self.resyncs,
            "errors": self.errors,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "watching": [o.interface for o in table.watched()],
            "online": [o.interface for o in table.watched() if o.online],
        }


class _Backoff:
    """Delay before the next reconnect: none after a quiet spell, doubling when failures repeat."""

    def __init__(self) -> None:
        self._last = -float("inf")
        self._delay = 0.0

    def next_delay(self) -> float:
        now = time.monotonic()
        if now - self._last > REPEAT_WINDOW + self._delay:
            self._delay = 0.0
        else:
            self._delay = min(max(self._delay * 2, FIRST_BACKOFF), MAX_BACKOFF)
        self._last = now
        return self._delay


class NetlinkWatcher:
    """Kernel link events (RTMGRP_LINK) through pyroute2's asyncio-native AsyncIPRoute.

    ``netns`` watches inside a named network namespace (opening it needs root; a
    missing namespace is an error, never created: see ``socket_in_netns``). ``rcvbuf`` sets SO_RCVBUF, only
    to provoke ENOBUFS in tests; the default is pyroute2's 1 MiB.
    """

    method = "netlink"

    def __init__(self, link: Link, *, netns: str | None = None, rcvbuf: int | None = None,
                 now: Clock = _utcnow):
        self._netns = netns
        self._rcvbuf = rcvbuf
        self._now = now
        self._table = LinkTable(link)
        self._health = _Health(self.method, now)
        self._backoff = _Backoff()
        self._ipr: Any = None
        self._pending: collections.deque[LinkObserved] = collections.deque()
        self._closed = False

    async def _open(self) -> tuple[Any, list[LinkObserved]]:
        """Return a new socket bound to RTMGRP_LINK and the dump taken after binding.

        Raise WatcherError if the socket cannot be opened or the dump fails.
        """
        try:
            from pyroute2 import AsyncIPRoute
            from pyroute2.netlink.rtnl import RTMGRP_LINK
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise WatcherError(f"pyroute2 is not installed ({exc}); set link.method = "
                               f"\"poll\" or install pyroute2") from exc
        kwargs: dict[str, Any] = {}
        if self._rcvbuf is not None:
            kwargs["rcvbuf"] = self._rcvbuf
        ipr = None
        try:
            if self._netns is not None:
                kwargs["fileno"] = await asyncio.to_thread(socket_in_netns, self._netns)
            ipr = AsyncIPRoute(**kwargs)
            # Bind before dumping: a change during the dump then arrives as an event.
            await ipr.bind(groups=RTMGRP_LINK)
            snapshot = []
            async for msg in await ipr.link("dump"):
                obs = observe_message(msg, self._now())
                if obs is not None:
                    snapshot.append(obs)
        except Exception as exc:
            if ipr is not None:
                _close_quietly(ipr)
            where = f" in network namespace {self._netns!r}" if self._netns else ""
            if isinstance(exc, FileNotFoundError) and self._netns is not None:
                raise WatcherError(f"network namespace {self._netns!r} does not exist") from exc
            if isinstance(exc, PermissionError) and self._netns is not None:
                raise WatcherError(f"no permission to enter network namespace "
                                   f"{self._netns!r} (needs root)") from exc
            raise WatcherError(f"cannot watch links{where}: {type(exc).__name__}: {exc}") from exc
        return ipr, snapshot

    async def start(self) -> list[LinkObserved]:
        """Bind, dump; return the current state of every watched interface (sorted by name).

        Raise WatcherError if netlink cannot be opened.
        """
        self._ipr, snapshot = await self._open()
        self._table.reconcile(snapshot, self._now())
        return self._table.watched()

    async def changes(self) -> AsyncIterator[LinkObserved]:
        """Yield one report per change (see the module docstring) until ``close()``.

        Socket errors never end the iteration: they cause a resync.
        """
        if self._ipr is None:
            raise WatcherError("NetlinkWatcher.changes() before start()")
        while True:
            while self._pending:
                yield self._pending.popleft()
            if self._closed:
                return
            try:
                messages = [msg async for msg in self._ipr.get()]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - ENOBUFS, or the socket died another way
                if self._closed:
                    return
                await self._resync(exc)
                continue
            for msg in messages:
                try:
                    obs = observe_message(msg, self._now())
                except Exception as exc:  # noqa: BLE001 - one odd message never stops the watcher
                    self._health.error(exc)
                    log.error("cannot read link message %r: %s", msg, exc)
                    continue
                if obs is not None:
                    self._pending.extend(self._table.apply(obs))

    async def _resync(self, cause: BaseException) -> None:
        """Replace the dead socket, dump, queue every difference; retry with backoff."""
        self._health.error(cause)
        lost = "events were lost (receive buffer overflow)" if (
            isinstance(cause, OSError) and cause.errno == errno.ENOBUFS) else "socket failed"
        log.warning("link watcher: %s (%s); resyncing", lost, self._health.last_error)
        _close_quietly(self._ipr)
        while not self._closed:
            delay = self._backoff.next_delay()
            if delay:
                await asyncio.sleep(delay)
            try:
                ipr, snapshot = await self._open()
            except WatcherError as exc:
                self._health.error(exc)
                log.error("link watcher: cannot reopen netlink: %s", exc)
                continue
            if self._closed:
                _close_quietly(ipr)
                return
            self._ipr = ipr
            self._health.resyncs += 1
            differences = self._table.reconcile(snapshot, self._now())
            self._pending.extend(differences)
            log.warning("link watcher: resynced (%d difference(s))", len(differences))
            return

    async def close(self) -> None:
        """Stop watching; a running ``changes()`` ends after what it has already queued."""
        self._closed = True
        if self._ipr is not None:
            _close_quietly(self._ipr)

    def status(self) -> dict[str, Any]:
        """Return health: method, resyncs, errors, last error, watched and online names."""
        return self._health.as_dict(self._table)


def socket_in_netns(netns: str) -> int:
    """Return the file descriptor of a NETLINK_ROUTE socket made inside network namespace
    ``netns`` (a name under /var/run/netns, or a path); raise FileNotFoundError if there
    is no such namespace (it is never created), OSError if it cannot be entered.

    Why not pyroute2's ``netns=``: it forks the whole process to make the socket, and
    the child shares asyncio's signal wake-up fd; pyroute2 then stops the child with
    SIGTERM, which the parent's loop reads as its own SIGTERM. A short-lived thread
    enters the namespace instead (setns changes only the calling thread) and the
    socket stays bound to that namespace for its whole life.
    """
    path = netns if "/" in netns else f"/var/run/netns/{netns}"
    made: dict[str, Any] = {}

    def enter_and_make() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(path, "rb") as ns_file:
                if libc.setns(ns_file.fileno(), CLONE_NEWNET) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code), path)
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_ROUTE)
            made["fd"] = sock.detach()
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            made["error"] = exc

    worker = threading.Thread(target=enter_and_make, name=f"netns {netns}")
    worker.start()
    worker.join()
    if "error" in made:
        raise made["error"]
    return made["fd"]


def _close_quietly(ipr: Any) -> None:
    # Closing a socket that already failed raises the failure again: nothing to do then.
    try:
        ipr.close()
    except Exception as exc:  # noqa: BLE001
        log.debug("closing netlink socket: %s", exc)


class PollWatcher:
    """Polls psutil ``net_if_stats()`` every ``interval`` seconds (own namespace only).

    ``isup`` is IFF_RUNNING on Linux, so ``online`` means what it means for netlink;
    psutil does not expose the carrier (``carrier`` is None) and ``operstate`` is
    derived from IFF_RUNNING ("up" / "down").
    """

    method = "poll"

    def __init__(self, link: Link, *, interval: float, now: Clock = _utcnow):
        self._interval = interval
        self._now = now
        self._table = LinkTable(link)
        self._health = _Health(self.method, now)
        self._backoff = _Backoff()
        self._closed = asyncio.Event()

    def _snapshot(self) -> list[LinkObserved]:
        try:
            import psutil
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise WatcherError(f"psutil is not installed ({exc})") from exc
        at = self._now()
        snapshot = []
        for name, stats in psutil.net_if_stats().items():
            try:
                index = socket.if_nametoindex(name)
            except OSError:  # removed between the two calls: the next poll says so
                continue
            flags = set(stats.flags.split(",")) if getattr(stats, "flags", "") else set()
            admin_up = "up" in flags if flags else bool(stats.isup)
            online = bool(stats.isup) and admin_up
            snapshot.append(LinkObserved(name, index, online, None,
                                         "up" if stats.isup else "down", admin_up, at))
        return snapshot

    async def start(self) -> list[LinkObserved]:
        """Return the current state of every watched interface; raise WatcherError if unreadable."""
        try:
            snapshot = self._snapshot()
        except WatcherError:
            raise
        except Exception as exc:
            raise WatcherError(f"cannot read interfaces with psutil: {exc}") from exc
        self._table.reconcile(snapshot, self._now())
        return self._table.watched()

    async def changes(self) -> AsyncIterator[LinkObserved]:
        """Yield every difference found at each poll until ``close()``."""
        while not self._closed.is_set():
            try:
                await asyncio.wait_for(self._closed.wait(), self._interval)
                return
            except asyncio.TimeoutError:  # the builtin TimeoutError on 3.11+, not on 3.10
                pass
            try:
                snapshot = self._snapshot()
            except Exception as exc:  # noqa: BLE001 - keep polling, with backoff (STYLE 8)
                self._health.error(exc)
                log.error("link watcher (poll): %s", exc)
                await asyncio.sleep(self._backoff.next_delay())
                continue
            for report in self._table.reconcile(snapshot, self._now()):
                yield report

    async def close(self) -> None:
        """Stop polling; a running ``changes()`` ends."""
        self._closed.set()

    def status(self) -> dict[str, Any]:
        """Return health: method, resyncs (always 0), errors, last error, watched/online names."""
        return self._health.as_dict(self._table)


def build_watcher(link_config: Link, *, netns: str | None = None,
                  rcvbuf: int | None = None) -> LinkWatcher:
    """Return the watcher ``link_config.method`` names (not started).

    ``netns`` (netlink only) watches inside that named network namespace; ``rcvbuf``
    (netlink only) is a test hook for a small receive buffer. Raise WatcherError if
    ``netns`` is given with the poll method (psutil sees only its own namespace).
    """
    if link_config.method == "poll":
        if netns is not None:
            raise WatcherError("link.method = \"poll\" sees only its own network namespace; "
                               "run it under `ip netns exec` instead of passing a namespace")
        return PollWatcher(link_config, interval=link_config.poll_interval.total_seconds())
    return NetlinkWatcher(link_config, netns=netns, rcvbuf=rcvbuf)


def traffic(interfaces: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Return ``{name: (bytes_sent, bytes_received)}`` for those of ``interfaces`` present now.

    Counters are the kernel's since the interface appeared (they restart when it is
    re-created); the session takes differences. Missing interfaces are left out.
    """
    import psutil

    counters = psutil.net_io_counters(pernic=True)
    return {name: (counters[name].bytes_sent, counters[name].bytes_recv)
            for name in interfaces if name in counters}
