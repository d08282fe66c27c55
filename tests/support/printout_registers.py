"""Registers of a month, written through the real ``Register`` API, for the printout tests.

``write_month(path, 2026, 4, count)`` writes ``count`` connections of April 2026 in
Tokyo (the first one carried over from March 31st), with permits, alerts (delivered,
pending), an acknowledgement, a clean stop of the monitor and a crash, and returns the
sessions in the order the printed list numbers them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.compat import UTC
from monitor.domain.enums import (
    AckSource,
    AlertKind,
    EndReason,
    Entity,
    Period,
    Purpose,
    Severity,
    Verdict,
)
from monitor.domain.model import Alert, AlertRecord, Permit, Session, Transition, session_id
from monitor.printout.gather import STARTED_MARKS, STOPPED_MARKS
from monitor.register import Register

TOKYO = ZoneInfo("Asia/Tokyo")
COMPANIES = (
    ("日医システム", "山田 太郎"),
    ("オルカ保守センター", "佐藤 花子"),
    ("メディカル通信", "鈴木 一郎"),
)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return the UTC instant of a Tokyo wall time."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


def _monitor(reg: Register, at: datetime, marks: tuple[str, ...], severity: Severity) -> None:
    body = f"link-monitor からのお知らせです。\n内容: {marks[0]}\n"
    alert = Alert(AlertKind.MONITOR, severity, at, None)
    aid = reg.enqueue_alert(alert, "[monitor] 監視プログラムからのお知らせ - 受付PC", body)
    assert aid is not None
    reg.record_attempt(aid, True, None, 0.4, None, at + timedelta(seconds=20))


def _store(reg: Register, s: Session, *, delivered: bool = True) -> None:
    reg.open_session(replace(s, ended_at=None, end_reason=None))
    for a in s.alerts:
        aid = reg.enqueue_alert(
            Alert(a.kind, Severity.WARNING, a.at, s, a.reminder), f"[{a.kind}] alert", "本文"
        )
        assert aid is not None
        if delivered:
            reg.record_attempt(aid, True, None, 1.0, None, a.at + timedelta(seconds=40))
    if s.ended_at is not None:
        reg.close_session(s)


def working_days(year: int, month: int) -> list[date]:
    """Return the month's days that are neither weekend nor national holiday in Japan."""
    import holidays

    off = holidays.country_holidays("JP", years=year)
    d, out = date(year, month, 1), []
    while d.month == month:
        if d.weekday() < 5 and d not in off:
            out.append(d)
        d += timedelta(days=1)
    return out


