"""Verdicts and alerts of a settled session, and the order in which a step emits them."""

from __future__ import annotations

from monitor.domain.enums import AlertKind, Period, Verdict
from monitor.domain.events import SessionChanged
from monitor.domain.model import AlertRecord, Session
from monitor.engine.work import Work, session_entity

# Verdicts are checked (and, within one step, recorded) in this order.
CHECKS = (
    (Verdict.CLINIC_HOURS, AlertKind.CLINIC_HOURS),
    (Verdict.OUTSIDE_WINDOW, AlertKind.OUTSIDE_WINDOW),
    (Verdict.NO_PERMIT, AlertKind.NO_PERMIT),
    (Verdict.OVERDUE, AlertKind.OVERDUE),
)


def _settles(work: Work, s: Session) -> bool:
    """Return True once the session has settled (and mark it so)."""
    if not work.settled:
        # A wiggle never settles: it must be online at least `settle` after the start.
        if not work.online or work.now - s.started_at < work.settle:
            return False
        work.settled = True
    return True


def evaluate(work: Work) -> None:
    """Record verdicts and queue alerts once the session has settled."""
    s = work.session
    if s is None or not _settles(work, s):
        return
    due = {
        Verdict.CLINIC_HOURS: Period.CLINIC in s.periods,
        Verdict.OUTSIDE_WINDOW: Period.OFF_HOURS in s.periods,
        Verdict.NO_PERMIT: work.lacks_permit(s),
        Verdict.OVERDUE: work.overdue(s),
    }
    for verdict, kind in CHECKS:
        if not due[verdict]:
            continue
        verdicts = work.open_session().verdicts
        if verdict not in verdicts:
            work.change(verdicts=verdicts + (verdict,), why=f"verdict {verdict}")
        if not work.open_session().raised(kind):
            raise_alert(work, kind, 0)
    if not work.open_session().verdicts:
        # Judged and found in order: the history starts with "permitted".
        work.change(verdicts=(Verdict.PERMITTED,), why=f"verdict {Verdict.PERMITTED}")
    if due[Verdict.OVERDUE]:
        last = work.last_overdue()
        if last is not None and work.now >= last.at + work.limits.remind_every:
            raise_alert(work, AlertKind.OVERDUE, last.reminder + 1)


def raise_alert(work: Work, kind: AlertKind, reminder: int) -> None:
    """Record the alert on the session and queue it for the next ``flush``."""
    record = AlertRecord(kind, reminder, work.now)
    why = f"alert {kind}" + (f" reminder {reminder}" if reminder else "")
    work.change(alerts=work.open_session().alerts + (record,), why=why)
    work.queued.append((kind, reminder))
    if kind is AlertKind.CLINIC_HOURS:
        work.silenced = work.acked  # a new alarm sounds, unless acknowledged already


def flush(work: Work) -> None:
    """Emit the session's changes of this step, then its alerts, then its verdict."""
    s = work.session
    if s is None:
        return
    if work.changes:
        reasons = list(dict.fromkeys(work.changes))
        work.effects.append(SessionChanged(s, "; ".join(reasons)))
        work.changes = []
    for kind, reminder in work.queued:
        work.emit_alert(kind, reminder, s)
    work.queued = []
    if s.worst is not work.reported:
        work.transition(session_entity(s), work.reported, s.worst, "verdict")
        work.reported = s.worst
