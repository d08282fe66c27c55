"""``PollWatcher``: psutil's interface table, polled (own namespace only)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from monitor.domain.model import LinkObserved
from monitor.errors import WatcherError
from monitor.links.health import Backoff, Clock, Health, utcnow
from monitor.links.table import LinkTable

if TYPE_CHECKING:
    from monitor.config import Link

log = logging.getLogger("monitor.links")


class PollWatcher:
    """Polls psutil ``net_if_stats()`` every ``interval`` seconds (own namespace only).

    ``isup`` is IFF_RUNNING on Linux, so ``online`` means what it means for netlink;
    psutil does not expose the carrier (``carrier`` is None) and ``operstate`` is
    derived from IFF_RUNNING ("up" / "down").
    """

    method = "poll"

    def __init__(self, link: Link, *, interval: float, now: Clock = utcnow):
        self._interval = interval
        self._now = now
        self._table = LinkTable(link)
        self._health = Health(self.method, now)
        self._backoff = Backoff()
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
            snapshot.append(
                LinkObserved(
                    name, index, online, None, "up" if stats.isup else "down", admin_up, at
                )
            )
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
            except asyncio.TimeoutError:  # not the builtin one on 3.10
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
