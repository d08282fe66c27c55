"""The month's list of connections: one ``<tr>`` per connection, every word from the
catalog (no internal codes), times in the configured zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from monitor.domain.enums import OutboxState, Period
from monitor.printout.records import AckSeen, AlertSeen, Connection, Month
from monitor.texts import t
from monitor.texts.formats import format_bytes, format_elapsed

COLUMNS = (
    "number",
    "start",
    "end",
    "duration",
    "periods",
    "verdict",
    "purpose",
    "company",
    "staff",
    "granted_by",
    "after",
    "ack",
    "alerts",
    "traffic",
)
_PERIOD_ORDER = (Period.CLINIC, Period.MAINTENANCE, Period.OFF_HOURS)


def _w(language: str, key: str, **values: object) -> str:
    return t(language, f"printout.{key}", **values)


def date_time(at: datetime, zone: tzinfo, language: str, *, seconds: bool = False) -> str:
    """Return ``4/5(日) 17:20`` (``04/05 (Sun) 17:20`` in English), local time."""
    local = at.astimezone(zone)
    return _w(
        language,
        "date_time",
        month=local.month,
        day=local.day,
        weekday=_w(language, f"wd.{local.weekday()}"),
        time=local.strftime("%H:%M:%S" if seconds else "%H:%M"),
    )


def clock(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def _end(c: Connection, zone: tzinfo, language: str) -> str:
    s = c.session
    if s.ended_at is None:
        return _w(language, "open")
    if s.ended_at.astimezone(zone).date() == s.started_at.astimezone(zone).date():
        return clock(s.ended_at, zone)
    return date_time(s.ended_at, zone, language)


def _duration(c: Connection, language: str, now: datetime) -> str:
    s = c.session
    if s.ended_at is None:
        return _w(language, "open_duration", elapsed=format_elapsed(s.duration(now), language))
    return format_elapsed(s.duration(), language)


def _alert(a: AlertSeen, zone: tzinfo, language: str) -> str:
    kind = t(language, f"alerts.kind.{a.kind}")
    if a.reminder:
        kind += t(language, "alerts.reminder", n=a.reminder)
    raised = clock(a.raised_at, zone)
    if a.state is OutboxState.DELIVERED and a.delivered_at is not None:
        return _w(
            language, "alert_sent", kind=kind, raised=raised, sent=clock(a.delivered_at, zone)
        )
    key = "alert_failed" if a.state is OutboxState.FAILED else "alert_unsent"
    return _w(language, key, kind=kind, raised=raised)


def _ack(a: AckSeen, zone: tzinfo, language: str) -> str:
    source = f"source.{a.source}"
    how = _w(language, source) if source in _SOURCES else a.source
    if a.by in _ANONYMOUS or a.by == a.source:
        # A button press has no user: the engine writes "someone", the daemon the source.
        return _w(language, "ack_anonymous", at=clock(a.at, zone), source=how)
    return _w(language, "ack_value", at=clock(a.at, zone), by=a.by, source=how)


_SOURCES = frozenset(
    {"source.cli", "source.gpio button", "source.box button", "source.screen lamp"}
)
_ANONYMOUS = frozenset({"", "someone"})


def _lines(items: list[str], language: str) -> str:
    """Return the items one per line (escaped), or the dash."""
    if not items:
        return escape(_w(language, "none"))
    return "<br>".join(escape(i) for i in items)


def cells(
    c: Connection, month: Month, zone: tzinfo, language: str, now: datetime
) -> dict[str, str]:
    """Return the HTML of each column of one connection's row (already escaped)."""
    s, p = c.session, c.session.permit
    none = escape(_w(language, "none"))
    start = escape(date_time(s.started_at, zone, language))
    if s.started_at < month.start:
        start += f'<br><span class="note">{escape(_w(language, "continued"))}</span>'
    periods = [t(language, f"words.period.{x}") for x in _PERIOD_ORDER if x in s.periods]
    verdicts = [t(language, f"alerts.verdict.{v}") for v in s.verdicts]
    return {
        "number": str(c.number),
        "start": start,
        "end": escape(_end(c, zone, language)) + _report(c, language),
        "duration": escape(_duration(c, language, now)),
        "periods": _lines(periods, language),
        "verdict": _lines(verdicts, language),
        "purpose": escape(t(language, f"alerts.purpose.{p.purpose}")) if p else none,
        "company": escape(p.company) if p and p.company else none,
        "staff": escape(p.staff) if p and p.staff else none,
        "granted_by": escape(p.granted_by) if p and p.granted_by else none,
        "after": escape(_w(language, "yes")) if p and p.after_the_fact else none,
        "ack": _lines([_ack(a, zone, language) for a in c.acks], language),
        "alerts": _lines([_alert(a, zone, language) for a in c.alerts], language),
        "traffic": escape(
            _w(
                language,
                "traffic",
                sent=format_bytes(s.bytes_sent),
                received=format_bytes(s.bytes_received),
            )
        ),
    }


def _report(c: Connection, language: str) -> str:
    """Return the work report under the session's end (the page keeps its columns): 未報告
    (marked) once the session ended without one, else who reported and how the work
    differed from the permit's plan."""
    w = c.report
    if w is None:
        if c.session.ended_at is None:
            return ""
        return f' <span class="unreported">{escape(_w(language, "unreported"))}</span>'
    said = [_w(language, "reported", by=w.reported_by)]
    said += [t(language, f"words.deviation.{d}") for d in w.deviations]
    return f'<br><span class="reported">{_lines(said, language)}</span>'


def table_html(month: Month, zone: tzinfo, language: str, now: datetime) -> str:
    """Return the ``<table>`` of the month's connections (header row repeated on every
    printed page by the page's CSS)."""
    head = "".join(
        f'<th class="c-{col}">{escape(_w(language, f"h.{col}"))}</th>' for col in COLUMNS
    )
    rows = []
    for c in month.connections:
        row = cells(c, month, zone, language, now)
        worst = c.session.worst
        rows.append(
            f'<tr class="v-{worst}">'
            + "".join(f'<td class="c-{col}">{row[col]}</td>' for col in COLUMNS)
            + "</tr>"
        )
    return (
        f'<table class="connections"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
