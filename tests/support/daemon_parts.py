"""Parts for running the real ``Daemon`` in the test's own process, without root.

The real register (SQLite in a tmp dir), the real outbox worker and the real control
socket; in place of what needs root or a network: a watcher fed from an asyncio
queue (``Links``), an indicator that records the patterns shown (``Lamp``), a
sender that records the mails (``Mailbox``), a clock the test moves (``ManualClock``),
a config loader that reads the test's file in this process and a holiday table that
records which years were loaded ahead.

With root, ``on_real_parts`` runs the real daemon on its real parts (its watcher on a
namespace's cable) but the few a test swaps, its loop in a thread (``DaemonThread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.compat import UTC
from monitor.config import Config, parse_config_text, read_config_text
from monitor.daemon import Clock, Daemon, Parts, Timing, build_parts
from monitor.daemon.wiring import control_server, open_register, outbox_worker
from monitor.domain.delivery import Delivery
from monitor.domain.enums import Pattern
from monitor.domain.model import LinkObserved
from monitor.errors import MonitorError
from tests.support.daemon import ControlSocket, daemon_config
from tests.support.daemon import until as wait_until

#: Wednesday 4 March 2026, 10:00 in Tokyo: inside the tests' clinic hours.
START = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)


def config_text(
    tmp: Path,
    *,
    clinic: str = "09:00-12:00",
    maintenance: str = "13:00-17:00",
    language: str = "en",
    extra: str = "",
) -> str:
    return daemon_config(
        tmp,
        clinic=clinic,
        maintenance=maintenance,
        settle="0s",
        alerts=f'language = "{language}"\nurls = ["json://localhost/"]',
        extra="\n[calendar]\nclosed = []\n" + extra,
    )


class ManualClock:
    """The daemon's wall clock, moved by the test. ``advance`` is time passing: the
    monotonic clock (real time plus every advance) moves with it; ``jump`` sets the
    wall clock alone, as someone setting the clock would (a ``clock`` jump)."""

    def __init__(self, now: datetime = START):
        self.at = now
        self.advanced = 0.0  # seconds added to the real monotonic clock

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return time.monotonic() + self.advanced

    def advance(self, by: timedelta) -> datetime:
        self.at += by
        self.advanced += by.total_seconds()
        return self.at

    def jump(self, by: timedelta) -> datetime:
        self.at += by
        return self.at

    def clock(self) -> Clock:
        return Clock(now=self.now, monotonic=self.monotonic)


class WatcherFailed(MonitorError):
    """Put in the ``Links`` queue: the watcher's stream fails there."""


class Links:
    """What the fake watchers see: a dump (``present``: ``eth0`` without a cable, as on
    the receipt PC; ``interfaces`` names others) and a queue of changes.

    ``fail_builds`` makes that many next builds raise (a netlink socket that cannot
    be opened). ``built`` counts the watchers built."""

    def __init__(self, clock: ManualClock, interfaces: Iterable[str] = ("eth0",)):
        self.clock = clock
        self.present: dict[str, LinkObserved] = {
            name: self.observation(name, False) for name in interfaces
        }
        self.queue: asyncio.Queue[LinkObserved | Exception] | None = None
        self.fail_builds = 0
        self.built = 0

    def observation(self, name: str, online: bool) -> LinkObserved:
        return LinkObserved(
            interface=name,
            index=2,
            online=online,
            carrier=online,
            operstate="up" if online else "down",
            admin_up=True,
            at=self.clock.now(),
        )

    def plug(self, name: str = "eth0") -> None:
        self._put(self.observation(name, True))

    def unplug(self, name: str = "eth0") -> None:
        self._put(self.observation(name, False))

    def remove(self, name: str = "eth0") -> None:
        """The interface goes away (a USB NIC pulled out): reported once, not present."""
        obs = self.observation(name, False)
        gone = LinkObserved(
            interface=name,
            index=obs.index,
            online=False,
            carrier=None,
            operstate="notpresent",
            admin_up=False,
            at=obs.at,
            present=False,
        )
        self.present.pop(name, None)
        assert self.queue is not None, "no watcher runs yet"
        self.queue.put_nowait(gone)

    def fail(self, message: str = "netlink socket closed") -> None:
        assert self.queue is not None
        self.queue.put_nowait(WatcherFailed(message))

    def _put(self, obs: LinkObserved) -> None:
        self.present[obs.interface] = obs
        assert self.queue is not None, "no watcher runs yet"
        self.queue.put_nowait(obs)

    def build(self, config: Config) -> FakeWatcher:
        self.built += 1
        if self.fail_builds:
            self.fail_builds -= 1
            raise WatcherFailed("cannot open a netlink socket")
        self.queue = asyncio.Queue()
        return FakeWatcher(self, self.queue)


