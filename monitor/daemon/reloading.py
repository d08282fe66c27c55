"""Reload: read the config again and put it in force, or keep the old one.

The new config is read and checked in a thread (the checks run in child processes)
while the loop keeps serving links. Store path, control socket and indicator take
effect at the next restart; the alerts, the schedule and the link rules at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from monitor.daemon.alerting import Alerting
from monitor.daemon.holidays import HolidayTimer
from monitor.daemon.runtime import Runtime
from monitor.domain.enums import Severity
from monitor.domain.events import Input, Tick
from monitor.errors import ConfigError

log = logging.getLogger("monitor.daemon")


class Reloader:
    """``reload(by=...)``, one at a time. ``restart_watcher()`` builds a new watcher
    (the link rules changed); ``line()`` is the status line for sd_notify."""

    def __init__(
        self,
        rt: Runtime,
        alerting: Alerting,
        holidays: HolidayTimer,
        feed: Callable[[Input], None],
        restart_watcher: Callable[[], None],
        line: Callable[[], str],
    ):
        self._rt = rt
        self._alerting = alerting
        self._holidays = holidays
        self._feed = feed
        self._restart_watcher = restart_watcher
        self._line = line
        self._lock: asyncio.Lock | None = None  # made on first use: needs the running loop

    async def reload(self, *, by: str = "") -> dict[str, Any]:
        """Read the config again and apply it; raise ``ConfigError`` (the old config stays
        in force) when the new one is invalid. Return what was applied."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            notifier = self._rt.parts.notifier
            notifier.reloading()
            try:
                return await self._reload(by)
            finally:
                notifier.ready(self._line())

    async def _reload(self, by: str) -> dict[str, Any]:
        rt = self._rt
        try:
            new, source, holidays = await asyncio.to_thread(
                rt.parts.load_config, rt.config_path, rt.now()
            )
        except ConfigError as exc:
            log.error("reload rejected, the old config stays in force: %s", exc)
            raise
        old = rt.config
        restart = [
            key
            for key, a, b in (
                ("store.path", old.store.path, new.store.path),
                ("control", old.control, new.control),
                ("indicator", old.indicator, new.indicator),
            )
            if a != b
        ]
        rt.use(new, source, holidays)
        self._holidays.load(rt.now(), "reload")
        if new.alerts != old.alerts or new.timezone != old.timezone or new.limits != old.limits:
            self._alerting.start_worker()
        if new.link != old.link:
            self._restart_watcher()
        self._feed(Tick())  # re-evaluate now under the new rules
        self._alerting.monitor_alert("reloaded" + (f": {by}" if by else ""), Severity.INFO)
        if restart:
            log.warning(
                "reloaded from %s; %s take effect at the next restart", source, ", ".join(restart)
            )
        else:
            log.info("reloaded from %s", source)
        return {"reloaded": source, "restart_needed": restart}
