"""The month as a picture: an inline SVG, one row per local day, 0-24 h across.

Each row shows the clinic hours and maintenance windows as the schedule had them
that day (shaded), every connection as a bar coloured by its worst verdict with its
number beside it, and the stretches in which the monitor was not running (hatched).
Positions are wall-clock hours of the configured zone: ``x = X0 + hour * HOUR_W``,
row ``d`` (1-based day of the month) starts at ``y = TOP + (d - 1) * ROW``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from html import escape
from typing import Protocol

from monitor.compat import UTC
from monitor.domain.enums import Period, Verdict
from monitor.domain.model import PeriodInfo
from monitor.printout.records import Connection, Month
from monitor.texts import t

# Geometry in SVG user units (the picture scales to the width the page gives it).
LABEL_W = 150  # day number, weekday, holiday name
X0 = LABEL_W + 2
HOUR_W = 29.0
X1 = X0 + 24 * HOUR_W
TOP = 14
ROW = 8
BAR_PAD = 1.4  # a bar leaves this much of its row free above and below
MIN_BAR = 1.6  # a connection of a few seconds is still seen
VIEW_W = X1 + 18

VERDICT_COLOUR = {
    Verdict.PERMITTED: "#2e7d32",
    Verdict.NO_PERMIT: "#f0a800",
    Verdict.OVERDUE: "#e65100",
    Verdict.OUTSIDE_WINDOW: "#7b1fa2",
    Verdict.CLINIC_HOURS: "#c62828",
}
HATCH = (
    '<defs><pattern id="hatch" width="3" height="3" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="3" height="3" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="3" stroke="#424242" stroke-width="1.4"/></pattern>'
    "</defs>"
)
PERIOD_FILL = {Period.CLINIC: "#f6c9c9", Period.MAINTENANCE: "#d6e6f5"}


class ScheduleView(Protocol):
    """What the picture asks the schedule (``monitor.schedule.Schedule`` has it)."""

    def at(self, t: datetime) -> PeriodInfo: ...

    def holiday_name(self, d: date) -> str | None: ...


def days_of(month: Month, zone: tzinfo) -> list[tuple[date, datetime, datetime]]:
    """Return each local day of ``month`` with its start and end (UTC, end exclusive)."""
    out: list[tuple[date, datetime, datetime]] = []
    first = month.start.astimezone(zone).date()
    day = first
    while True:
        start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        if start >= month.end:
            return out
        nxt = day + timedelta(days=1)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(UTC)
        out.append((day, start, end))
        day = nxt


def hour_of(at: datetime, day_end: datetime, zone: tzinfo) -> float:
    """Return the wall-clock hour (0-24, fractional) of ``at`` on its row; the row's
    end is 24 even when the day is 23 or 25 hours long."""
    if at >= day_end:
        return 24.0
    local = at.astimezone(zone)
    return local.hour + local.minute / 60 + (local.second + local.microsecond / 1e6) / 3600


def x_of(hour: float) -> float:
    return round(X0 + hour * HOUR_W, 2)


def y_of(day_index: int) -> float:
    """Return the top of row ``day_index`` (0 = the 1st)."""
    return TOP + day_index * ROW


def _pieces(
    start: datetime, end: datetime, days: list[tuple[date, datetime, datetime]]
) -> Iterator[tuple[int, datetime, datetime, datetime]]:
    """Yield (row, from, to, row end) for each day row that [start, end) touches."""
    for i, (_day, d0, d1) in enumerate(days):
        a, b = max(start, d0), min(end, d1)
        if a < b or (a == b == start and d0 <= start < d1):
            yield i, a, b, d1


def _shading(
    schedule: ScheduleView, days: list[tuple[date, datetime, datetime]], zone: tzinfo
) -> list[str]:
    out = []
    for i, (_day, d0, d1) in enumerate(days):
        at = d0
        while at < d1:
            info = schedule.at(at)
            until = min(info.next_change, d1)
            fill = PERIOD_FILL.get(info.period)
            if fill:
                x0, x1 = x_of(hour_of(at, d1, zone)), x_of(hour_of(until, d1, zone))
                out.append(
                    f'<rect class="period {info.period}" x="{x0}" y="{y_of(i)}" '
                    f'width="{round(x1 - x0, 2)}" height="{ROW}" fill="{fill}"/>'
                )
            at = until
    return out


def _grid(language: str, bottom: float) -> list[str]:
    out = []
    for h in range(25):
        strong = h % 6 == 0
        out.append(
            f'<line x1="{x_of(h)}" y1="{TOP}" x2="{x_of(h)}" y2="{bottom}" '
            f'stroke="{"#9e9e9e" if strong else "#dddddd"}" stroke-width="0.5"/>'
        )
        if h % 3 == 0:
            out.append(
                f'<text class="hour" x="{x_of(h)}" y="{TOP - 3.5}" text-anchor="middle">'
                f"{escape(t(language, 'printout.hour', hour=h))}</text>"
            )
    return out


def _holiday(name: str | None, language: str) -> str | None:
    """Return the holiday name for the page: a closed day reads as such, without the
    config's notation (``休業日 (closed 12-29..01-03)``)."""
    if not name:
        return None
    parts = [
        t(language, "printout.closed_day") if p.startswith("休業日") else p
        for p in name.split(" / ")
    ]
    return "・".join(parts)


