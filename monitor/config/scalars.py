"""The config's scalar values, free of pydantic: time windows (``TimeRange``), closed
days (``ClosedDays``) and their parsers. Each parser raises ValueError with the
message the config error shows after the key path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

_HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_hhmm(text: str, *, allow_24: bool) -> int:
    m = _HHMM_RE.match(text.strip())
    if not m:
        raise ValueError(f"bad time {text.strip()!r}: expected HH:MM")
    hh, mm = int(m.group(1)), int(m.group(2))
    if hh == 24 and mm == 0 and allow_24:
        return 24 * 60
    if hh > 23 or mm > 59:
        raise ValueError(f"bad time {text.strip()!r}: hours 00-23, minutes 00-59")
    return hh * 60 + mm


@dataclass(frozen=True)
class TimeRange:
    """Minutes after local midnight; ``end`` is exclusive. ``end <= start`` crosses midnight."""

    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def start_time(self) -> time:
        return time(self.start // 60, self.start % 60)

    @property
    def end_time(self) -> time:
        return time((self.end // 60) % 24, self.end % 60)

    def __str__(self) -> str:
        return (
            f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"
        )


def parse_time_range(value: Any) -> TimeRange:
    """Return the ``TimeRange`` of ``"HH:MM-HH:MM"``; raise ValueError otherwise.

    ``"22:00-06:00"`` crosses midnight; ``"00:00-24:00"`` is the whole day.
    Equal start and end is an error (empty or ambiguous window)."""
    if isinstance(value, TimeRange):
        return value
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f'expected "HH:MM-HH:MM", got {value!r}')
    a, b = value.split("-")
    start = _parse_hhmm(a, allow_24=False)
    end = _parse_hhmm(b, allow_24=True)
    if start == end % (24 * 60) and not (start == 0 and end == 24 * 60):
        raise ValueError(f"window {value!r} starts and ends at the same time")
    return TimeRange(start, end)


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ClosedDays:
    """A closed day or range. Month-day forms (``year is None``) recur every year and
    may wrap the year end (``12-29..01-03``); dated forms are absolute."""

    first: tuple[int | None, int, int]  # (year or None, month, day)
    last: tuple[int | None, int, int]
    text: str

    def contains(self, d: date) -> bool:
        """Return True when ``d`` falls in this closed range (bounds inclusive)."""
        if self.first[0] is not None:
            lo = date(*self.first)  # type: ignore[arg-type]
            hi = date(*self.last)  # type: ignore[arg-type]
            return lo <= d <= hi
        md = (d.month, d.day)
        lo_md, hi_md = self.first[1:], self.last[1:]
        if lo_md <= hi_md:
            return lo_md <= md <= hi_md
        return md >= lo_md or md <= hi_md  # wraps the year end

    def __str__(self) -> str:
        return self.text


_MD_RE = re.compile(r"^(\d{2})-(\d{2})$")
_YMD_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _parse_day(text: str) -> tuple[int | None, int, int]:
    text = text.strip()
    if m := _YMD_RE.match(text):
        y, mo, d = (int(g) for g in m.groups())
        date(y, mo, d)  # raises ValueError for 2026-02-30
        return (y, mo, d)
    if m := _MD_RE.match(text):
        mo, d = (int(g) for g in m.groups())
        date(2000, mo, d)  # leap year: 02-29 is allowed
        return (None, mo, d)
    raise ValueError(f"bad date {text!r}: expected MM-DD or YYYY-MM-DD")


def parse_closed(value: Any) -> ClosedDays:
    """Return the ``ClosedDays`` of ``"MM-DD"``, ``"MM-DD..MM-DD"``, ``"YYYY-MM-DD"`` or
    ``"YYYY-MM-DD..YYYY-MM-DD"``; raise ValueError otherwise."""
    if isinstance(value, ClosedDays):
        return value
    if not isinstance(value, str):
        raise ValueError(  # noqa: TRY004 (pydantic reports ValueError with the key path)
            f'expected a date string like "12-29..01-03", got {value!r}'
        )
    parts = value.split("..")
    if len(parts) > 2:
        raise ValueError(f"bad range {value!r}: use FIRST..LAST")
    try:
        first = _parse_day(parts[0])
        last = _parse_day(parts[-1])
    except ValueError as exc:
        msg = str(exc)
        if not msg.startswith("bad date"):
            msg = f"bad date in {value!r}: {msg}"
        raise ValueError(msg) from None
    if (first[0] is None) != (last[0] is None):
        raise ValueError(f"bad range {value!r}: both ends need a year, or neither")
    if first[0] is not None and date(*first) > date(*last):  # type: ignore[arg-type]
        raise ValueError(f"bad range {value!r}: the first date is after the last")
    return ClosedDays(first, last, value.strip())
