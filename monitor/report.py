"""The register as people read it: the `log` table and JSON, the monthly CSV.

Pure functions of sessions, their outbox rows and a time zone (no clock, no file):

    session_json(session, outbox_rows, zone) -> dict      one `log --json` object
    log_table(sessions, outbox_by_session, zone) -> str   the human `log` table
    month_bounds(year, month, zone) -> (start, end)      aware UTC, end exclusive
    export_rows(sessions, outbox_by_session, zone, lang) -> list[list[str]]   header first
    format_hm(seconds) -> "1h05m"
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.compat import UTC
from monitor.domain.durations import format_duration
from monitor.domain.enums import AlertKind, EndReason, OutboxState, Purpose, Verdict
from monitor.domain.model import Permit, Session
from monitor.notify import TEXTS
from monitor.register import OutboxRow

# One vocabulary for the council: the register's labels are the alert texts' labels.
VERDICT_JA = {v: TEXTS["ja"][f"verdict.{v}"] for v in Verdict}
PURPOSE_JA = {p: TEXTS["ja"][f"purpose.{p}"] for p in Purpose}
PURPOSE_EN = {p: TEXTS["en"][f"purpose.{p}"] for p in Purpose}
END_REASON_JA = {r: TEXTS["ja"][f"end.{r}"] for r in EndReason}
ALERT_JA = {k: TEXTS["ja"][f"kind.{k}"] for k in AlertKind}

HEADERS = {
    "ja": ["番号", "開始日時", "終了日時", "接続時間", "インターフェース", "判定", "目的",
           "業者名", "担当者", "許可者", "事後届出", "備考", "警報", "送信バイト", "受信バイト",
           "終了理由", "記録ID"],
    "en": ["No.", "Start", "End", "Duration", "Interfaces", "Verdict", "Purpose",
           "Company", "Staff", "Granted by", "After the fact", "Note", "Alerts", "Bytes sent",
           "Bytes received", "End reason", "Record ID"],
}


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


def _hms(seconds: float | None) -> str:
    """Return ``H:MM:SS`` (Excel reads it as a time), or "" for an open session."""
    if seconds is None:
        return ""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _local(t: datetime | None, zone: ZoneInfo | Any) -> str | None:
    return t.astimezone(zone).isoformat() if t else None


def _duration_s(s: Session) -> float | None:
    return s.duration().total_seconds() if s.ended_at else None


def permit_json(p: Permit | None, zone: ZoneInfo | Any) -> dict[str, Any] | None:
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
        "granted_at": _local(p.granted_at, zone),
        "valid_until": _local(p.granted_at + p.expected, zone),
        "after_the_fact": p.after_the_fact,
    }


def session_alerts(s: Session, rows: list[OutboxRow],
                   zone: ZoneInfo | Any = UTC) -> list[dict[str, Any]]:
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
        out.append({
            "kind": str(kind),
            "reminder": reminder,
            "raised_at": _local(at, zone),
            "severity": str(row.severity) if row else None,
            "state": row.state if row else "not queued",
            "delivered_at": _local(row.delivered_at, zone) if row else None,
            "attempts": row.attempts if row else 0,
            "last_error": row.last_error if row else None,
        })
    return out


def session_json(s: Session, rows: list[OutboxRow], zone: ZoneInfo) -> dict[str, Any]:
    """Return one ``log --json`` object; times in ``zone`` with their offset."""
    return {
        "id": s.id,
        "started_at": _local(s.started_at, zone),
        "ended_at": _local(s.ended_at, zone),
        "duration_s": _duration_s(s),
        "interfaces": sorted(s.interfaces),
        "periods": sorted(str(p) for p in s.periods),
        "verdicts": [str(v) for v in s.verdicts],
        "worst": str(s.worst) if s.verdicts else None,
        "permit": permit_json(s.permit, zone),
        "bytes_sent": s.bytes_sent,
        "bytes_received": s.bytes_received,
        "end_reason": str(s.end_reason) if s.end_reason else None,
        "last_seen": _local(s.last_seen, zone),
        "alerts": session_alerts(s, rows, zone),
    }


def _width(text: str) -> int:
    """Return the terminal width of ``text`` (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def log_table(sessions: list[Session], outbox: dict[str, list[OutboxRow]], zone: ZoneInfo) -> str:
    """Return the human ``log`` table: one line per session, oldest first, local times."""
    header = ["ID", "START", "END", "DURATION", "INTERFACES", "VERDICTS", "PURPOSE", "STAFF",
              "ALERTS"]
    lines = [header]
    for s in sessions:
        start = s.started_at.astimezone(zone)
        end = s.ended_at.astimezone(zone) if s.ended_at else None
        if end is None:
            end_text = "open"
        elif end.date() == start.date():
            end_text = end.strftime("%H:%M:%S")
        else:
            end_text = end.strftime("%Y-%m-%d %H:%M:%S")
        alerts = []
        for a in session_alerts(s, outbox.get(s.id, [])):
            name = a["kind"] + (f"#{a['reminder']}" if a["reminder"] else "")
            alerts.append(name if a["state"] == OutboxState.DELIVERED else f"{name}({a['state']})")
        p = s.permit
        lines.append([
            s.id,
            start.strftime("%Y-%m-%d %H:%M:%S"),
            end_text,
            format_hm(_duration_s(s)),
            ",".join(sorted(s.interfaces)) or "-",
            ",".join(str(v) for v in s.verdicts) or "-",
            (str(p.purpose) + (" (after the fact)" if p.after_the_fact else "")) if p else "-",
            f"{p.staff} ({p.company})" if p else "-",
            " ".join(alerts) or "-",
        ])
    widths = [max(_width(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware UTC instants of local midnight on the 1st of ``month`` and of
    the next month (end exclusive)."""
    start = datetime(year, month, 1, tzinfo=zone)
    nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), nxt.astimezone(UTC)


def day_bounds(day: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware UTC instants of local midnight of ``day`` and of the next day."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = start + timedelta(days=1)  # same tzinfo: wall-clock arithmetic, right across DST
    return start.astimezone(UTC), nxt.astimezone(UTC)


def export_rows(sessions: list[Session], outbox: dict[str, list[OutboxRow]], zone: ZoneInfo,
                lang: str = "ja") -> list[list[str]]:
    """Return the monthly CSV as rows, header first, one row per session (oldest first);
    values translated with ``lang="ja"``."""
    ja = lang == "ja"
    rows = [list(HEADERS["ja" if ja else "en"])]
    for n, s in enumerate(sessions, start=1):
        p = s.permit

        def when(t: datetime | None) -> str:
            return t.astimezone(zone).strftime("%Y/%m/%d %H:%M:%S") if t else ""

        verdicts = [VERDICT_JA[v] if ja else str(v) for v in s.verdicts]
        alerts = []
        for a in session_alerts(s, outbox.get(s.id, [])):
            kind = AlertKind(a["kind"])
            name = ALERT_JA[kind] if ja else str(kind)
            if a["reminder"]:
                name += f"(再通知{a['reminder']})" if ja else f" (reminder {a['reminder']})"
            sent = a["state"] == OutboxState.DELIVERED
            name += ("・送信済" if sent else "・未送信") if ja else (" sent" if sent else " not sent")
            alerts.append(name)
        if s.end_reason:
            end_reason = END_REASON_JA[s.end_reason] if ja else str(s.end_reason)
        else:
            end_reason = "接続中" if ja else "open"
        rows.append([
            str(n),
            when(s.started_at),
            when(s.ended_at),
            _hms(_duration_s(s)),
            " ".join(sorted(s.interfaces)),
            "、".join(verdicts) if ja else "; ".join(verdicts),
            (PURPOSE_JA if ja else PURPOSE_EN)[p.purpose] if p else "",
            p.company if p else "",
            p.staff if p else "",
            p.granted_by if p else "",
            (("はい" if ja else "yes") if p.after_the_fact else "") if p else "",
            p.note if p else "",
            "、".join(alerts) if ja else "; ".join(alerts),
            str(s.bytes_sent),
            str(s.bytes_received),
            end_reason,
            s.id,
        ])
    return rows
