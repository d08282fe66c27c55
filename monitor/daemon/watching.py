"""The link watcher's loop: a dump, then changes; on any failure alert once, back
off and build a new watcher. Monitoring of everything else goes on meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from monitor.daemon.faults import Faults
from monitor.daemon.ports import WatcherPort
from monitor.daemon.runtime import Runtime
from monitor.daemon.timers import freeze_startup
from monitor.domain.events import Input, Synced
from monitor.domain.model import LinkObserved
from monitor.errors import MonitorError

log = logging.getLogger("monitor.daemon")


class Watching:
    """Feeds what the watcher sees to the engine (``feed``), after recording it as the
    interface's last observation. ``ready()`` is called once the first dump is in (or
    the watcher failed: degraded, but the rest of the monitor works); ``sighted()``
    after each dump and change (``Sight.check``)."""

    def __init__(
        self,
        rt: Runtime,
        faults: Faults,
        feed: Callable[[Input], None],
        ready: Callable[[], None],
        publish: Callable[[], None],
        sighted: Callable[[], None] = lambda: None,
    ):
        self._rt = rt
        self._faults = faults
        self._feed = feed
        self._ready = ready
        self._publish = publish
        self._sighted = sighted  # after each dump and change: is anything watched?

    def observe(self, obs: LinkObserved) -> None:
        self._rt.links[obs.interface] = obs
        self._feed(obs)

    async def run(self) -> None:
        """Watch until cancelled, a new watcher after each failure."""
        fault = self._faults["watcher"]
        while True:
            watcher: WatcherPort | None = None
            try:
                watcher = self._rt.parts.watcher(self._rt.config)
                self._rt.watcher = watcher
                await self._follow(watcher)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                first = fault.failed(exc)
                log.error(
                    "watcher failed (%s); new watcher in %.0fs",
                    fault.last_error,
                    fault.delay,
                    exc_info=first,
                )
                if first:
                    self._faults.alert_episode("watcher")
                self._ready()
                self._publish()
            finally:
                if watcher is not None:
                    with contextlib.suppress(Exception):
                        await watcher.close()
            await asyncio.sleep(fault.delay)

    async def _follow(self, watcher: WatcherPort) -> None:
        current = await watcher.start()
        self.reconcile(current)
        if not self._rt.synced:
            self._rt.synced = True
            self._feed(Synced())
        self._sighted()
        if self._faults["watcher"].ok():
            log.info("watcher recovered")
        freeze_startup()  # start-up is over: out of the collector's sight, before READY
        self._ready()
        async for obs in watcher.changes():
            self.observe(obs)
            self._sighted()
            # A burst of changes (a flapping cable) comes from the watcher without a
            # pause: let the control socket (``status``) and the timers in between.
            await asyncio.sleep(0)
        raise MonitorError("the watcher's stream of changes ended")

    def reconcile(self, current: list[LinkObserved]) -> None:
        """Feed a dump; an interface the engine thinks online but the dump lacks is gone."""
        seen = set()
        for obs in current:
            seen.add(obs.interface)
            self.observe(obs)
        for name in sorted(self._rt.state.online - seen):
            old = self._rt.links.get(name)
            self.observe(
                LinkObserved(
                    interface=name,
                    index=old.index if old else 0,
                    online=False,
                    carrier=None,
                    operstate="notpresent",
                    admin_up=False,
                    at=self._rt.now(),
                    present=False,
                )
            )