class FakeWatcher:
    def __init__(self, links: Links, queue: asyncio.Queue[LinkObserved | Exception]):
        self._links = links
        self._queue = queue
        self.closed = False

    async def start(self) -> list[LinkObserved]:
        return list(self._links.present.values())

    async def changes(self) -> AsyncIterator[LinkObserved]:
        while True:
            item = await self._queue.get()
            if isinstance(item, Exception):
                raise item
            yield item

    async def close(self) -> None:
        self.closed = True

    def status(self) -> dict[str, Any]:
        return {"method": "test", "closed": self.closed}


class Lamp:
    """An indicator that records what it is asked to show; ``broken`` makes ``show``
    fail like a pin that stopped answering."""

    def __init__(self) -> None:
        self.shown: list[tuple[Pattern, bool]] = []
        self.broken = False
        self.heartbeat = False
        self.closed = False
        self.hooks: Any = None

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        if self.broken:
            raise OSError(5, "GPIO17 does not answer")
        self.shown.append((pattern, silenced))

    @property
    def patterns(self) -> list[str]:
        return [str(p) for p, _ in self.shown]

    def start_heartbeat(self) -> None:
        self.heartbeat = True

    def stop_heartbeat(self) -> None:
        self.heartbeat = False

    def state(self) -> dict[str, Any]:
        return {"kind": "test", "pattern": self.patterns[-1] if self.shown else None}

    def close(self, *, keep_led: bool = True) -> None:
        self.closed = True


@dataclass
class Mailbox:
    """A sender that records each mail (title, body, severity) and accepts it."""

    mails: list[tuple[str, str, str]] = field(default_factory=list)
    killed: bool = False
    warmed: int = 0  # times asked to get the next send ready
    cooled: int = 0
    services: list[str] = field(default_factory=lambda: ["json://localhost/"])
    problems: list[tuple[str, str]] = field(default_factory=list)
    loaded: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(
        self,
        title: str,
        body: str,
        *,
        severity: str = "warning",
        skip: Iterable[int] = (),
        receipt: Any = None,
    ) -> list[Delivery]:
        with self.lock:
            self.mails.append((title, body, str(severity)))
        return [Delivery(0, "json://localhost/", True)]

    def warm(self) -> None:
        with self.lock:
            self.warmed += 1

    def cool(self) -> None:
        with self.lock:
            self.cooled += 1

    def kill(self, grace: float = 0.0) -> None:
        self.killed = True

    def titles(self) -> list[str]:
        with self.lock:
            return [m[0] for m in self.mails]


class Holidays:
    """A holiday table (none in the tests' years) that records the years loaded ahead."""

    def __init__(self) -> None:
        self.ensured: list[list[int]] = []
        self.asked: set[int] = set()

    def __call__(self, year: int) -> dict[date, str]:
        self.asked.add(year)
        return {}

    def ensure(self, years: Iterable[int]) -> None:
        self.ensured.append(sorted(years))


def load_in_process(path: Path | None, now: datetime) -> tuple[Config, str, Holidays]:
    """Read and check ``path`` in this process (the real loader checks in children)."""
    assert path is not None
    return parse_config_text(read_config_text(path), str(path)), str(path), Holidays()


@dataclass
class Rig:
    """A daemon on test parts, and the parts to look at."""

    daemon: Daemon
    clock: ManualClock
    links: Links
    lamp: Lamp
    mailbox: Mailbox
    holidays: Holidays
    config_path: Path
    counters: dict[str, tuple[int, int]]  # the interfaces' (sent, received) byte counters

    @property
    def store(self) -> Path:
        return self.daemon.config.store.path

    @property
    def socket(self) -> Path:
        return self.daemon.config.control.socket


