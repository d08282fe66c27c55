"""The one seam of the daemon: ``Parts``, what it is built from.

``monitor.daemon.wiring.build_parts(config)`` builds the real ones; a test builds a
``Parts`` of its own (a fake watcher fed from a queue, a recording sender, a clock it
moves) and hands it to ``Daemon``. Parts that hold a resource or call back into the
daemon are factories: the register, the indicator and the control socket are opened
when the daemon runs, the watcher is built again after a failure, the sender and
outbox worker again after a reload that changes the alerts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from monitor.compat import UTC
from monitor.config import Config
from monitor.daemon.ports import (
    ControlPort,
    Handler,
    IndicatorPort,
    MediaWatcherPort,
    NotifierPort,
    OutboxPort,
    RegisterPort,
    SenderPort,
    TrafficReader,
    WatcherPort,
)
from monitor.domain.clock import ClockReading
from monitor.schedule import HolidayTable


def utcnow() -> datetime:
    return datetime.now(UTC)


def no_names() -> list[str]:
    return []


def unknown_clock() -> ClockReading:
    return ClockReading(None)


@dataclass(frozen=True)
class Clock:
    """The daemon's only clocks: ``now`` (aware wall time, UTC), ``monotonic`` (seconds,
    for durations) and ``timestamp`` (POSIX seconds, for the benchmark's log line)."""

    now: Callable[[], datetime] = utcnow
    monotonic: Callable[[], float] = time.monotonic
    timestamp: Callable[[], float] = time.time


@dataclass(frozen=True)
class Timing:
    """The daemon's delays, in seconds (tests shorten them)."""

    #: Backoff for a failing part (indicator, register, watcher): first, then doubling.
    backoff_first: float = 1.0
    backoff_max: float = 60.0
    #: Heartbeat when systemd asks for no watchdog: how often ``last_seen`` is stored
    #: while a session is open.
    heartbeat: float = 30.0
    #: While no session is open: how often the register's alive mark is set (no
    #: write to the register itself; half the printout's 10 min "monitor down").
    alive_every: float = 300.0
    #: ``last_seen`` is also stored after a step, at most this often.
    last_seen_every: float = 1.0
    #: A timer never sleeps longer than this, in case the wall clock jumps.
    max_sleep: float = 3600.0
    #: A link came up: the send child started then waits this long for an alert
    #: before it is let go (the default ``link.settle`` is 2 s).
    warm_for: float = 60.0
    #: After a session closes, give freed heap back this much later.
    trim_after: float = 5.0
    #: On a clean stop, give queued alerts this long to leave (a send starts a child
    #: process, ~1 s before it talks to the server).
    stop_grace: float = 5.0
    #: At stop, a send in progress may finish this long before it is killed (the
    #: unit's TimeoutStopSec=20s covers stop_grace + send_grace).
    send_grace: float = 3.0
    #: Load the next year's holiday tables this long before New Year (local time).
    holidays_ahead: timedelta = timedelta(hours=6)
    #: While someone follows the status stream, look for changes this often.
    stream_every: float = 1.0


@dataclass(frozen=True)
class IndicatorHooks:
    """What an indicator calls back, from any thread: its button (``on_ack(source)``),
    and that it cannot show anything (``on_fault``) or can again (``on_restore``)."""

    on_ack: Callable[[str], None]
    on_fault: Callable[[str], None]
    on_restore: Callable[[str], None]


#: ``load(path, now) -> (config, source, holiday source)``; raise ConfigError.
ConfigLoader = Callable[[Path | None, datetime], tuple[Config, str, HolidayTable | None]]


@dataclass
class Parts:
    """Everything the daemon is made of besides its own logic.

    ``register(config)``, ``indicator(config, hooks)`` and ``control(config, handler)``
    open their part (raise ``MonitorError`` when it cannot be: the daemon does not
    start); ``watcher(config)`` returns a new, not yet started watcher;
    ``sender(config)`` the alert sender and ``outbox(register, config, sender, clock,
    instance)`` the worker over it (the daemon's clocks; ``instance``: the id its
    claims are held under, new at each start); ``load_config`` reads the
    config again for a reload; ``traffic`` reads interface byte counters; ``holidays``
    is the schedule's holiday source, and ``local_holidays(config)`` the one used when
    the config loader gave none (the holiday library in this process); ``media``
    builds the removable-media watcher; ``interfaces()`` names this machine's
    interfaces (for the alert that none of them is watched); ``clock_reading()`` is
    the kernel's word on the wall clock."""

    register: Callable[[Config], RegisterPort]
    indicator: Callable[[Config, IndicatorHooks], IndicatorPort]
    watcher: Callable[[Config], WatcherPort]
    sender: Callable[[Config], SenderPort]
    outbox: Callable[[RegisterPort, Config, SenderPort, Clock, str], OutboxPort]
    control: Callable[[Config, Handler], ControlPort]
    load_config: ConfigLoader
    local_holidays: Callable[[Config], HolidayTable]
    traffic: TrafficReader
    notifier: NotifierPort
    clock: Clock = field(default_factory=Clock)
    timing: Timing = field(default_factory=Timing)
    holidays: HolidayTable | None = None
    interfaces: Callable[[], list[str]] = no_names
    clock_reading: Callable[[], ClockReading] = unknown_clock
    #: ``media(config)``: a new, not yet started removable-media watcher; None: no
    #: media are watched (``media.watch = false`` also turns it off).
    media: Callable[[Config], MediaWatcherPort] | None = None
