"""The human ``link-monitor log`` table: one line per session, local times, words from the
catalog (``reports.log.*``, ``words.*``), columns lined up for Japanese too (CJK
characters take two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from monitor.domain.enums import OutboxState
from monitor.domain.model import Ack, Session, WorkReport
from monitor.domain.outbox import OutboxRow
from monitor.reports.views import duration_s, session_alerts
from monitor.texts import has, t
from monitor.texts.formats import format_elapsed

COLUMNS = (
    "start",
    "end",
    "duration",
    "verdicts",
    "purpose",
    "staff",
    "attendant",
    "alerts",
    "acks",
    "report",
    "id",
)


def _width(text: str) -> int:
    """Return the terminal width of ``text`` (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _word(lang: str, key: str, value: object) -> str:
    full = f"{key}.{value}"
    return t(lang, full) if has(lang, full) else str(value)


def _end_text(start: datetime, end: datetime | None, lang: str, by: datetime | None = None) -> str:
    if end is None:
        return t(lang, "reports.log.open")
    if by is not None:  # ended while the monitor was down: the exact time is unknown
        first, last = _end_text(start, end, lang), _end_text(start, by, lang)
        return t(lang, "reports.between", first=first, last=last)
    if end.date() == start.date():
        return end.strftime("%H:%M")
    return end.strftime("%Y-%m-%d %H:%M")


def _alerts_text(s: Session, rows: Sequence[OutboxRow], lang: str) -> str:
    alerts = []
    for a in session_alerts(s, rows):
        name = _word(lang, "alerts.kind", a["kind"])
        if a["reminder"]:
            name += t(lang, "alerts.reminder", n=a["reminder"])
        if a["state"] != OutboxState.DELIVERED:
            name += t(lang, "reports.alert.not_sent")
        alerts.append(name)
    return t(lang, "reports.separator").join(alerts) or "-"


def ack_words(a: Ack, zone: tzinfo, lang: str) -> str:
    """Return one acknowledgement in words: when, who, from where."""
    return ack_text(a, a.at.astimezone(zone).strftime("%H:%M"), lang)


def ack_text(a: Ack, time: str, lang: str) -> str:
    """Return ``time``, who (a button has no one) and from where, in words."""
    source = _word(lang, "words.ack", a.source)
    if not a.by or a.by == a.source:
        return t(lang, "reports.log.ack_button", time=time, source=source)
    return t(lang, "reports.log.ack", time=time, by=a.by, source=source)


def report_words(s: Session, report: WorkReport | None, lang: str) -> str:
    """Return the work report's state: 未報告 once ended without one, else reported."""
    if report is None:
        return "-" if s.ended_at is None else t(lang, "reports.log.unreported")
    if not report.deviations:
        return t(lang, "reports.log.reported")
    said = t(lang, "reports.separator").join(
        _word(lang, "words.deviation", d) for d in report.deviations
    )
    return t(lang, "reports.log.reported_with", deviations=said)


def _row(
    s: Session,
    rows: Sequence[OutboxRow],
    acks: Sequence[Ack],
    report: WorkReport | None,
    zone: tzinfo,
    lang: str,
) -> list[str]:
    start = s.started_at.astimezone(zone)
    end = s.ended_at.astimezone(zone) if s.ended_at else None
    by = s.ended_by.astimezone(zone) if s.ended_by else None
    p = s.permit
    sep = t(lang, "reports.separator")
    purpose = "-"
    if p:
        purpose = _word(lang, "words.purpose", p.purpose)
        if p.after_the_fact:
            purpose += t(lang, "reports.log.after_the_fact")
    length = format_elapsed_s(duration_s(s), lang)
    return [
        start.strftime("%Y-%m-%d %H:%M"),
        _end_text(start, end, lang, by),
        t(lang, "reports.at_least", duration=length) if by else length,
        sep.join(_word(lang, "words.verdict", v) for v in s.verdicts) or "-",
        purpose,
        t(lang, "reports.log.staff", staff=p.staff, company=p.company) if p else "-",
        (p.attendant or "-") if p else "-",
        _alerts_text(s, rows, lang),
        sep.join(ack_words(a, zone, lang) for a in acks) or "-",
        report_words(s, report, lang),
        s.id,
    ]


def format_elapsed_s(seconds: float | None, lang: str) -> str:
    """Return a session's length for the table ("-" while it is open)."""
    from datetime import timedelta

    if seconds is None:
        return "-"
    return format_elapsed(timedelta(seconds=seconds), lang, pad_minutes=False)


def log_table(
    sessions: Sequence[Session],
    outbox: Mapping[str, Sequence[OutboxRow]],
    zone: tzinfo,
    language: str = "ja",
    acks: Mapping[str, Sequence[Ack]] | None = None,
    reports: Mapping[str, WorkReport] | None = None,
) -> str:
    """Return the human ``log`` table: one line per session, oldest first, local times."""
    lang = "ja" if language == "ja" else "en"
    acks = acks or {}
    reports = reports or {}
    header = [t(lang, f"reports.log.h.{c}") for c in COLUMNS]
    lines = [
        header,
        *(
            _row(s, outbox.get(s.id, []), acks.get(s.id, []), reports.get(s.id), zone, lang)
            for s in sessions
        ),
    ]
    widths = [max(_width(row[i]) for row in lines) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )
