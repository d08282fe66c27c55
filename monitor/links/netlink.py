"""``NetlinkWatcher``: kernel link events through pyroute2's AsyncIPRoute."""

from __future__ import annotations

import asyncio
import collections
import errno
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from monitor.domain.model import LinkObserved
from monitor.errors import WatcherError
from monitor.links.health import Backoff, Clock, Health, utcnow
from monitor.links.netns import socket_in_netns
from monitor.links.parse import observe_message
from monitor.links.table import LinkTable

if TYPE_CHECKING:
    from monitor.config import Link

log = logging.getLogger("monitor.links")


class NetlinkWatcher:
    """Kernel link events (RTMGRP_LINK) through pyroute2's asyncio-native AsyncIPRoute.

    ``netns`` watches inside a named network namespace (opening it needs root; a
    missing namespace is an error, never created: see ``socket_in_netns``). ``rcvbuf``
    sets SO_RCVBUF, only to provoke ENOBUFS in tests; the default is pyroute2's 1 MiB.
    """

    method = "netlink"

    def __init__(
        self,
        link: Link,
        *,
        netns: str | None = None,
        rcvbuf: int | None = None,
        now: Clock = utcnow,
    ):
        self._netns = netns
        self._rcvbuf = rcvbuf
        self._now = now
        self._table = LinkTable(link)
        self._health = Health(self.method, now)
        self._backoff = Backoff()
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
            raise WatcherError(
                f'pyroute2 is not installed ({exc}); set link.method = "poll" or install pyroute2'
            ) from exc
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
                raise WatcherError(
                    f"no permission to enter network namespace {self._netns!r} (needs root)"
                ) from exc
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
        lost = (
            "events were lost (receive buffer overflow)"
            if (isinstance(cause, OSError) and cause.errno == errno.ENOBUFS)
            else "socket failed"
        )
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


def _close_quietly(ipr: Any) -> None:
    # Closing a socket that already failed raises the failure again: nothing to do then.
    try:
        ipr.close()
    except Exception as exc:  # noqa: BLE001
        log.debug("closing netlink socket: %s", exc)
