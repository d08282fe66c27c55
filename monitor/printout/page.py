"""The printed register as one self-contained HTML file: masthead, picture, summary,
list and sign-off boxes for a month; a year's summary page before its months.

No script, no external file, no web font: the browser of the PC opens it and prints
it on A4 landscape with the fonts the system has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from monitor.domain.enums import Period, Verdict
from monitor.printout.media import media_html
from monitor.printout.records import Connection, Masthead, Month
from monitor.printout.style import CSS
from monitor.printout.table import table_html
from monitor.printout.timeline import PERIOD_FILL, VERDICT_COLOUR, ScheduleView, timeline_svg
from monitor.texts import t
from monitor.texts.formats import format_elapsed


def _w(language: str, key: str, **values: object) -> str:
    return t(language, f"printout.{key}", **values)


def in_clinic_hours(c: Connection) -> bool:
    """Return True when the connection touched clinic hours."""
    return Period.CLINIC in c.session.periods or Verdict.CLINIC_HOURS in c.session.verdicts


@dataclass(frozen=True)
class Totals:
    """A month's figures for the summary and the year page."""

    count: int
    connected: timedelta  # time connected inside the month
    clinic: tuple[int, ...]  # numbers of the connections that touched clinic hours
    down: timedelta
    downs: int  # stops with a known start
    restarts: int  # restarts whose stop time is unknown

    @classmethod
    def of(cls, month: Month, now: datetime) -> Totals:
        connected = timedelta()
        for c in month.connections:
            a = max(c.session.started_at, month.start)
            b = min(c.end_or(now), month.end)
            connected += max(b - a, timedelta())
        clinic = tuple(c.number for c in month.connections if in_clinic_hours(c))
        known = [d for d in month.downtimes if d.start_known]
        return cls(
            len(month.connections),
            connected,
            clinic,
            month.down_total(),
            len(known),
            len(month.downtimes) - len(known),
        )


def _month_name(language: str, month: Month) -> str:
    return _w(
        language,
        "month_value",
        year=month.year,
        month=f"{month.month:02d}" if language == "en" else month.month,
    )


def _meta(head: Masthead) -> str:
    L, chain = head.language, head.chain
    made = _w(
        L,
        "made_value",
        at=head.made_at.astimezone(head.zone).strftime("%Y-%m-%d %H:%M"),
        by=head.made_by,
    )
    if chain.ok:
        check = f'<span class="ok">{escape(_w(L, "verify_ok", count=chain.count))}</span>'
    else:
        check = f'<span class="bad">{escape(_w(L, "verify_broken"))}</span>'
    hash_text = _w(L, "head_value", seq=chain.seq, hash=chain.head)
    return (
        '<dl class="meta">'
        f"<dt>{escape(_w(L, 'made'))}</dt><dd>{escape(made)}</dd>"
        f'<dt>{escape(_w(L, "head"))}</dt><dd class="hash">{escape(hash_text)}</dd>'
        f"<dt>{escape(_w(L, 'verify'))}</dt><dd>{check}</dd></dl>"
    )


def masthead_html(head: Masthead, title: str, subject: str) -> str:
    """Return the top of a page: title, machine and month, who made it, the chain."""
    L = head.language
    banner = ""
    if not head.chain.ok:
        banner = (
            f'<div class="banner" role="alert">'
            f"{escape(_w(L, 'broken_banner', record=head.chain.broken_record, reason=head.chain.broken_reason))}"
            "</div>"
        )
    return (
        '<header class="masthead"><div>'
        f'<h1>{escape(title)}</h1><div class="subject">'
        f"<span>{escape(_w(L, 'machine'))}: <b>{escape(head.machine)}</b></span>"
        f"<span>{subject}</span></div></div>{_meta(head)}</header>{banner}"
    )


def _swatch(colour: str, text: str) -> str:
    return f'<li><span class="swatch" style="background:{colour}"></span>{escape(text)}</li>'


def _legend(language: str) -> str:
    items = [
        _swatch(PERIOD_FILL[Period.CLINIC], _w(language, "legend_clinic")),
        _swatch(PERIOD_FILL[Period.MAINTENANCE], _w(language, "legend_maintenance")),
    ]
    items += [
        _swatch(VERDICT_COLOUR[v], t(language, f"alerts.verdict.{v}")) for v in reversed(Verdict)
    ]
    items.append(
        f'<li><span class="swatch hatch"></span>{escape(_w(language, "legend_down"))}</li>'
    )
    items.append(
        f'<li><span class="swatch" style="border:none;text-align:center">▼</span>'
        f"{escape(_w(language, 'legend_restart'))}</li>"
    )
    return f'<ul class="legend">{"".join(items)}</ul>'


