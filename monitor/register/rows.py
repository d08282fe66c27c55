"""Conversions between the domain records and the register's table rows.

Times are stored as fixed-width UTC ISO 8601 texts (they sort as text); sets and
sequences as canonical JSON. These texts are the on-disk format: never change one
without a migration.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any, overload

from monitor.compat import UTC
from monitor.domain.clock import ClockCheck, ClockReading
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Severity, Verdict
from monitor.domain.model import (
    AlertRecord,
    LinkObserved,
    Permit,
    Session,
    Transition,
    WorkReport,
)
from monitor.domain.outbox import OutboxRow
from monitor.register.chain import canonical


@overload
def to_iso(t: datetime) -> str: ...
@overload
def to_iso(t: None) -> None: ...
@overload
def to_iso(t: datetime | None) -> str | None: ...
def to_iso(t: datetime | None) -> str | None:
    """Return aware ``t`` as fixed-width UTC ISO 8601 with offset (sorts as text);
    raise ValueError if ``t`` is naive."""
    if t is None:
        return None
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}: the register stores aware times only")
    return t.astimezone(UTC).isoformat(timespec="microseconds")


@overload
def from_iso(text: str) -> datetime: ...
@overload
def from_iso(text: None) -> None: ...
@overload
def from_iso(text: str | None) -> datetime | None: ...
def from_iso(text: str | None) -> datetime | None:
    """Return the aware UTC datetime of a stored ISO 8601 text (None stays None)."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def outbox_from(r: sqlite3.Row) -> OutboxRow:
    """Return the outbox row of an ``alerts`` table row."""
    return OutboxRow(
        id=r["id"],
        key=r["key"],
        kind=AlertKind(r["kind"]),
        severity=Severity(r["severity"]),
        session_id=r["session_id"],
        reminder=r["reminder"],
        title=r["title"],
        body=r["body"],
        created_at=from_iso(r["created_at"]),
        attempts=r["attempts"],
        next_attempt_at=from_iso(r["next_attempt_at"]),
        last_error=r["last_error"],
        last_duration_s=r["last_duration_s"],
        delivered_at=from_iso(r["delivered_at"]),
        permanent_failure=bool(r["permanent_failure"]),
        claim_token=r["claim_token"],
        claimed_until=from_iso(r["claimed_until"]),
        claim_pid=r["claim_pid"],
    )


def permit_row(p: Permit) -> dict[str, Any]:
    """Return the ``permits`` columns of ``p`` (without its id)."""
    return {
        "purpose": Purpose(p.purpose).value,
        "company": p.company,
        "staff": p.staff,
        "expected_s": p.expected.total_seconds(),
        "note": p.note,
        "granted_by": p.granted_by,
        "granted_at": to_iso(p.granted_at),
        "after_the_fact": int(p.after_the_fact),
        "attendant": p.attendant,
        "granted_as": p.granted_as,
        "cancelled_at": to_iso(p.cancelled_at),
        "cancelled_by": p.cancelled_by,
    }


def permit_from(r: sqlite3.Row) -> Permit:
    """Return the permit of a ``permits`` table row."""
    return Permit(
        purpose=Purpose(r["purpose"]),
        company=r["company"],
        staff=r["staff"],
        expected=timedelta(seconds=r["expected_s"]),
        granted_by=r["granted_by"],
        granted_at=from_iso(r["granted_at"]),
        note=r["note"],
        after_the_fact=bool(r["after_the_fact"]),
        id=r["id"],
        attendant=r["attendant"],
        granted_as=r["granted_as"],
        cancelled_at=from_iso(r["cancelled_at"]),
        cancelled_by=r["cancelled_by"],
    )


def work_report_row(w: WorkReport) -> dict[str, Any]:
    """Return the ``work_reports`` columns of ``w`` (without its id)."""
    return {
        "session_id": w.session_id,
        "done": w.done,
        "personal_data": int(w.personal_data),
        "erased": w.erased,
        "as_planned": int(w.as_planned),
        "note": w.note,
        "deviations": ",".join(w.deviations),
        "reported_by": w.reported_by,
        "reported_as": w.reported_as,
        "at": to_iso(w.at),
    }


def work_report_from(r: sqlite3.Row) -> WorkReport:
    """Return the work report of a ``work_reports`` table row."""
    return WorkReport(
        session_id=r["session_id"],
        done=r["done"],
        personal_data=bool(r["personal_data"]),
        erased=r["erased"],
        as_planned=bool(r["as_planned"]),
        note=r["note"],
        deviations=tuple(d for d in r["deviations"].split(",") if d),
        reported_by=r["reported_by"],
        reported_as=r["reported_as"],
        at=from_iso(r["at"]),
        id=r["id"],
    )


