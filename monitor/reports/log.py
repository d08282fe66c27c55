"""The human ``link-monitor log`` table: one line per session, local times, columns
lined up for Japanese names too (CJK characters take two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from monitor.domain.enums import OutboxState
from monitor.domain.model import Session
from monitor.domain.outbox import OutboxRow
from monitor.reports.views import duration_s, format_hm, session_alerts

HEADER = ["ID", "START", "END", "DURATION", "INTERFACES", "VERDICTS", "PURPOSE", "STAFF", "ALERTS"]


def _width(text: str) -> int:
    """Return the terminal width of ``text`` (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _end_text(start: datetime, end: datetime | None) -> str:
    if end is None:
        return "open"
    if end.date() == start.date():
        return end.strftime("%H:%M:%S")
    return end.strftime("%Y-%m-%d %H:%M:%S")


def _alerts_text(s: Session, rows: Sequence[OutboxRow]) -> str:
    alerts = []
    for a in session_alerts(s, rows):
        name = a["kind"] + (f"#{a['reminder']}" if a["reminder"] else "")
        alerts.append(name if a["state"] == OutboxState.DELIVERED else f"{name}({a['state']})")
    return " ".join(alerts) or "-"


def _row(s: Session, rows: Sequence[OutboxRow], zone: tzinfo) -> list[str]:
    start = s.started_at.astimezone(zone)
    end = s.ended_at.astimezone(zone) if s.ended_at else None
    p = s.permit
    return [
        s.id,
        start.strftime("%Y-%m-%d %H:%M:%S"),
        _end_text(start, end),
        format_hm(duration_s(s)),
        ",".join(sorted(s.interfaces)) or "-",
        ",".join(str(v) for v in s.verdicts) or "-",
        (str(p.purpose) + (" (after the fact)" if p.after_the_fact else "")) if p else "-",
        f"{p.staff} ({p.company})" if p else "-",
        _alerts_text(s, rows),
    ]


def log_table(
    sessions: Sequence[Session], outbox: Mapping[str, Sequence[OutboxRow]], zone: tzinfo
) -> str:
    """Return the human ``log`` table: one line per session, oldest first, local times."""
    lines = [HEADER, *(_row(s, outbox.get(s.id, []), zone) for s in sessions)]
    widths = [max(_width(row[i]) for row in lines) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )
