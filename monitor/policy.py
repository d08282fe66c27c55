"""The engine: sessions, verdicts, indicator pattern, alerts to raise, next wake-up.

Pure: ``Engine.step(state, event, now)`` returns the new state, the effects to
carry out, and the instant at which the engine next needs a ``Tick``. It never
reads a clock, a socket or a pin. The daemon owns every side effect.

CONTRACT (the types below are shared by register, notify, daemon, indicator):

    Engine(config, schedule)
    Engine.initial() -> EngineState
    Engine.step(state, event, now) -> Step(state, effects, wake_at)

Inputs: ``LinkObserved`` (monitor.links), ``Tick``, ``PermitGranted``,
``Acknowledged``, ``Restored``, ``Synced``.
Effects: ``LinkChanged``, ``SessionOpened``, ``SessionChanged``, ``SessionClosed``,
``AlertRaised``, ``PatternChanged``, ``Transition``.

Semantics (see DESIGN.md, "Domain model"):
- Online = any watched interface online (``link.watches`` is checked again here; a
  removed interface is offline). Only a change of an interface's online state is a
  ``LinkChanged``: repeated kernel messages produce nothing. The pattern follows
  the links at once: ``off`` exactly when no watched link is online.
- A session opens at the first watched link up (id ``session_id(started_at)``). It
  closes once every watched link has been down for ``link.settle``; its ``ended_at``
  is the instant the last link went down (so a flapping cable is one session, not
  an alert storm). A link up exactly ``settle`` after the last down opens a new one.
- Periods touched are recorded at once and exactly: while a link is up, every
  schedule boundary between two steps is walked, so a late wake-up cannot skip a
  clinic period. The indicator pattern uses them at once too (the person at the
  cable hears the buzzer immediately): ``alarm`` once the session touched clinic
  hours (until the session ends), else ``warn`` while now off-hours, overdue or
  lacking a required permit, else ``on``.
- Alerts and verdicts wait until the session *settles*: the first instant at which a
  link is up at least ``link.settle`` after the session started. A wiggle never
  settles, so it emails nobody and keeps no verdict. At settling, every period
  touched so far counts (a session that started in the last second of clinic hours
  and lasted past settle is a clinic-hours session). Once settled, deadlines
  (overdue, reminders) are kept even while the links are briefly down.
- Verdicts (``Session.verdicts``, in order of first occurrence; ``permitted`` first
  when the session settles without a problem, so ``(permitted, overdue)`` reads as a
  history; empty for a session that never settled): ``clinic-hours`` (touched
  clinic; critical), ``outside-window`` (touched off-hours; permits never override
  windows), ``no-permit`` (``limits.require_permit`` and no permit linked when
  evaluated; a later permit ends the warning, not the verdict), ``overdue``
  (duration >= ``max_session``, or the permit's ``expected`` if longer and
  ``limits.permit_extends``). One alert per session and kind; ``overdue`` is
  followed by reminders (1, 2, ...) each ``limits.remind_every`` after the previous
  one, only while still overdue; after a long gap one reminder is raised, not a
  burst. ``resolved`` (info) once when a session that raised any alert closes,
  carrying the closed snapshot. Every alert carries the session snapshot after the
  step's changes and the ``PeriodInfo`` at ``now``.
- Permits: a ``PermitGranted`` valid now is linked to the open session if it has
  none, else kept pending and linked to the next session that opens while it is
  valid (oldest first). Expired permits are dropped; the same permit twice is one.
- ``Acknowledged`` silences the buzzer while the pattern is ``alarm`` (no effect
  otherwise); the silence lasts through flaps of the same session and ends when a
  ``clinic-hours`` alert is raised, when a session first enters clinic hours, and
  when the session ends.
- A ``Restored`` session keeps its alerts: nothing already raised is raised again;
  reminders continue from its last reminder number and instant. It is ignored if a
  session is already open. The time the monitor was down counts as connected if a
  link is up when the dump arrives (its periods are walked from ``last_seen``).
  After ``Synced`` (the watcher's first dump is in), a restored session with no
  watched link online is closed with ``EndReason.RECOVERED`` at its ``last_seen``
  (plus ``resolved`` if it had raised anything); with a link online it continues
  with its original ``started_at``. The daemon must feed: unused permits, Restored,
  the dump, then Synced.
- ``Transition`` records every change of the machine (offline/online), the pattern,
  the buzzer (sounding/silenced, with who acknowledged) and the session's worst
  verdict (``session:<id>``: None -> permitted at opening, then each worsening).
- Effects of one step come in this order: a close that fell due before ``now``
  (closed, then resolved), link, machine, session opened/changed (one
  ``SessionChanged`` per step with the final snapshot, before the alerts that carry
  it), its alerts, its verdict transition, a close caused by the input, pattern.
- ``wake_at``: the earliest future instant among the settle deadline (settling or
  closing), the overdue deadline or next reminder, and the schedule's next change
  (only while a link is up). ``None`` when no session is open: an idle monitor
  does no periodic work. A ``Tick`` at any instant is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.compat import UTC
from monitor.config import Config
from monitor.domain.enums import (
    AlertKind,
    BuzzerState,
    EndReason,
    Entity,
    MachineState,
    Pattern,
    Period,
    Severity,
    Verdict,
)
from monitor.domain.events import (
    Acknowledged,
    AlertRaised,
    Effect,
    Input,
    LinkChanged,
    PatternChanged,
    PermitGranted,
    Restored,
    SessionChanged,
    SessionClosed,
    SessionOpened,
    Synced,
    Tick,
)
from monitor.domain.model import (
    Alert,
    AlertRecord,
    LinkObserved,
    PeriodInfo,
    Permit,
    Session,
    Transition,
    session_id,
)
from monitor.schedule import Schedule


@dataclass(frozen=True)
class EngineState:
    """Everything the engine knows. Immutable; ``step`` returns a new one."""

    online: frozenset[str] = frozenset()  # watched interfaces online now
    session: Session | None = None
    pending_permits: tuple[Permit, ...] = ()  # granted, not yet linked to a session
    pattern: Pattern = Pattern.OFF
    silenced: bool = False  # the buzzer was acknowledged during the open session
    synced: bool = False
    last_down: datetime | None = None  # when the last watched link went down (settling)
    # The session's periods are accounted up to this instant (set while a link is online):
    # the next step walks the schedule's boundaries from here to ``now``, so a late
    # wake-up cannot skip a period the connection crossed.
    periods_until: datetime | None = None
    # The session came from ``Restored`` and the link table is not known yet (no
    # ``Synced``): the time the monitor was down counts as connected if a link is up.
    restored: bool = False
    # The session has been online at some instant at least ``link.settle`` after it
    # started: from then on its verdicts, alerts and reminders are due even while its
    # links are briefly down (so reminders keep their spacing through a wiggle).
    settled: bool = False


@dataclass(frozen=True)
class Step:
    state: EngineState
    effects: tuple[Effect, ...]
    wake_at: datetime | None  # when to send the next Tick; None = only on input


_SEVERITY = {
    AlertKind.CLINIC_HOURS: Severity.CRITICAL,
    AlertKind.OUTSIDE_WINDOW: Severity.WARNING,
    AlertKind.NO_PERMIT: Severity.WARNING,
    AlertKind.OVERDUE: Severity.WARNING,
    AlertKind.RESOLVED: Severity.INFO,
    AlertKind.MONITOR: Severity.WARNING,
}

# Verdicts are checked (and, within one step, recorded) in this order.
_CHECKS = (
    (Verdict.CLINIC_HOURS, AlertKind.CLINIC_HOURS),
    (Verdict.OUTSIDE_WINDOW, AlertKind.OUTSIDE_WINDOW),
    (Verdict.NO_PERMIT, AlertKind.NO_PERMIT),
    (Verdict.OVERDUE, AlertKind.OVERDUE),
)

# After a long gap (a restored session, a suspended machine) the period walk stops
# after this many boundaries; there are only three periods, so this is ample.
_MAX_BOUNDARIES = 64


class Engine:
    """The decision function under one config. Pure."""

    def __init__(self, config: Config, schedule: Schedule):
        self.config = config
        self.schedule = schedule

    def initial(self) -> EngineState:
        """Return the state of a monitor that knows nothing yet."""
        return EngineState()

    def step(self, state: EngineState, event: Input, now: datetime) -> Step:
        """Return the state, effects and next wake-up after ``event`` at aware ``now``.

        Raise ValueError if ``now`` is naive, TypeError if ``event`` is not an input.
        A ``Tick`` (or any input) repeated at the same instant yields no effects."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be an aware datetime, got {now!r}")
        return _Run(self, state, now.astimezone(UTC)).run(event)

    def overdue_limit(self, session: Session) -> timedelta:
        """Return how long ``session`` may last before it is overdue: ``limits.max_session``,
        or the linked permit's expected duration if longer and ``limits.permit_extends``."""
        limits = self.config.limits
        permit = session.permit
        if limits.permit_extends and permit is not None and permit.expected > limits.max_session:
            return permit.expected
        return limits.max_session