def session_row(s: Session, permit_id: int | None) -> dict[str, Any]:
    """Return the ``sessions`` columns of ``s`` linked to permit ``permit_id``."""
    alerts = [[AlertKind(a.kind).value, a.reminder, to_iso(a.at)] for a in s.alerts]
    return {
        "id": s.id,
        "interfaces": canonical(sorted(s.interfaces)),
        "started_at": to_iso(s.started_at),
        "ended_at": to_iso(s.ended_at),
        "duration_s": s.duration().total_seconds() if s.ended_at else None,
        "periods": canonical(sorted(Period(p).value for p in s.periods)),
        "verdicts": canonical([Verdict(v).value for v in s.verdicts]),
        "permit_id": permit_id,
        "bytes_sent": int(s.bytes_sent),
        "bytes_received": int(s.bytes_received),
        "alerts": canonical(alerts),
        "end_reason": EndReason(s.end_reason).value if s.end_reason else None,
        "last_seen": to_iso(s.last_seen),
        "ended_by": to_iso(s.ended_by),
        "clock_note": s.clock_note,
    }


def session_from(r: sqlite3.Row, permit: Permit | None) -> Session:
    """Return the session of a ``sessions`` table row, with its permit (read by the caller)."""
    return Session(
        id=r["id"],
        started_at=from_iso(r["started_at"]),
        interfaces=frozenset(json.loads(r["interfaces"])),
        periods=frozenset(Period(p) for p in json.loads(r["periods"])),
        verdicts=tuple(Verdict(v) for v in json.loads(r["verdicts"])),
        alerts=tuple(
            AlertRecord(AlertKind(k), n, from_iso(at)) for k, n, at in json.loads(r["alerts"])
        ),
        permit=permit,
        ended_at=from_iso(r["ended_at"]),
        end_reason=EndReason(r["end_reason"]) if r["end_reason"] else None,
        last_seen=from_iso(r["last_seen"]),
        ended_by=from_iso(r["ended_by"]),
        clock_note=r["clock_note"],
        bytes_sent=r["bytes_sent"],
        bytes_received=r["bytes_received"],
        measured_s=_measured(r),
    )


def _measured(r: sqlite3.Row) -> float | None:
    """The stored duration when it is not ``ended_at - started_at`` (the daemon measured
    it on the monotonic clock across a wall-clock jump), else None."""
    ended, started = from_iso(r["ended_at"]), from_iso(r["started_at"])
    if r["duration_s"] is None or ended is None or started is None:
        return None
    wall = (ended - started).total_seconds()
    stored = float(r["duration_s"])
    return stored if abs(stored - wall) > 0.001 else None


def link_event_row(obs: LinkObserved) -> dict[str, Any]:
    """Return the ``link_events`` columns of one observation (without its id)."""
    return {
        "interface": obs.interface,
        "ifindex": obs.index,
        "online": int(obs.online),
        "carrier": None if obs.carrier is None else int(obs.carrier),
        "operstate": obs.operstate,
        "admin_up": int(obs.admin_up),
        "present": int(obs.present),
        "at": to_iso(obs.at),
    }


def link_event_from(r: sqlite3.Row) -> LinkObserved:
    """Return the observation of a ``link_events`` table row."""
    return LinkObserved(
        interface=r["interface"],
        index=r["ifindex"],
        online=bool(r["online"]),
        carrier=None if r["carrier"] is None else bool(r["carrier"]),
        operstate=r["operstate"],
        admin_up=bool(r["admin_up"]),
        at=from_iso(r["at"]),
        present=bool(r["present"]),
    )


def transition_row(t: Transition) -> dict[str, Any]:
    """Return the ``transitions`` columns of ``t`` (without its id)."""
    return {"entity": t.entity, "old": t.old, "new": t.new, "reason": t.reason, "at": to_iso(t.at)}


def transition_from(r: sqlite3.Row) -> Transition:
    """Return the transition of a ``transitions`` table row."""
    return Transition(r["entity"], r["old"], r["new"], r["reason"], from_iso(r["at"]))


def clock_check_row(c: ClockCheck) -> dict[str, Any]:
    """Return the ``clock_checks`` columns of one record of the clock (without its id)."""
    r = c.reading
    return {
        "at": to_iso(c.at),
        "event": c.event,
        "session_id": c.session_id,
        "synchronised": None if r.synchronised is None else int(r.synchronised),
        "est_error_s": r.est_error_s,
        "max_error_s": r.max_error_s,
        "jump_s": c.jump_s,
    }


def clock_check_from(r: sqlite3.Row) -> ClockCheck:
    """Return the record of the clock of a ``clock_checks`` row."""
    synced = r["synchronised"]
    return ClockCheck(
        at=from_iso(r["at"]),
        event=r["event"],
        reading=ClockReading(
            None if synced is None else bool(synced), r["est_error_s"], r["max_error_s"]
        ),
        jump_s=r["jump_s"],
        session_id=r["session_id"],
    )