def summary_html(totals: Totals, language: str) -> str:
    """Return the month's summary as a definition list, every figure in words."""
    L = language
    if totals.clinic:
        numbers = ", ".join(str(n) for n in totals.clinic)
        clinic = _w(L, "s.clinic_some", n=len(totals.clinic), numbers=numbers)
    else:
        clinic = _w(L, "s.clinic_none")
    if totals.downs:
        down = _w(L, "s.down_some", n=totals.downs, total=format_elapsed(totals.down, L))
    else:
        down = _w(L, "s.down_none")
    if totals.restarts:
        down += " " + _w(L, "s.down_unknown", n=totals.restarts)
    rows = [
        ("s.count", _w(L, "s.count_value", n=totals.count), ""),
        ("s.total", format_elapsed(totals.connected, L), ""),
        ("s.clinic", clinic, ' class="alarm"' if totals.clinic else ""),
        ("s.down", down, ""),
    ]
    body = "".join(
        f"<dt>{escape(_w(L, key))}</dt><dd{cls}>{escape(value)}</dd>" for key, value, cls in rows
    )
    return f'<h2>{escape(_w(L, "summary"))}</h2><dl class="summary">{body}</dl>'


def signoff_html(language: str) -> str:
    """Return the foot of a page: where the page came from, and the sign-off boxes."""
    boxes = "".join(
        f'<div class="box {cls}">{escape(_w(language, key))}</div>'
        for key, cls in (("sign.checker", ""), ("sign.manager", ""), ("sign.date", "date"))
    )
    return (
        f'<div class="signoff"><p class="foot">{escape(_w(language, "page_foot"))}</p>{boxes}</div>'
    )


def month_section(month: Month, head: Masthead, schedule: ScheduleView) -> str:
    """Return one month as a ``<section>`` (one sheet, more if the list is long)."""
    L, now = head.language, head.made_at
    subject = f"{escape(_w(L, 'month'))}: <b>{escape(_month_name(L, month))}</b>"
    svg = timeline_svg(month, schedule, head.zone, L, now)
    if month.connections:
        listing = table_html(month, head.zone, L, now)
    else:
        listing = f'<p class="empty">{escape(_w(L, "empty"))}</p>'
    return (
        f'<section class="sheet month" data-month="{month.label}">'
        f"{masthead_html(head, _w(L, 'title'), subject)}"
        f'<div class="upper"><figure class="picture">'
        f"<h2>{escape(_w(L, 'timeline'))}</h2>{svg}</figure>"
        f'<aside class="side">{_legend(L)}{summary_html(Totals.of(month, now), L)}'
        f"{'' if month.media else media_html((), head.zone, L)}</aside>"
        f"</div><h2>{escape(_w(L, 'table'))}</h2>{listing}"
        f"{media_html(month.media, head.zone, L) if month.media else ''}"
        f"{signoff_html(L)}</section>"
    )


def _year_table(months: list[Month], language: str, now: datetime) -> str:
    L = language
    cols = ("y.month", "y.count", "y.total", "y.clinic", "y.down")
    head = "".join(f"<th>{escape(_w(L, c))}</th>" for c in cols)
    rows, connected, down = [], timedelta(), timedelta()
    for m in months:
        tot = Totals.of(m, now)
        connected, down = connected + tot.connected, down + tot.down
        label = _w(L, "y.month_value", month=m.month)
        rows.append(_year_row(label, tot.count, tot.connected, len(tot.clinic), tot.down, L, ""))
    # A connection carried over into the next month is in two months' lists: count it once.
    every = {c.session.id: c for m in months for c in m.connections}
    clinic = sum(1 for c in every.values() if in_clinic_hours(c))
    label = _w(L, "y.total_row")
    rows.append(_year_row(label, len(every), connected, clinic, down, L, ' class="total"'))
    body = "".join(rows)
    return f'<table class="year"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _year_row(
    label: str,
    count: int,
    connected: timedelta,
    clinic: int,
    down: timedelta,
    language: str,
    cls: str,
) -> str:
    cells = [
        escape(label),
        str(count),
        escape(format_elapsed(connected, language)),
        str(clinic),
        escape(format_elapsed(down, language)),
    ]
    tds = "".join(f'<td class="{"" if i == 0 else "num"}">{c}</td>' for i, c in enumerate(cells))
    return f"<tr{cls}>{tds}</tr>"


def _document(language: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def render_month(month: Month, head: Masthead, schedule: ScheduleView) -> str:
    """Return the HTML file of one month."""
    title = f"{_w(head.language, 'title')} {_month_name(head.language, month)} {head.machine}"
    return _document(head.language, title, month_section(month, head, schedule))


def render_year(year: int, months: list[Month], head: Masthead, schedule: ScheduleView) -> str:
    """Return the HTML file of a year: its summary page, then one month per sheet."""
    L = head.language
    title = _w(L, "title_year", year=year)
    subject = f"{escape(_w(L, 'month'))}: <b>{escape(_w(L, 'year_value', year=year))}</b>"
    first = (
        f'<section class="sheet year" data-year="{year}">{masthead_html(head, title, subject)}'
        f"<h2>{escape(_w(L, 'summary'))}</h2>{_year_table(months, L, head.made_at)}"
        f"{signoff_html(L)}</section>"
    )
    sections = "".join(month_section(m, head, schedule) for m in months)
    return _document(L, f"{title} {head.machine}", first + sections)
