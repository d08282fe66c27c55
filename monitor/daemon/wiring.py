"""The real parts: the one module of the daemon that imports concrete adapters.

Each adapter is imported where its factory runs (not at import), so that
``link-monitor run`` can import them while the config check runs in child
processes (``prewarm``), and a command that never runs the daemon pays nothing.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from monitor.config import Config
from monitor.daemon.logs import keep_off_status_line, quiet_libraries
from monitor.daemon.parts import Clock, IndicatorHooks, Parts
from monitor.daemon.ports import (
    ControlPort,
    Handler,
    IndicatorPort,
    MediaWatcherPort,
    NotifierPort,
    OutboxPort,
    RegisterPort,
    SenderPort,
    WatcherPort,
)
from monitor.domain.clock import ClockReading
from monitor.schedule import HolidayTable


def build_parts(
    *,
    holidays: HolidayTable | None = None,
    netns: str | None = None,
    notifier: NotifierPort | None = None,
    clock: Clock | None = None,
) -> Parts:
    """Return the real parts of a daemon.

    ``holidays``: the schedule's holiday source (as ``offload.load_checked`` returns
    it; None computes the tables in this process); ``netns``: watch the links of
    that named network namespace (tests); ``notifier``: sd_notify (default: the one
    ``$NOTIFY_SOCKET`` names, a no-op outside systemd)."""
    if notifier is None:
        from monitor.sdnotify import SystemdNotifier

        notifier = SystemdNotifier()

    def watcher(config: Config) -> WatcherPort:
        from monitor.links import build_watcher

        return build_watcher(config.link, netns=netns)

    def interface_names() -> list[str]:
        if netns is not None:
            return []  # the names of another namespace: not worth a socket there
        from monitor.links import interface_names

        return interface_names()

    return Parts(
        register=open_register,
        indicator=open_indicator,
        watcher=watcher,
        sender=child_sender,
        outbox=outbox_worker,
        control=control_server,
        load_config=load_checked,
        local_holidays=InProcessHolidays,
        traffic=traffic,
        notifier=notifier,
        clock=clock or Clock(),
        holidays=holidays,
        interfaces=interface_names,
        clock_reading=clock_reading,
        media=media_watcher,
    )


class InProcessHolidays:
    """The holiday tables computed in this process (the fallback when no child could
    check the config), cached per year."""

    def __init__(self, config: Config):
        self._config = config
        self._years: dict[int, dict[date, str]] = {}

    def __call__(self, year: int) -> dict[date, str]:
        if year not in self._years:
            from monitor.jobs import local_holidays  # imports the holiday library

            self._years[year] = local_holidays(self._config)(year)
        return self._years[year]

    def ensure(self, years: Iterable[int]) -> None:
        for year in years:
            self(year)


def open_register(config: Config) -> RegisterPort:
    """Open the daemon's register: compared with the witness of the last run, every
    page read once; a damaged, empty, older or rebuilt file is moved aside and a new
    register names it (``Register.found_at_start`` says what was found)."""
    from monitor.compat import UTC
    from monitor.register import open_for_daemon

    # The wall clock, not the daemon's: it names the file moved aside now.
    return open_for_daemon(config.store.path, datetime.now(UTC)).register


def open_indicator(config: Config, hooks: IndicatorHooks) -> IndicatorPort:
    from monitor.indicator import build_indicator

    indicator: IndicatorPort = build_indicator(
        config.indicator, on_ack=hooks.on_ack, on_fault=hooks.on_fault, on_restore=hooks.on_restore
    )
    around = getattr(indicator, "write_around", None)  # the console's status line
    if around is not None:
        keep_off_status_line(around)
    return indicator


def child_sender(config: Config) -> SenderPort:
    from monitor.children.sender import ChildSender

    return ChildSender(config.alerts)


def outbox_worker(
    register: RegisterPort, config: Config, sender: SenderPort, clock: Clock, instance: str
) -> OutboxPort:
    from monitor.alerts.outbox import OutboxWorker

    # ``sender`` is a ChildSender (or a test's), with alerts.sender.Sender's interface.
    return OutboxWorker(
        register,
        config.alerts,
        sender=sender,  # type: ignore[arg-type]
        zone=config.timezone,
        clock=clock.now,
        monotonic=clock.monotonic,
        remind_every=config.limits.remind_every,
        instance=instance,
    )


def control_server(config: Config, handler: Handler) -> ControlPort:
    from monitor.control import ControlServer

    return ControlServer(config.control.socket, handler, max_request=config.control.max_request)


def media_watcher(config: Config) -> MediaWatcherPort:
    from monitor.media import MediaWatcher

    return MediaWatcher()


def load_checked(path: Path | None, now: datetime) -> tuple[Config, str, HolidayTable | None]:
    from monitor.jobs import load_checked as load

    return load(path, now)


def clock_reading() -> ClockReading:
    from monitor.timesync import read_clock

    return read_clock()


def traffic(names: Iterable[str]) -> dict[str, tuple[int, int]]:
    from monitor.links import traffic as read

    return read(names)


def prewarm(config: Config) -> None:
    """Import the modules ``Daemon.run`` will need (no side effects: STYLE 9). A
    missing one is reported where it is used."""
    names = ["monitor.register", "monitor.alerts.outbox", "monitor.indicator"]
    if config.link.method == "netlink":
        names.append("pyroute2")
    if config.indicator.kind in ("auto", "gpio"):
        names.append("monitor.indicator.gpio")
    for name in names:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    quiet_libraries()
