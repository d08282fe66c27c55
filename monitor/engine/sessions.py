"""Opening and closing sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.domain.enums import AlertKind, EndReason
from monitor.domain.events import SessionClosed, SessionOpened
from monitor.domain.model import AlertRecord, Session, session_id
from monitor.engine.verdicts import flush
from monitor.engine.work import Work, session_entity


def open_session(work: Work, interface: str) -> None:
    """Open a session at ``now`` with ``interface`` up, linking the oldest pending
    permit valid now."""
    now = work.now
    permit = next((p for p in work.pending if p.valid_at(now)), None)
    if permit is not None:
        work.pending = tuple(p for p in work.pending if p is not permit)
    s = Session(
        id=session_id(now),
        started_at=now,
        interfaces=frozenset({interface}),
        periods=frozenset({work.period_now().period}),
        permit=permit,
    )
    work.session = s
    work.last_down = None
    work.periods_until = now
    work.restored = False
    work.settled = False
    work.silenced = False
    work.acked = False
    work.acked = False
    work.effects.append(SessionOpened(s))
    work.reported = s.worst
    work.transition(session_entity(s), None, s.worst, f"opened: {interface} up")


def close_if_settled(work: Work) -> None:
    """Close the session once every watched link has been down for ``link.settle``."""
    if (
        work.session is not None
        and not work.online
        and work.last_down is not None
        and work.now >= work.last_down + work.settle
    ):
        close_session(work, EndReason.UNPLUGGED, work.last_down)


def close_session(work: Work, reason: EndReason, ended_at: datetime) -> None:
    """Close the open session at ``ended_at``; raise ``resolved`` if it raised anything.
    A session found over after a restart (``RECOVERED``) ended between ``ended_at``
    (last seen) and now: ``ended_by``."""
    flush(work)
    ended_by = work.now if reason is EndReason.RECOVERED else None
    s = replace(work.open_session(), ended_at=ended_at, end_reason=reason, ended_by=ended_by)
    resolve = any(a.kind is not AlertKind.RESOLVED for a in s.alerts) and not s.raised(
        AlertKind.RESOLVED
    )
    if resolve:
        s = replace(s, alerts=s.alerts + (AlertRecord(AlertKind.RESOLVED, 0, work.now),))
    work.effects.append(SessionClosed(s))
    if resolve:
        work.emit_alert(AlertKind.RESOLVED, 0, s)
    work.session = None
    work.reported = None
    work.last_down = None
    work.periods_until = None
    work.restored = False
    work.settled = False
    work.silenced = False
    work.acked = False
