"""What every piece of the daemon reads: the config in force, the engine's state and
the parts that are open. One mutable object, owned by ``Daemon``; a reload swaps
the config, schedule and engine in it at once."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from monitor.config import Config
from monitor.daemon.parts import Parts
from monitor.daemon.ports import (
    HolidayPreload,
    IndicatorPort,
    OutboxPort,
    RegisterPort,
    SenderPort,
    WatcherPort,
)
from monitor.domain.model import LinkObserved
from monitor.engine import Engine, EngineState
from monitor.errors import MonitorError
from monitor.schedule import HolidayTable, Schedule


class NotOpen(MonitorError, RuntimeError):
    """A part was used before the daemon opened it (or after it closed)."""


class Runtime:
    """The daemon's shared state. ``register``, ``indicator`` and ``outbox`` raise
    ``NotOpen`` until ``Daemon.run`` has opened them."""

    def __init__(self, config: Config, source: str, config_path: Path | None, parts: Parts):
        self.parts = parts
        self.clock = parts.clock
        self.timing = parts.timing
        self.config_path = config_path
        self.use(config, source, parts.holidays)
        self.state: EngineState = self.engine.initial()
        self.started_at = self.clock.now()
        # This run of the daemon: its outbox claims are held under this id (issue 13).
        self.instance = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.loop: asyncio.AbstractEventLoop | None = None
        self.open_register: RegisterPort | None = None
        self.open_indicator: IndicatorPort | None = None
        self.open_outbox: OutboxPort | None = None
        self.sender: SenderPort | None = None
        self.watcher: WatcherPort | None = None
        self.links: dict[str, LinkObserved] = {}
        self.synced = False
        self.steps = 0
        self.wake_at: datetime | None = None

    def use(self, config: Config, source: str, holidays: HolidayTable | None) -> None:
        """Put ``config`` (read from ``source``) in force with its holiday source."""
        table = holidays if holidays is not None else self.parts.local_holidays(config)
        self.config = config
        self.source = source
        self.holidays: HolidayPreload = preload_of(table)
        self.schedule = Schedule(config, holidays=table)
        self.engine = Engine(config, self.schedule)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def register(self) -> RegisterPort:
        if self.open_register is None:
            raise NotOpen("the register is not open")
        return self.open_register

    @property
    def indicator(self) -> IndicatorPort:
        if self.open_indicator is None:
            raise NotOpen("the indicator is not open")
        return self.open_indicator

    @property
    def outbox(self) -> OutboxPort:
        if self.open_outbox is None:
            raise NotOpen("the outbox worker is not running")
        return self.open_outbox


class _EachYear:
    """``ensure`` for a holiday source that only loads a year when asked for it."""

    def __init__(self, table: HolidayTable):
        self._table = table

    def ensure(self, years: Iterable[int]) -> None:
        for year in years:
            self._table(year)


def preload_of(table: HolidayTable) -> HolidayPreload:
    """Return the object whose ``ensure(years)`` loads ``table``'s years ahead: the
    table itself when it has that method, else one that asks it for each year."""
    ensure = getattr(table, "ensure", None)
    if callable(ensure):
        preload: HolidayPreload = table  # type: ignore[assignment]
        return preload
    return _EachYear(table)