class _Run:
    """One step's working copy: mutable locals, frozen again by ``run``."""

    def __init__(self, engine: Engine, state: EngineState, now: datetime):
        self.engine = engine
        self.schedule = engine.schedule
        self.settle = engine.config.link.settle
        self.limits = engine.config.limits
        self.now = now
        self.online = state.online
        self.session = state.session
        self.pending = state.pending_permits
        self.silenced = state.silenced
        self.synced = state.synced
        self.last_down = state.last_down
        self.periods_until = state.periods_until
        self.restored = state.restored
        self.settled = state.settled
        self.old_pattern = state.pattern
        self.old_silenced = state.silenced and state.pattern is Pattern.ALARM
        self.effects: list[Effect] = []
        self.changes: list[str] = []  # why the open session changed in this step
        self.queued: list[tuple[AlertKind, int]] = []  # alerts to emit at the next flush
        self.reported = state.session.worst if state.session else None  # last verdict recorded
        self.ack_reason = ""
        self._info: PeriodInfo | None = None

    # ---------------------------------------------------------------- the step

    def run(self, event: Input) -> Step:
        self._advance()
        self._apply(event)
        self._close_if_settled()
        self._evaluate()
        self._flush()
        self._update_pattern()
        state = EngineState(
            online=self.online,
            session=self.session,
            pending_permits=self.pending,
            pattern=self.pattern,
            silenced=self.silenced,
            synced=self.synced,
            last_down=self.last_down,
            periods_until=self.periods_until,
            restored=self.restored,
            settled=self.settled,
        )
        return Step(state, tuple(self.effects), self._wake_at())

    def _advance(self) -> None:
        """Account for the time between the previous step and ``now`` under the old state."""
        self.pending = tuple(p for p in self.pending if self.now < p.granted_at + p.expected)
        if self.session is None:
            return
        # Deadlines (settle, overdue, reminders) that fell due before ``now`` are
        # honoured even when the wake-up comes late or together with another input.
        if self.online:
            self._walk_periods()
        else:
            self._close_if_settled()
        self._evaluate()

    def _apply(self, event: Input) -> None:
        if isinstance(event, LinkObserved):
            self._link(event)
        elif isinstance(event, Tick):
            pass
        elif isinstance(event, PermitGranted):
            self._permit(event.permit)
        elif isinstance(event, Acknowledged):
            self._ack(event)
        elif isinstance(event, Restored):
            self._restore(event)
        elif isinstance(event, Synced):
            self._sync()
        else:
            raise TypeError(f"not an engine input: {event!r}")

    # ---------------------------------------------------------------- inputs

    def _link(self, obs: LinkObserved) -> None:
        name = obs.interface
        # The watcher filters already; a reload may have narrowed the patterns since.
        if not self.engine.config.link.watches(name):
            return
        up = obs.online and obs.present
        if up == (name in self.online):
            return  # several RTM_NEWLINK per transition: only a change is an event
        self.effects.append(LinkChanged(obs))
        was_online = bool(self.online)
        self.online = self.online | {name} if up else self.online - {name}
        how = "up" if up else ("removed" if not obs.present else "down")
        if bool(self.online) != was_online:
            old, new = ((MachineState.OFFLINE, MachineState.ONLINE) if up
                        else (MachineState.ONLINE, MachineState.OFFLINE))
            self._transition(Entity.MACHINE, old, new, f"{name} {how}")
        if not up:
            if not self.online and self.session is not None:
                self.last_down = self.now
            return
        if self.session is None:
            self._open(name)
            return
        if name not in self.session.interfaces:
            self._change(interfaces=self.session.interfaces | {name}, why=f"{name} up")
        if not was_online:
            self.last_down = None
            if self.restored and self.periods_until is not None:
                self._walk_periods()  # the monitor was down: assume the link stayed up
            else:
                self._touch_period(self._period_now().period)
            self.periods_until = self.now

    def _permit(self, permit: Permit) -> None:
        if self.now >= permit.granted_at + permit.expected:
            return  # expired before it arrived: nothing to link
        s = self.session
        if permit in self.pending or (s is not None and s.permit == permit):
            return
        if s is not None and s.permit is None and permit.valid_at(self.now):
            self._change(permit=permit, why="permit linked")
        else:
            self.pending = self.pending + (permit,)

    def _ack(self, ack: Acknowledged) -> None:
        if self.silenced or self._pattern()[0] is not Pattern.ALARM:
            return  # nothing sounds: an acknowledgement has nothing to silence
        self.silenced = True
        who = ack.by or "someone"
        self.ack_reason = f"acknowledged by {who} via {ack.source}"
        self._transition(Entity.BUZZER, BuzzerState.SOUNDING, BuzzerState.SILENCED,
                         self.ack_reason)

    def _restore(self, event: Restored) -> None:
        if self.session is not None or event.session.ended_at is not None:
            return  # the engine already follows a session: keep it
        self.session = replace(event.session, last_seen=event.last_seen)
        self.reported = self.session.worst
        self.last_down = None
        self.periods_until = event.last_seen
        self.restored = True
        self.settled = False  # settles again once a link is seen up
        self.silenced = False
        if self.synced and not self.online:
            self._close(EndReason.RECOVERED, event.last_seen)

    def _sync(self) -> None:
        self.synced = True
        if self.restored:
            self.restored = False
            if self.session is not None and not self.online:
                self._close(EndReason.RECOVERED, self.session.last_seen or self.session.started_at)

    # ---------------------------------------------------------------- sessions

    def _open(self, interface: str) -> None:
        now = self.now
        permit = next((p for p in self.pending if p.valid_at(now)), None)
        if permit is not None:
            self.pending = tuple(p for p in self.pending if p is not permit)
        info = self._period_now()
        s = Session(
            id=session_id(now),
            started_at=now,
            interfaces=frozenset({interface}),
            periods=frozenset({info.period}),
            permit=permit,
        )
        self.session = s
        self.last_down = None
        self.periods_until = now
        self.restored = False
        self.settled = False
        self.silenced = False
        self.effects.append(SessionOpened(s))
        self.reported = s.worst
        self._transition(f"session:{s.id}", None, s.worst, f"opened: {interface} up")

    def _close_if_settled(self) -> None:
        if (
            self.session is not None
            and not self.online
            and self.last_down is not None
            and self.now >= self.last_down + self.settle
        ):
            self._close(EndReason.UNPLUGGED, self.last_down)

    def _close(self, reason: EndReason, ended_at: datetime) -> None:
        self._flush()
        s = replace(self.session, ended_at=ended_at, end_reason=reason)
        resolve = any(a.kind is not AlertKind.RESOLVED for a in s.alerts) and not s.raised(
            AlertKind.RESOLVED
        )
        if resolve:
            s = replace(s, alerts=s.alerts + (AlertRecord(AlertKind.RESOLVED, 0, self.now),))
        self.effects.append(SessionClosed(s))
        if resolve:
            self._emit_alert(AlertKind.RESOLVED, 0, s)
        self.session = None
        self.reported = None
        self.last_down = None
        self.periods_until = None
        self.restored = False
        self.settled = False
        self.silenced = False

    def _change(self, why: str, **fields) -> None:
        self.session = replace(self.session, **fields)
        self.changes.append(why)

    # ---------------------------------------------------------------- periods

    def _period_now(self) -> PeriodInfo:
        if self._info is None:
            self._info = self.schedule.at(self.now)
        return self._info

    def _touch_period(self, period: Period) -> None:
        s = self.session
        if period in s.periods:
            return
        self._change(periods=s.periods | {period}, why=f"entered {period}")
        if period is Period.CLINIC:
            self.silenced = False  # a new alarm: the buzzer sounds again

    def _walk_periods(self) -> None:
        """Record every period between ``periods_until`` and ``now`` (the link was up)."""
        start = self.periods_until
        if start is not None and start < self.now:
            info = self.schedule.at(start)
            self._touch_period(info.period)
            for _ in range(_MAX_BOUNDARIES):
                if info.next_change > self.now:
                    break
                info = self.schedule.at(info.next_change)
                self._touch_period(info.period)
        self._touch_period(self._period_now().period)
        self.periods_until = self.now

    # ---------------------------------------------------------------- verdicts

    def _overdue(self, s: Session) -> bool:
        return self.now - s.started_at >= self.engine.overdue_limit(s)

    def _lacks_permit(self, s: Session) -> bool:
        return self.limits.require_permit and s.permit is None

    def _evaluate(self) -> None:
        """Record verdicts and queue alerts once the session has settled."""
        s = self.session
        if s is None:
            return
        if not self.settled:
            # A wiggle never settles: it must be online at least `settle` after the start.
            if not self.online or self.now - s.started_at < self.settle:
                return
            self.settled = True
        due = {
            Verdict.CLINIC_HOURS: Period.CLINIC in s.periods,
            Verdict.OUTSIDE_WINDOW: Period.OFF_HOURS in s.periods,
            Verdict.NO_PERMIT: self._lacks_permit(s),
            Verdict.OVERDUE: self._overdue(s),
        }
        for verdict, kind in _CHECKS:
            if not due[verdict]:
                continue
            if verdict not in self.session.verdicts:
                self._change(verdicts=self.session.verdicts + (verdict,), why=f"verdict {verdict}")
            if not self.session.raised(kind):
                self._raise(kind, 0)
        if not self.session.verdicts:
            # Judged and found in order: the history starts with "permitted".
            self._change(verdicts=(Verdict.PERMITTED,), why=f"verdict {Verdict.PERMITTED}")
        if due[Verdict.OVERDUE]:
            last = self._last_overdue()
            if last is not None and self.now >= last.at + self.limits.remind_every:
                self._raise(AlertKind.OVERDUE, last.reminder + 1)

    def _last_overdue(self) -> AlertRecord | None:
        records = [a for a in self.session.alerts if a.kind is AlertKind.OVERDUE]
        return max(records, key=lambda a: a.reminder, default=None)

    def _raise(self, kind: AlertKind, reminder: int) -> None:
        record = AlertRecord(kind, reminder, self.now)
        why = f"alert {kind}" + (f" reminder {reminder}" if reminder else "")
        self._change(alerts=self.session.alerts + (record,), why=why)
        self.queued.append((kind, reminder))
        if kind is AlertKind.CLINIC_HOURS:
            self.silenced = False

    def _flush(self) -> None:
        """Emit the session's changes of this step, then its alerts, then its verdict."""
        s = self.session
        if s is None:
            return
        if self.changes:
            reasons = list(dict.fromkeys(self.changes))
            self.effects.append(SessionChanged(s, "; ".join(reasons)))
            self.changes = []
        for kind, reminder in self.queued:
            self._emit_alert(kind, reminder, s)
        self.queued = []
        if s.worst is not self.reported:
            self._transition(f"session:{s.id}", self.reported, s.worst, "verdict")
            self.reported = s.worst

    def _emit_alert(self, kind: AlertKind, reminder: int, session: Session) -> None:
        alert = Alert(
            kind=kind,
            severity=_SEVERITY[kind],
            at=self.now,
            session=session,
            reminder=reminder,
            period=self._period_now(),
        )
        self.effects.append(AlertRaised(alert))

    # ---------------------------------------------------------------- pattern, wake-up

    def _pattern(self) -> tuple[Pattern, str]:
        s = self.session
        if not self.online or s is None:
            return Pattern.OFF, "no watched link online"
        if Period.CLINIC in s.periods:
            return Pattern.ALARM, "connected during clinic hours"
        why = []
        if self._period_now().period is Period.OFF_HOURS:
            why.append("outside every maintenance window")
        if self._overdue(s):
            why.append("overdue")
        if self._lacks_permit(s):
            why.append("no permit")
        if why:
            return Pattern.WARN, ", ".join(why)
        return Pattern.ON, "online, permitted"

    def _update_pattern(self) -> None:
        self.pattern, reason = self._pattern()
        if self.pattern is not Pattern.ALARM and self.session is None:
            self.silenced = False
        shown = self.silenced and self.pattern is Pattern.ALARM
        if (self.pattern, shown) == (self.old_pattern, self.old_silenced):
            return
        if self.pattern is self.old_pattern and shown:
            reason = self.ack_reason or reason
        self.effects.append(PatternChanged(self.pattern, shown, reason))
        if self.pattern is not self.old_pattern:
            self._transition(Entity.PATTERN, self.old_pattern, self.pattern, reason)

    def _wake_at(self) -> datetime | None:
        s = self.session
        if s is None:
            return None
        due: list[datetime] = []
        if self.online:
            due.append(self._period_now().next_change)
            if not self.settled:
                due.append(s.started_at + self.settle)
        elif self.last_down is not None:
            due.append(self.last_down + self.settle)
        if self.settled:
            if not self._overdue(s):
                due.append(s.started_at + self.engine.overdue_limit(s))
            elif (last := self._last_overdue()) is not None:
                due.append(last.at + self.limits.remind_every)
        future = [t for t in due if t > self.now]
        return min(future, default=None)

    def _transition(self, entity: str, old: str | None, new: str, reason: str) -> None:
        self.effects.append(
            Transition(entity, None if old is None else str(old), str(new), reason, self.now)
        )
