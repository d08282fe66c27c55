"""Local days and months as aware UTC bounds (for ``log --since`` and ``export --month``)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from monitor.compat import UTC


def month_bounds(year: int, month: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the aware UTC instants of local midnight on the 1st of ``month`` and of
    the next month (end exclusive)."""
    start = datetime(year, month, 1, tzinfo=zone)
    nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), nxt.astimezone(UTC)


def day_bounds(day: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the aware UTC instants of local midnight of ``day`` and of the next day."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = start + timedelta(days=1)  # same tzinfo: wall-clock arithmetic, right across DST
    return start.astimezone(UTC), nxt.astimezone(UTC)
