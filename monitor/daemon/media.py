"""The removable-media watcher's loop: the media present, then insertions and removals,
each looked up in the register's ledger and fed to the engine. On a failure: alert
once (``media-fault``), back off, build a new watcher; the rest of the monitor goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace

from monitor.daemon.faults import Faults
from monitor.daemon.ports import MediaWatcherPort
from monitor.daemon.runtime import Runtime
from monitor.domain.enums import Part
from monitor.domain.events import Input
from monitor.domain.media import MediaAction, MediaObserved
from monitor.errors import MonitorError

log = logging.getLogger("monitor.daemon")


class MediaWatching:
    """Feeds what the media watcher sees to the engine (``feed``); ``watcher`` is the
    one running now (for ``status``)."""

    def __init__(self, rt: Runtime, faults: Faults, feed: Callable[[Input], None]):
        self._rt = rt
        self._faults = faults
        self._feed = feed
        self.watcher: MediaWatcherPort | None = None

    @property
    def enabled(self) -> bool:
        return self._rt.parts.media is not None and self._rt.config.media.watch

    def observe(self, obs: MediaObserved) -> None:
        """Look the medium up in the ledger (a removal keeps what the engine knew) and
        feed it; a register that cannot answer is a register fault, and the medium
        goes in as unregistered (better a false alarm than a silent stick). Nothing
        is fed after a reload set ``media.watch = false``."""
        if not self._rt.config.media.watch:
            return
        if obs.action is not MediaAction.REMOVED and obs.medium.counts:
            rt = self._rt
            found = self._faults.safe(
                "register",
                "look up a medium",
                lambda: rt.register.medium_by_serial(obs.medium.serial),
            )
            obs = replace(obs, registered=found)
        # The PC's own disks (and loop devices) are seen at every start: debug only.
        log.log(
            logging.INFO if obs.medium.counts else logging.DEBUG,
            "medium %s: %s serial=%s usb=%s",
            obs.action,
            obs.medium.device,
            obs.medium.serial or "-",
            obs.medium.usb,
        )
        self._feed(obs)

    async def run(self) -> None:
        """Watch until cancelled, a new watcher after each failure."""
        fault = self._faults[Part.MEDIA]
        make = self._rt.parts.media
        if make is None:
            return
        while True:
            watcher: MediaWatcherPort | None = None
            try:
                watcher = make(self._rt.config)
                self.watcher = watcher
                for obs in await watcher.start():
                    self.observe(obs)
                if fault.ok():
                    log.info("media watcher recovered")
                async for obs in watcher.changes():
                    self.observe(obs)
                raise MonitorError("the media watcher's stream of changes ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                first = fault.failed(exc)
                log.error(
                    "media watcher failed (%s); new watcher in %.0fs",
                    fault.last_error,
                    fault.delay,
                    exc_info=first,
                )
                if first:
                    self._faults.alert_episode(Part.MEDIA)
            finally:
                if watcher is not None:
                    with contextlib.suppress(Exception):
                        await watcher.close()
            await asyncio.sleep(fault.delay)
