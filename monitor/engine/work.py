"""One step's working copy of the engine state, and the small helpers every part uses.

``Work`` is mutable and lives for one ``Engine.step`` only; ``run.run_step`` freezes
it into the next ``EngineState``. The parts of the step (``inputs``, ``sessions``,
``periods``, ``verdicts``, ``pattern``) are functions over it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from monitor.compat import StrEnum
from monitor.config import Config, Limits
from monitor.domain.enums import AlertKind, Entity, Pattern, Severity, Verdict
from monitor.domain.events import AlertRaised, Effect
from monitor.domain.model import Alert, AlertRecord, PeriodInfo, Session, Transition
from monitor.engine.state import EngineState
from monitor.schedule import Schedule

SEVERITY = {
    AlertKind.CLINIC_HOURS: Severity.CRITICAL,
    AlertKind.OUTSIDE_WINDOW: Severity.WARNING,
    AlertKind.NO_PERMIT: Severity.WARNING,
    AlertKind.OVERDUE: Severity.WARNING,
    AlertKind.RESOLVED: Severity.INFO,
    AlertKind.MONITOR: Severity.WARNING,
}


def overdue_limit(limits: Limits, session: Session) -> timedelta:
    """Return how long ``session`` may last before it is overdue: ``limits.max_session``,
    or the linked permit's expected duration if longer and ``limits.permit_extends``."""
    permit = session.permit
    if limits.permit_extends and permit is not None and permit.expected > limits.max_session:
        return permit.expected
    return limits.max_session


def session_entity(session: Session) -> str:
    """Return the ``Transition.entity`` of ``session``: ``session:<id>``."""
    return f"{Entity.SESSION}:{session.id}"


class Work:
    """The mutable state of one step (see the module docstring)."""

    def __init__(self, config: Config, schedule: Schedule, state: EngineState, now: datetime):
        self.config = config
        self.schedule = schedule
        self.settle = config.link.settle
        self.limits = config.limits
        self.now = now
        self.online = state.online
        self.session = state.session
        self.pending = state.pending_permits
        self.pattern = state.pattern
        self.silenced = state.silenced
        self.synced = state.synced
        self.last_down = state.last_down
        self.periods_until = state.periods_until
        self.restored = state.restored
        self.settled = state.settled
        self.acked = state.acked
        self.media = state.media
        self.old_pattern = state.pattern
        self.old_silenced = state.silenced and state.pattern is Pattern.ALARM
        self.effects: list[Effect] = []
        self.changes: list[str] = []  # why the open session changed in this step
        self.queued: list[tuple[AlertKind, int]] = []  # alerts to emit at the next flush
        # The last verdict recorded as a transition for the open session.
        self.reported: Verdict | None = state.session.worst if state.session else None
        self.ack_reason = ""
        self._info: PeriodInfo | None = None

    def freeze(self) -> EngineState:
        """Return the state this step leaves."""
        return EngineState(
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
            acked=self.acked,
            media=self.media,
        )

    def open_session(self) -> Session:
        """Return the open session; raise RuntimeError if none (an engine bug)."""
        if self.session is None:
            raise RuntimeError("the engine expected an open session")
        return self.session

    def change(self, why: str, **fields: Any) -> None:
        """Replace fields of the open session, remembering ``why`` for ``SessionChanged``."""
        self.session = replace(self.open_session(), **fields)
        self.changes.append(why)

    def period_now(self) -> PeriodInfo:
        """Return the schedule's ``PeriodInfo`` at ``now`` (asked once per step)."""
        if self._info is None:
            self._info = self.schedule.at(self.now)
        return self._info

    def overdue(self, s: Session) -> bool:
        return self.now - s.started_at >= overdue_limit(self.limits, s)

    def lacks_permit(self, s: Session) -> bool:
        return self.limits.require_permit and s.permit is None

    def last_overdue(self) -> AlertRecord | None:
        """Return the open session's latest overdue alert (the highest reminder), if any."""
        records = [a for a in self.open_session().alerts if a.kind is AlertKind.OVERDUE]
        return max(records, key=lambda a: a.reminder, default=None)

    def emit_alert(self, kind: AlertKind, reminder: int, session: Session) -> None:
        alert = Alert(
            kind=kind,
            severity=SEVERITY[kind],
            at=self.now,
            session=session,
            reminder=reminder,
            period=self.period_now(),
            limit=overdue_limit(self.limits, session) if kind is AlertKind.OVERDUE else None,
        )
        self.effects.append(AlertRaised(alert))

    def transition(
        self, entity: Entity | str, old: StrEnum | None, new: StrEnum, reason: str
    ) -> None:
        """Record a change of ``entity`` (an ``Entity`` or ``session:<id>``) from ``old``
        to ``new``; the values are the enums themselves (their strings are stored)."""
        self.effects.append(Transition(entity, old, new, reason, self.now))
