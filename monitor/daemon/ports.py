"""The daemon's view of its parts: the small Protocols it talks to.

The concrete adapters (``monitor.register``, ``monitor.indicator``, ``monitor.links``,
``monitor.alerts``, ``monitor.children``, ``monitor.control``, ``monitor.sdnotify``) are
imported by ``monitor.daemon.wiring`` only; everything else in the daemon package knows
its parts by these Protocols, and tests pass their own objects that fit them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from monitor.domain.enums import Pattern
from monitor.domain.media import MediaObserved, RegisteredMedium
from monitor.domain.model import Alert, LinkObserved, Permit, Session, Transition


class RegisterPort(Protocol):
    """The register's writes and reads the daemon uses (``monitor.register.Register``)."""

    def close(self) -> None: ...

    def current_session(self) -> Session | None: ...

    def last_seen(self) -> datetime | None: ...

    def set_last_seen(self, at: datetime) -> None: ...

    def mark_alive(self, at: datetime) -> None: ...

    def valid_permits(self, now: datetime) -> list[Permit]: ...

    def add_permit(self, p: Permit) -> Permit: ...

    def record_ack(
        self, by: str, source: str, at: datetime, session_id: str | None = None
    ) -> int: ...

    def record_link_event(self, obs: LinkObserved) -> int: ...

    def record_transition(self, t: Transition) -> int: ...

    def open_session(self, s: Session) -> None: ...

    def update_session(self, s: Session) -> None: ...

    def close_session(self, s: Session) -> None: ...

    def outbox_summary(self) -> dict[str, Any]: ...

    def restore(
        self,
        now: datetime,
        *,
        lease: timedelta = ...,
        max_delay: timedelta,
        permits: list[Permit],
    ) -> Any: ...

    def file_problem(self) -> str | None: ...

    def note_witness(self, at: datetime) -> bool: ...

    def rescue(self, at: datetime) -> Any: ...

    def record_media_event(self, obs: MediaObserved) -> int: ...

    def medium_by_serial(self, serial: str) -> RegisteredMedium | None: ...


class IndicatorPort(Protocol):
    """The lamp and buzzer (``monitor.indicator.Indicator``)."""

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None: ...

    def start_heartbeat(self) -> None: ...

    def stop_heartbeat(self) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def close(self, *, keep_led: bool = True) -> None: ...


class WatcherPort(Protocol):
    """One link watcher (``monitor.links.LinkWatcher``): a dump, then a stream of changes."""

    async def start(self) -> list[LinkObserved]: ...

    def changes(self) -> AsyncIterator[LinkObserved]: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


class MediaWatcherPort(Protocol):
    """The removable-media watcher (``monitor.media.MediaWatcher``): the media present
    at start, then each insertion and removal."""

    async def start(self) -> list[MediaObserved]: ...

    def changes(self) -> AsyncIterator[MediaObserved]: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


class OutboxPort(Protocol):
    """The outbox worker (``monitor.alerts.outbox.OutboxWorker``) over the register's outbox."""

    def enqueue(self, alert: Alert) -> int | None: ...

    def link_up(self) -> None: ...

    async def run(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


class SenderPort(Protocol):
    """What the daemon itself asks of the alert sender: to get the next send ready
    (``warm``, when a link comes up) or stop holding it ready (``cool``), both blocking
    (run in a thread); to stop sending at exit (``kill``)."""

    def warm(self) -> None: ...

    def cool(self) -> None: ...

    def kill(self) -> None: ...


class ControlPort(Protocol):
    """The control socket server (``monitor.control.ControlServer``)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class NotifierPort(Protocol):
    """sd_notify (``monitor.sdnotify.SystemdNotifier``)."""

    @property
    def enabled(self) -> bool: ...

    def watchdog_interval(self) -> timedelta | None: ...

    def ready(self, status: str = "") -> bool: ...

    def status(self, text: str) -> bool: ...

    def watchdog(self) -> bool: ...

    def reloading(self) -> bool: ...

    def stopping(self, status: str = "") -> bool: ...

    def close(self) -> None: ...


class HolidayPreload(Protocol):
    """A holiday source that can load the tables of some years ahead. Blocking: the
    daemon calls it in a thread, never from the engine's step."""

    def ensure(self, years: Iterable[int]) -> None: ...


#: ``handler(request, peer)`` of the control server: the reply's fields.
Handler = Callable[[Any, Any], Awaitable[dict[str, Any]]]
#: ``{interface: (bytes_sent, bytes_received)}`` of those present now.
TrafficReader = Callable[[Iterable[str]], dict[str, tuple[int, int]]]