FAST = Timing(
    backoff_first=0.05,
    backoff_max=0.2,
    heartbeat=0.05,
    alive_every=0.05,
    stop_grace=2.0,
    trim_after=0.01,
)


def rig(
    tmp: Path,
    text: str | None = None,
    *,
    clock: ManualClock | None = None,
    timing: Timing = FAST,
    notifier: Any = None,
    loader: Callable[..., Any] = load_in_process,
    interfaces: Iterable[str] = ("eth0",),
    clock_reading: Callable[[], Any] | None = None,
) -> Rig:
    """Return a daemon on test parts, reading ``text`` (default ``config_text``) from
    ``tmp/link-monitor.toml``; ``interfaces`` are present at start, offline."""
    from monitor.sdnotify import SystemdNotifier

    path = tmp / "link-monitor.toml"
    path.write_text(text if text is not None else config_text(tmp))
    clock = clock or ManualClock()
    links, lamp, mailbox, holidays = Links(clock, interfaces), Lamp(), Mailbox(), Holidays()
    counters: dict[str, tuple[int, int]] = {}
    config = parse_config_text(path.read_text(), str(path))

    def indicator(config: Config, hooks: Any) -> Lamp:
        lamp.hooks = hooks
        return lamp

    parts = Parts(
        register=open_register,
        indicator=indicator,
        watcher=links.build,
        sender=lambda config: mailbox,
        outbox=outbox_worker,
        control=control_server,
        load_config=loader,
        local_holidays=lambda config: holidays,
        traffic=lambda names: {n: counters[n] for n in names if n in counters},
        notifier=notifier or SystemdNotifier(environ={}),
        clock=clock.clock(),
        timing=timing,
        holidays=holidays,
        interfaces=lambda: sorted({"lo", *links.present}),
        **({"clock_reading": clock_reading} if clock_reading is not None else {}),
    )
    daemon = Daemon(config, parts, source=str(path), config_path=path)
    return Rig(daemon, clock, links, lamp, mailbox, holidays, path, counters)


async def until(fn: Callable[[], Any], timeout: float, what: str) -> Any:
    """Return ``fn()`` as soon as it is truthy, letting the loop run meanwhile; fail
    after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.01)


class Running:
    """``async with Running(rig) as r``: the daemon runs in this loop until the block
    ends, then stops; ``code`` is its exit status."""

    def __init__(self, rig: Rig):
        self.rig = rig
        self.task: asyncio.Task[int] | None = None
        self.code: int | None = None

    async def __aenter__(self) -> Rig:
        daemon = self.rig.daemon
        self.task = asyncio.ensure_future(daemon.run())
        await until(lambda: daemon.rt.synced or self.task.done(), 5, "the first link dump")
        if self.task.done():
            raise AssertionError(f"the daemon ended with {self.task.result()}")
        return self.rig

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.rig.daemon.stop()
        self.code = await asyncio.wait_for(self.task, 15)


class DaemonThread(ControlSocket):
    """The daemon's loop in a thread; the test talks to it through the control socket."""

    def __init__(self, daemon: Daemon):
        self.daemon = daemon
        self.socket = daemon.config.control.socket
        self.loop = asyncio.new_event_loop()
        self.code: int | None = None
        self.thread = threading.Thread(target=self._run, name="daemon-under-test")

    def _run(self) -> None:
        try:
            self.code = self.loop.run_until_complete(self.daemon.run())
        finally:
            self.loop.close()

    def start(self) -> DaemonThread:
        self.thread.start()
        wait_until(self._synced, 15, "the daemon answers status after its first link dump")
        return self

    def _synced(self) -> bool:
        if not self.thread.is_alive():
            raise AssertionError(f"the daemon ended with {self.code}")
        return self.answers_synced()

    def stop(self) -> int | None:
        if self.thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self.loop.call_soon_threadsafe(self.daemon.stop)
            self.thread.join(20)
        return self.code


def on_real_parts(config: Config, netns: str, **swapped: Any) -> DaemonThread:
    """Return, not started, the real daemon on the real parts (its netlink watcher on
    the namespace ``netns``) but for the parts named in ``swapped``."""
    parts = build_parts(netns=netns)
    for name, part in swapped.items():
        setattr(parts, name, part)
    return DaemonThread(Daemon(config, parts, source="test"))
