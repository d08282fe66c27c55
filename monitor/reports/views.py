"""The register's records as JSON objects (``log --json``, ``status --json``) and the
small formats the views share. Pure functions of records and a time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from monitor.compat import UTC
from monitor.domain.durations import format_duration
from monitor.domain.enums import AlertKind
from monitor.domain.model import Ack, Permit, Session, WorkReport
from monitor.domain.outbox import OutboxRow


def format_hm(seconds: float | None) -> str:
    """Return a duration as ``1h05m`` (an hour or more), ``12m30s`` or ``45s``."""
    if seconds is None:
        return "-"
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m:02d}m"
    if m:
        return f"{m}m{s:02d}s"
    return f"{s}s"


def local_iso(t: datetime | None, zone: tzinfo) -> str | None:
    """Return aware ``t`` in ``zone`` as ISO 8601 with its offset (None stays None)."""
    return t.astimezone(zone).isoformat() if t else None


def duration_s(s: Session) -> float | None:
    """Return a closed session's length in seconds, None while it is open."""
    return s.duration().total_seconds() if s.ended_at else None


def permit_json(p: Permit | None, zone: tzinfo) -> dict[str, Any] | None:
    """Return the JSON object of a permit, times in ``zone`` (None stays None). The one
    view of a permit: ``log --json`` and ``status --json`` both use it."""
    if p is None:
        return None
    return {
        "id": p.id,
        "purpose": str(p.purpose),
        "company": p.company,
        "staff": p.staff,
        "expected": format_duration(p.expected),
        "expected_s": p.expected.total_seconds(),
        "note": p.note,
        "granted_by": p.granted_by,
        "granted_at": local_iso(p.granted_at, zone),
        "valid_until": local_iso(p.granted_at + p.expected, zone),
        "after_the_fact": p.after_the_fact,
        "attendant": p.attendant,
        "granted_as": p.granted_as,
        "cancelled_at": local_iso(p.cancelled_at, zone) if p.cancelled_at else None,
        "cancelled_by": p.cancelled_by,
    }


def _alert_json(
    kind: AlertKind, reminder: int, at: datetime | None, row: OutboxRow | None, zone: tzinfo
) -> dict[str, Any]:
    return {
        "kind": str(kind),
        "reminder": reminder,
        "raised_at": local_iso(at, zone),
        "severity": str(row.severity) if row else None,
        "state": row.state if row else "not queued",
        "delivered_at": local_iso(row.delivered_at, zone) if row else None,
        "attempts": row.attempts if row else 0,
        "last_error": row.last_error if row else None,
    }


def session_alerts(
    s: Session, rows: Sequence[OutboxRow], zone: tzinfo = UTC
) -> list[dict[str, Any]]:
    """Return the alerts a session raised, each with its delivery state (an alert the
    session recorded but the outbox does not hold shows ``state: "not queued"``); times
    in ``zone``."""
    by_key = {(r.kind, r.reminder): r for r in rows}
    keys = [(a.kind, a.reminder) for a in s.alerts]
    keys += [k for k in by_key if k not in keys]
    raised = {(a.kind, a.reminder): a.at for a in s.alerts}
    out = []
    for kind, reminder in keys:
        row = by_key.get((kind, reminder))
        at = raised.get((kind, reminder)) or (row.created_at if row else None)
        out.append(_alert_json(kind, reminder, at, row, zone))
    return out


def session_json(
    s: Session,
    rows: Sequence[OutboxRow],
    zone: tzinfo,
    acks: Sequence[Ack] = (),
    report: WorkReport | None = None,
) -> dict[str, Any]:
    """Return one ``log --json`` object; times in ``zone`` with their offset. ``acks``: who
    silenced the alarm; ``report``: the staff's work report (None: none yet)."""
    return {
        "id": s.id,
        "started_at": local_iso(s.started_at, zone),
        "ended_at": local_iso(s.ended_at, zone),
        # ended while the monitor was down: between ended_at and ended_by
        "ended_by": local_iso(s.ended_by, zone),
        "clock_note": s.clock_note,
        "duration_s": duration_s(s),
        "interfaces": sorted(s.interfaces),
        "periods": sorted(str(p) for p in s.periods),
        "verdicts": [str(v) for v in s.verdicts],
        "worst": str(s.worst) if s.verdicts else None,
        "permit": permit_json(s.permit, zone),
        "bytes_sent": s.bytes_sent,
        "bytes_received": s.bytes_received,
        "end_reason": str(s.end_reason) if s.end_reason else None,
        "last_seen": local_iso(s.last_seen, zone),
        "alerts": session_alerts(s, rows, zone),
        "acks": [{"by": a.by, "source": a.source, "at": local_iso(a.at, zone)} for a in acks],
        "work_report": None
        if report is None
        else {
            "done": report.done,
            "personal_data": report.personal_data,
            "erased": report.erased,
            "as_planned": report.as_planned,
            "note": report.note,
            "deviations": list(report.deviations),
            "reported_by": report.reported_by,
            "reported_as": report.reported_as,
            "at": local_iso(report.at, zone),
        },
    }
