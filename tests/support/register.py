"""Records for register tests: one instant, sessions, alerts, permits and a realistic fill."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Purpose, Severity, Verdict
from monitor.domain.model import Alert, LinkObserved, Permit, Session, Transition
from monitor.register import Register

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Monday


def session_at(t: datetime, **kw) -> Session:
    return Session(id="S" + t.strftime("%Y%m%dT%H%M%S%fZ"), started_at=t, **kw)


def alert_for(session: Session | None, kind=AlertKind.NO_PERMIT, reminder=0, at=T0) -> Alert:
    return Alert(kind, Severity.WARNING, at, session, reminder=reminder)


def permit_at(t: datetime, **kw) -> Permit:
    values = {
        "purpose": Purpose.FEE_UPDATE,
        "company": "日医システム",
        "staff": "山田 太郎",
        "expected": timedelta(hours=1),
        "granted_by": "hoken",
        "granted_at": t,
    }
    values.update(kw)
    return Permit(**values)


def fill(reg: Register, n: int) -> None:
    """Write a realistic mix of records: n sessions with events, alerts, attempts."""
    for i in range(n):
        t = T0 + timedelta(days=i)
        reg.record_link_event(LinkObserved("eth0", 2, True, True, "up", True, t))
        permit = reg.add_permit(permit_at(t - timedelta(minutes=1))) if i % 2 else None
        s = session_at(
            t,
            interfaces=frozenset({"eth0"}),
            permit=permit,
            verdicts=(Verdict.PERMITTED if permit else Verdict.NO_PERMIT,),
        )
        reg.open_session(s)
        aid = reg.enqueue_alert(alert_for(s, at=t), "件名", "本文")
        for row in reg.claim_due_alerts(t, 5):
            reg.record_attempt(row.id, True, None, 0.1, None, t + timedelta(seconds=1))
        reg.record_transition(Transition(f"session:{s.id}", None, "open", "eth0 up", t))
        end = t + timedelta(minutes=30)
        reg.record_link_event(LinkObserved("eth0", 2, False, False, "down", True, end))
        reg.close_session(
            Session(**{**s.__dict__, "ended_at": end, "end_reason": EndReason.UNPLUGGED})
        )
        assert aid