def _day_labels(
    schedule: ScheduleView, days: list[tuple[date, datetime, datetime]], language: str
) -> list[str]:
    out = []
    for i, (day, _d0, _d1) in enumerate(days):
        holiday = _holiday(schedule.holiday_name(day), language)
        weekday = t(language, f"printout.wd.{day.weekday()}")
        cls = "sun" if holiday or day.weekday() == 6 else ("sat" if day.weekday() == 5 else "")
        y = y_of(i) + ROW - 1.4
        out.append(f'<text class="day {cls}" x="2" y="{y}">{day.day} ({escape(weekday)})</text>')
        if holiday:
            name = holiday if len(holiday) <= 12 else holiday[:11] + "…"
            out.append(f'<text class="holiday" x="46" y="{y}">{escape(name)}</text>')
        out.append(
            f'<line x1="0" y1="{y_of(i + 1)}" x2="{X1}" y2="{y_of(i + 1)}" '
            'stroke="#e6e6e6" stroke-width="0.4"/>'
        )
    return out


def _bars(
    c: Connection,
    month: Month,
    days: list[tuple[date, datetime, datetime]],
    zone: tzinfo,
    now: datetime,
) -> list[str]:
    s = c.session
    start, end = max(s.started_at, month.start), min(c.end_or(now), month.end)
    colour = VERDICT_COLOUR[s.worst]
    out = []
    for part, (i, a, b, d1) in enumerate(_pieces(start, end, days)):
        x0 = x_of(hour_of(a, d1, zone))
        width = max(round(x_of(hour_of(b, d1, zone)) - x0, 2), MIN_BAR)
        y = y_of(i) + BAR_PAD
        out.append(
            f'<rect class="bar" data-no="{c.number}" data-part="{part}" x="{x0}" '
            f'y="{y}" width="{width}" height="{ROW - 2 * BAR_PAD}" fill="{colour}"/>'
        )
        if part == 0:
            right = x0 + width + 1.2
            anchor, tx = ("start", right) if right < X1 - 12 else ("end", x0 - 1.2)
            out.append(
                f'<text class="no" x="{round(tx, 2)}" y="{y_of(i) + ROW - 1.8}" '
                f'text-anchor="{anchor}">{c.number}</text>'
            )
    return out


def _downtimes(
    month: Month, days: list[tuple[date, datetime, datetime]], zone: tzinfo
) -> list[str]:
    out = []
    for d in month.downtimes:
        if not d.start_known:
            for i, a, _b, d1 in _pieces(d.end, d.end, days):
                x = x_of(hour_of(a, d1, zone))
                y = y_of(i)
                out.append(
                    f'<path class="restart" d="M{x - 3} {y} L{x + 3} {y} L{x} {y + 5} Z" '
                    'fill="#424242"/>'
                )
            continue
        for i, a, b, d1 in _pieces(d.start, d.end, days):
            x0, x1 = x_of(hour_of(a, d1, zone)), x_of(hour_of(b, d1, zone))
            out.append(
                f'<rect class="down" x="{x0}" y="{y_of(i)}" '
                f'width="{max(round(x1 - x0, 2), 0.8)}" height="{ROW}" '
                'fill="url(#hatch)" stroke="#424242" stroke-width="0.4"/>'
            )
    return out


def timeline_svg(
    month: Month, schedule: ScheduleView, zone: tzinfo, language: str, now: datetime
) -> str:
    """Return the month's picture as one ``<svg>`` element (well-formed XML)."""
    days = days_of(month, zone)
    bottom = y_of(len(days))
    height = bottom + 2
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" '
            f'viewBox="0 0 {VIEW_W} {height}" role="img">'
        ),
        HATCH,
        *_shading(schedule, days, zone),
        *_grid(language, bottom),
        *_day_labels(schedule, days, language),
        *_downtimes(month, days, zone),
    ]
    for c in month.connections:
        parts += _bars(c, month, days, zone, now)
    parts.append("</svg>")
    return "\n".join(parts)
