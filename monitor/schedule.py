"""Weekly windows + national holidays + closed dates ─► the period of an instant.

Pure functions of (config, instant). Evaluated in the configured zone; every
returned datetime is aware.  CONTRACT (implemented in the foundation issue):

    Schedule(config, holidays=source)      precomputes nothing at import; cheap to build
    Schedule.at(t: datetime) -> PeriodInfo t must be aware; raise ValueError if naive
    Schedule.next_change(t) -> datetime    first instant > t whose period differs from t's

How a window becomes real time
------------------------------
A window (``days`` + ``hours``) has one *occurrence* per local day ``D`` whose
day set matches ``D``. The occurrence is one contiguous stretch of real time,
``[start, end)``: from the first instant at which the local wall clock shows
``D start`` to the first instant at which it shows the end time (on ``D``, or
on ``D + 1`` when the window crosses midnight or ends at 24:00).

* The day set is judged on the start day only. A window ``22:00-06:00`` that
  starts on a holiday eve runs to 06:00 on the holiday regardless of the
  holiday; one that starts on a holiday runs into the next working day.
  Likewise a holiday that *starts* inside a running window changes nothing
  until the next occurrence.
* Spring forward (e.g. Europe/Berlin, 02:00 -> 03:00): a wall time inside the
  gap never shows; a boundary there falls on the transition itself (03:00
  CEST), the first instant at which the wall clock has passed it. A window
  lying wholly in the gap is empty that day.
* Fall back (03:00 -> 02:00): a wall time in the repeated hour shows twice; a
  boundary there falls on its first showing (CEST, ``fold=0``). An occurrence
  is never entered twice: once it has ended, the repeated hour does not reopen it.
* Clinic beats maintenance when both match; within a kind the lowest index wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from monitor.compat import UTC
from monitor.config import DAY_NAMES, Config, Window
from monitor.domain.enums import Period
from monitor.domain.model import PeriodInfo

# year -> {date: holiday name}
HolidayTable = Callable[[int], dict[date, str]]

# How far next_change looks ahead. Longer than a year, so that every rule with a
# yearly pattern (holidays, closed days) is seen at least once.
HORIZON = timedelta(days=400)

_MINUTES_PER_DAY = 24 * 60
_ONE_DAY = timedelta(days=1)
# ``at`` looks at occurrences up to two days around the instants it walks.
_YEARS_MARGIN = timedelta(days=3)
# Per-instance caches are bounded so a long-running daemon does not grow them forever.
_MAX_CACHED_DAYS = 4096


@dataclass(frozen=True)
class _Occurrence:
    """One window on one start day, as real time ``[start, end)`` in UTC."""

    start: datetime
    end: datetime
    period: Period
    rank: int  # lower wins: clinic rules first, then maintenance rules, by index
    rule: str
    day: date  # the start day (its holiday name is the one reported)


class Schedule:
    """The period of any instant under one config. Pure; holds no clock.

    Building one is cheap: holiday tables are loaded per year on first use and,
    like the per-day occurrences, cached in this instance only.

    ``holidays`` returns the ``{date: name}`` table of one year. Commands and tests
    pass ``monitor.jobs.local_holidays(config)`` (the holiday library in this process);
    the daemon passes tables loaded ahead by a child (``monitor.children.holidays``),
    so that ``Engine.step`` never waits for a process."""

    def __init__(self, config: Config, *, holidays: HolidayTable):
        self.config = config
        self._holidays: HolidayTable = holidays
        self.zone: ZoneInfo = config.zone
        rules: list[tuple[Period, str, Window]] = []
        for i, w in enumerate(config.clinic):
            rules.append((Period.CLINIC, f"clinic[{i}] {w.describe()}", w))
        for i, w in enumerate(config.maintenance):
            rules.append((Period.MAINTENANCE, f"maintenance[{i}] {w.describe()}", w))
        self._rules = tuple(rules)
        self._holiday_years: dict[int, dict[date, str]] = {}
        self._day_cache: dict[date, tuple[_Occurrence, ...]] = {}

    # ------------------------------------------------------------------ public

    def at(self, t: datetime) -> PeriodInfo:
        """Return the ``PeriodInfo`` of aware instant ``t``; raise ValueError if ``t`` is naive."""
        u = _to_utc(t)
        occ = self._occurrence_at(u)
        nxt = self._next_change_utc(u, _period_of(occ))
        local = self.local(u)
        if occ is None:
            return PeriodInfo(
                local, Period.OFF_HOURS, self.holiday_name(local.date()), None, self.local(nxt)
            )
        return PeriodInfo(local, occ.period, self.holiday_name(occ.day), occ.rule, self.local(nxt))

    def period(self, t: datetime) -> Period:
        """Return the period of aware instant ``t``; raise ValueError if ``t`` is naive."""
        return _period_of(self._occurrence_at(_to_utc(t)))

    def next_change(self, t: datetime) -> datetime:
        """Return the first instant after ``t`` whose period differs from that of ``t``,
        in the configured zone; raise ValueError if ``t`` is naive.

        Boundaries where the period stays the same (adjacent or overlapping windows)
        are skipped. If the period does not change within ``HORIZON`` (400 days) of
        ``t``, e.g. a config with no windows at all, return ``t + HORIZON``: not a
        change, but a safe instant at which to ask again."""
        u = _to_utc(t)
        return self.local(self._next_change_utc(u, _period_of(self._occurrence_at(u))))

    def holiday_years(self, t: datetime) -> range:
        """Return the years whose holiday tables ``at(t)`` may ask for (a few days before
        ``t`` to ``HORIZON`` after it, in the configured zone); raise ValueError if ``t``
        is naive. Load these ahead and the engine never waits for a table (issue 11)."""
        u = _to_utc(t)
        first = self._local_day(u) - _YEARS_MARGIN
        last = self._local_day(min(u + HORIZON, _LATEST)) + _YEARS_MARGIN
        return range(first.year, last.year + 1)

    def local(self, t: datetime) -> datetime:
        """Return aware ``t`` as local time of the configured zone, with a *fixed* UTC
        offset (and the zone's abbreviation as its name, e.g. ``CEST``).

        Why not the ZoneInfo itself: Python compares and subtracts two datetimes that
        share a tzinfo by wall time, ignoring ``fold``, and never finds an ambiguous
        local time equal to any instant of another zone (PEP 495). In the fall-back
        hour that would misorder instants. A fixed offset has none of that: every
        comparison and subtraction is by real time, and the wall time still shows."""
        local = t.astimezone(self.zone)
        return local.astimezone(_fixed_offset(local.utcoffset(), local.tzname()))

    def holiday_name(self, d: date) -> str | None:
        """Return the name of local day ``d`` as a holiday: the national holiday's name
        (as the ``holidays`` package gives it), a closed day as ``休業日 (closed
        12-29..01-03)``, both joined by ``" / "``; None for an ordinary day."""
        names = []
        national = self._national(d.year).get(d)
        if national:
            names.append(national)
        for c in self.config.calendar.closed:
            if c.contains(d):
                names.append(f"休業日 (closed {c})")
                break  # one closed-day name is enough; ranges may overlap
        return " / ".join(names) if names else None

    def is_holiday(self, d: date) -> bool:
        """Return True when local day ``d`` is a national holiday or a closed day."""
        if d in self._national(d.year):
            return True
        return any(c.contains(d) for c in self.config.calendar.closed)

    def day_matches(self, days: tuple[str, ...], d: date) -> bool:
        """Return True when local day ``d`` is in the day set ``days``."""
        name = DAY_NAMES[d.weekday()]
        if "all" in days or name in days:
            return True
        if "holiday" in days and self.is_holiday(d):
            return True
        return "weekday" in days and d.weekday() < 5 and not self.is_holiday(d)

    # ------------------------------------------------------------------ internals

    def _national(self, year: int) -> dict[date, str]:
        table = self._holiday_years.get(year)
        if table is None:
            table = self._holidays(year)
            self._holiday_years[year] = table
        return table

    def _occurrences(self, d: date) -> tuple[_Occurrence, ...]:
        """Return the occurrences of every window whose start day is ``d``."""
        cached = self._day_cache.get(d)
        if cached is not None:
            return cached
        out = []
        for rank, (period, rule, w) in enumerate(self._rules):
            if not self.day_matches(w.days, d):
                continue
            hours = w.hours
            start = self._wall_to_utc(d, hours.start)
            # Crossing midnight ("22:00-06:00") or ending at 24:00: the end is on d + 1.
            end_day = d + _ONE_DAY if hours.crosses_midnight or hours.end == _MINUTES_PER_DAY else d
            end = self._wall_to_utc(end_day, hours.end % _MINUTES_PER_DAY)
            if end > start:  # empty when the whole window lies in a spring-forward gap
                out.append(_Occurrence(start, end, period, rank, rule, d))
        result = tuple(out)
        if len(self._day_cache) >= _MAX_CACHED_DAYS:
            self._day_cache.clear()
        self._day_cache[d] = result
        return result

    def _wall_to_utc(self, d: date, minutes: int) -> datetime:
        """Return the first instant (UTC) at which the local wall clock shows ``d``
        at ``minutes`` after midnight, or, if that wall time is skipped by a
        spring-forward gap, the instant of the jump (the first instant past it)."""
        wall = datetime.combine(d, time(minutes // 60, minutes % 60))
        # fold=0 is the first showing of an ambiguous (fall-back) wall time.
        u = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        if u.astimezone(self.zone).replace(tzinfo=None) == wall:
            return u
        # In a gap. fold=0 read the wall time with the offset before the jump, which
        # lands after the jump; fold=1 with the offset after it, which lands before.
        # The wall clock is monotonic across a gap, so bisect (whole seconds) for
        # the first instant whose wall time is >= `wall`: the jump itself.
        lo = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        hi = u
        if lo > hi:
            lo, hi = hi, lo
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) // 2
            mid = mid.replace(microsecond=0)
            if mid.astimezone(self.zone).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return hi

    def _local_day(self, u: datetime) -> date:
        return u.astimezone(self.zone).date()

    def _occurrence_at(self, u: datetime) -> _Occurrence | None:
        """Return the winning occurrence containing UTC instant ``u``, or None."""
        d = self._local_day(u)
        best: _Occurrence | None = None
        # An occurrence starting on d - 1 may still run (crossing midnight); one on
        # d + 1 can already run when a fall-back repeats the hour before midnight
        # (e.g. America/Santiago falls back from 24:00 to 23:00).
        for day in (d - _ONE_DAY, d, d + _ONE_DAY):
            for occ in self._occurrences(day):
                if occ.start <= u < occ.end and (best is None or occ.rank < best.rank):
                    best = occ
        return best

    def _next_change_utc(self, u: datetime, current: Period) -> datetime:
        """Return the first boundary after ``u`` at which the period is not ``current``;
        ``u + HORIZON`` if there is none within the horizon."""
        limit = u + HORIZON
        d = self._local_day(u) - _ONE_DAY
        last_day = self._local_day(limit) + _ONE_DAY
        seen: set[datetime] = set()
        while d <= last_day:
            # Boundaries of occurrences starting on d-1..d+1 cover every boundary that
            # can fall on local day d (see _occurrence_at); check them in time order.
            candidates = sorted(
                {
                    b
                    for day in (d - _ONE_DAY, d, d + _ONE_DAY)
                    for occ in self._occurrences(day)
                    for b in (occ.start, occ.end)
                    if u < b <= limit and b not in seen
                }
            )
            day_end = self._wall_to_utc(d + _ONE_DAY, 0)
            for b in candidates:
                if b >= day_end:
                    break  # belongs to a later day: checked there, in order
                seen.add(b)
                if _period_of(self._occurrence_at(b)) != current:
                    return b
            d += _ONE_DAY
        return limit


def _fixed_offset(offset: timedelta | None, name: str | None) -> timezone:
    return timezone(offset or timedelta(0), name) if name else timezone(offset or timedelta(0))


def _period_of(occ: _Occurrence | None) -> Period:
    return Period.OFF_HOURS if occ is None else occ.period


# Instants this close to datetime's own limits leave no room for the search horizon.
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9997, 12, 31, tzinfo=UTC)


def check_instant(t: datetime) -> datetime:
    """Return ``t`` unchanged; raise ValueError if it is naive or outside years 2..9997."""
    _to_utc(t)
    return t


def _to_utc(t: datetime) -> datetime:
    if not isinstance(t, datetime):
        raise TypeError(f"expected a datetime, got {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()} (an aware instant is needed)")
    try:
        u = t.astimezone(UTC)
    except OverflowError:
        u = _LATEST if t.year > 5000 else _EARLIEST - timedelta(days=1)
    if not _EARLIEST <= u <= _LATEST:
        raise ValueError(f"{t.isoformat()} is outside the years the schedule covers (2..9997)")
    return u
