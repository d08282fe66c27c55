"""Carrying out a step's effects, in the order restart safety needs.

The pattern goes to the indicator first (the lamp must follow the cable within
milliseconds). Then link events, opened sessions, alerts and transitions; alerts
are written to the outbox *before* the session rows that record them, so a
``kill -9`` between the two makes the restarted engine raise them again and the
outbox's idempotency key (``Alert.key``) drops the duplicate. Changed and closed
sessions come last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from monitor.daemon.alerting import Alerting
from monitor.daemon.clockwatch import ClockWatch
from monitor.daemon.lamp import Lamp
from monitor.daemon.runtime import Runtime
from monitor.daemon.traffic import TrafficMeter, with_traffic
from monitor.daemon.writes import WriteQueue
from monitor.domain.durations import format_duration
from monitor.domain.events import (
    AlertRaised,
    Effect,
    Input,
    LinkChanged,
    MediaChanged,
    PatternChanged,
    SessionChanged,
    SessionClosed,
    SessionOpened,
)
from monitor.domain.media import MediaObserved
from monitor.domain.model import LinkObserved, Session, Transition

log = logging.getLogger("monitor.daemon")


def describe(event: Input) -> str:
    """Return the input for the log: ``on LinkObserved eth0 online=True``."""
    why = f"on {type(event).__name__}"
    if isinstance(event, LinkObserved):
        why += f" {event.interface} online={event.online}"
    elif isinstance(event, MediaObserved):
        why += f" {event.medium.device} {event.action}"
    return why


class Effects:
    """Applies effects to the lamp, the register (through the write queue), the outbox
    and the traffic meter. ``closed()`` is called after a session closed (the daemon
    gives freed memory back a little later)."""

    def __init__(
        self,
        rt: Runtime,
        writes: WriteQueue,
        lamp: Lamp,
        alerting: Alerting,
        traffic: TrafficMeter,
        closed: Callable[[], None] = lambda: None,
        clock: ClockWatch | None = None,
    ):
        self._rt = rt
        self.clock = clock  # records the clock at session starts and ends
        self._writes = writes
        self._lamp = lamp
        self._alerting = alerting
        self._traffic = traffic
        self.closed = closed
        self._totals: tuple[int, int] | None = None
        self._measured: float | None = None
        # The open session's start on the monotonic clock (issue 13: its duration is
        # measured there while the daemon lives).
        self._opened: tuple[str, float] | None = None

    def apply(self, effects: Iterable[Effect], event: Input) -> None:
        """Carry out a step's effects (see the module docstring for the order)."""
        effects = tuple(effects)
        why = describe(event)
        for effect in effects:
            if isinstance(effect, PatternChanged):
                self._lamp.show(effect.pattern, effect.silenced, effect.reason)
        closing = [e for e in effects if isinstance(e, SessionClosed)]
        # The traffic figures of a closing session, read once for its alert and its row.
        self._totals = self._traffic.totals() if closing else None
        self._measured = self._measure(closing[0].session) if closing else None
        for effect in effects:
            if isinstance(effect, LinkChanged):
                self._link_changed(effect.observation, why)
            elif isinstance(effect, SessionOpened):
                self._session_opened(effect, why)
            elif isinstance(effect, AlertRaised):
                self._alert_raised(effect, why)
            elif isinstance(effect, Transition):
                self._transition(effect, why)
            elif isinstance(effect, MediaChanged):
                self._media_changed(effect.observation, why)
        for effect in effects:
            if isinstance(effect, SessionChanged):
                self._session_changed(effect, why)
            elif isinstance(effect, SessionClosed):
                self._session_closed(effect, why)

    def _link_changed(self, obs: LinkObserved, why: str) -> None:
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write("link event", lambda: rt.register.record_link_event(obs), why)
        if obs.online:
            self._traffic.start(obs.interface)
            self._alerting.link_up(why)
        else:
            self._traffic.sample(obs.interface)

    def _measure(self, s: Session) -> float | None:
        """Return the closing session's length on the monotonic clock: from its start
        (as seen by this daemon; a session restored from the register counts its time
        before the restart by the wall clock) to its end (``ended_at`` is the last link
        down, ``now - ended_at`` ago). None when ``s`` is not closed."""
        if s.ended_at is None:
            return None
        rt = self._rt
        now, mono = rt.now(), rt.clock.monotonic()
        if self._opened is not None and self._opened[0] == s.id:
            start = self._opened[1]
        else:
            start = mono - max(0.0, (now - s.started_at).total_seconds())
        end = mono - max(0.0, (now - s.ended_at).total_seconds())
        return max(0.0, end - start)

    def _noted(self, s: Session) -> Session:
        """Return ``s`` with the clock's note of its start (the engine's snapshot of the
        step that opened it does not have it yet)."""
        note = self.clock.notes.get(s.id) if self.clock is not None else None
        return replace(s, clock_note=note) if note and s.clock_note is None else s

    def _media_changed(self, obs: MediaObserved, why: str) -> None:
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write("media event", lambda: rt.register.record_media_event(obs), why)

    def _session_opened(self, effect: SessionOpened, why: str) -> None:
        s = effect.session
        rt = self._rt
        self._opened = (
            s.id,
            rt.clock.monotonic() - max(0.0, (rt.now() - s.started_at).total_seconds()),
        )
        if self.clock is not None and self.clock.session_opened(s.id) is not None:
            s = self._noted(s)
            st = self._rt.state  # later steps copy the engine's session: note it there
            if st.session is not None and st.session.id == s.id:
                self._rt.state = replace(st, session=self._noted(st.session))
        self._traffic.reset()
        for name in s.interfaces:
            self._traffic.start(name)
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write(f"session {s.id} opened", lambda: rt.register.open_session(s), why)

    def _alert_raised(self, effect: AlertRaised, why: str) -> None:
        alert = effect.alert
        s = alert.session
        if s is not None:
            s = self._noted(s)
            if s.ended_at is not None and self._totals is not None:
                s = replace(with_traffic(s, self._totals), measured_s=self._measured)
            alert = replace(alert, session=s)
        log.warning(
            "alert %s%s for session %s",
            alert.kind,
            f" (reminder {alert.reminder})" if alert.reminder else "",
            alert.session.id if alert.session else "-",
        )
        self._alerting.enqueue(alert, why)

    def _transition(self, t: Transition, why: str) -> None:
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write("transition", lambda: rt.register.record_transition(t), why)

    def _session_changed(self, effect: SessionChanged, why: str) -> None:
        s = self._noted(effect.session)
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write(f"session {s.id} changed", lambda: rt.register.update_session(s), why)

    def _session_closed(self, effect: SessionClosed, why: str) -> None:
        s = with_traffic(self._noted(effect.session), self._totals or self._traffic.totals())
        s = replace(s, measured_s=self._measured)
        self._opened = None
        if self.clock is not None:
            self.clock.session_closed(s.id)
        self.closed()
        log.info("session %s closed (%s, %s)", s.id, s.end_reason, format_duration(s.duration()))
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write(f"session {s.id} closed", lambda: rt.register.close_session(s), why)
        self._traffic.reset()