def _ordinary(year: int, month: int, i: int, count: int) -> Session:
    """Return the i-th ordinary connection: spread over the working days, mornings and
    afternoons in turn, inside the maintenance window."""
    days = working_days(year, month)
    day = days[(i * len(days) // max(count, 1)) % len(days)].day
    start = local(year, month, day, 9 + (i % 4) * 2, (i * 7) % 50)
    minutes = 12 + (i * 13) % 50
    company, staff = COMPANIES[i % len(COMPANIES)]
    purpose = (Purpose.FEE_UPDATE, Purpose.REMOTE_MAINTENANCE, Purpose.OTHER)[i % 3]
    t0 = start - timedelta(minutes=5)
    permit = Permit(
        purpose,
        company,
        staff,
        timedelta(hours=1),
        "hoken",
        t0,
        note=f"作業 {i}",
        after_the_fact=i % 7 == 3,
    )
    return Session(
        session_id(start),
        start,
        frozenset({"enp3s0"}),
        frozenset({Period.MAINTENANCE}),
        (Verdict.PERMITTED,),
        permit=permit,
        ended_at=start + timedelta(minutes=minutes),
        end_reason=EndReason.UNPLUGGED,
        bytes_sent=1500 * (i + 1) * 1024,
        bytes_received=42000 * (i + 1) * 1024,
    )


def _specials(year: int, month: int) -> list[Session]:
    """A connection carried over from the previous month and one in clinic hours."""
    carried = local(year, month, 1, 0, 0) - timedelta(minutes=40)
    clinic = local(year, month, 5, 18, 10)  # 2026-04-05 is a Sunday: clinic hours
    return [
        Session(
            session_id(carried),
            carried,
            frozenset({"enp3s0"}),
            frozenset({Period.OFF_HOURS}),
            (Verdict.NO_PERMIT, Verdict.OUTSIDE_WINDOW),
            (
                AlertRecord(AlertKind.NO_PERMIT, 0, carried + timedelta(minutes=1)),
                AlertRecord(AlertKind.OUTSIDE_WINDOW, 0, carried + timedelta(minutes=1)),
            ),
            ended_at=carried + timedelta(minutes=75),
            end_reason=EndReason.UNPLUGGED,
        ),
        Session(
            session_id(clinic),
            clinic,
            frozenset({"enp3s0"}),
            frozenset({Period.CLINIC}),
            (Verdict.CLINIC_HOURS,),
            (AlertRecord(AlertKind.CLINIC_HOURS, 0, clinic + timedelta(seconds=3)),),
            ended_at=clinic + timedelta(minutes=9),
            end_reason=EndReason.UNPLUGGED,
            bytes_sent=2048,
            bytes_received=8192,
        ),
    ]


def _overdue(s: Session) -> Session:
    """Return ``s`` as a connection that ran over its time and was reminded once."""
    t = s.started_at
    alerts = (
        AlertRecord(AlertKind.OVERDUE, 0, t + timedelta(minutes=5)),
        AlertRecord(AlertKind.OVERDUE, 1, t + timedelta(minutes=10)),
    )
    return replace(s, verdicts=(Verdict.PERMITTED, Verdict.OVERDUE), alerts=alerts)


def write_month(
    path: Path, year: int = 2026, month: int = 4, count: int = 12, *, overdue: int = 0
) -> list[Session]:
    """Write ``count`` (>= 2) connections touching ``year``-``month``, the first
    ``overdue`` ordinary ones over time with a reminder (two alerts: two lines in the
    list); return them in the printed order (oldest first)."""
    ordinary = [_ordinary(year, month, i, count - 2) for i in range(count - 2)]
    ordinary = [_overdue(s) if i < overdue else s for i, s in enumerate(ordinary)]
    sessions = _specials(year, month) + ordinary
    sessions.sort(key=lambda s: s.started_at)
    with Register(path) as reg:
        _monitor(
            reg,
            local(year, month - 1 if month > 1 else 12, 1, 8)
            if month > 1
            else local(year - 1, 12, 1, 8),
            STARTED_MARKS,
            Severity.INFO,
        )
        for s in sessions:
            _store(reg, s)
        clinic = next(s for s in sessions if Period.CLINIC in s.periods)
        reg.record_transition(
            Transition(
                Entity.BUZZER,
                "sounding",
                "silenced",
                "acknowledged by someone via gpio button",
                clinic.started_at + timedelta(minutes=1),
            )
        )
        reg.record_ack(
            str(AckSource.GPIO_BUTTON),
            str(AckSource.GPIO_BUTTON),
            clinic.started_at + timedelta(minutes=1),
            clinic.id,
        )
        # A clean stop for an update on the 10th, 12:00-12:30.
        _monitor(reg, local(year, month, 10, 12, 0), STOPPED_MARKS, Severity.WARNING)
        _monitor(reg, local(year, month, 10, 12, 30), STARTED_MARKS, Severity.INFO)
        # A power cut on the 20th: no "stopped" alert, the restart at 10:40 only.
        _monitor(reg, local(year, month, 20, 10, 40), STARTED_MARKS, Severity.INFO)
        reg.set_last_seen(
            local(year, month + 1 if month < 12 else 1, 1, 0, 0)
            if month < 12
            else local(year + 1, 1, 1, 0, 0)
        )
    return sessions


def write_empty(path: Path) -> None:
    """Write a register that holds no connection at all (the monitor started once)."""
    with Register(path) as reg:
        _monitor(reg, local(2026, 1, 5, 9), STARTED_MARKS, Severity.INFO)
