"""The periods a session touches: recorded at once and exactly, boundary by boundary."""

from __future__ import annotations

from monitor.domain.enums import Period
from monitor.engine.work import Work

# After a long gap (a restored session, a suspended machine) the period walk stops
# after this many boundaries; there are only three periods, so this is ample.
MAX_BOUNDARIES = 64


def touch_period(work: Work, period: Period) -> None:
    """Add ``period`` to the open session's periods; entering clinic hours is a new
    alarm, so the buzzer sounds again."""
    s = work.open_session()
    if period in s.periods:
        return
    work.change(periods=s.periods | {period}, why=f"entered {period}")
    if period is Period.CLINIC:
        work.silenced = work.acked


def walk_periods(work: Work) -> None:
    """Record every period between ``periods_until`` and ``now`` (the link was up)."""
    start = work.periods_until
    if start is not None and start < work.now:
        info = work.schedule.at(start)
        touch_period(work, info.period)
        for _ in range(MAX_BOUNDARIES):
            if info.next_change > work.now:
                break
            info = work.schedule.at(info.next_change)
            touch_period(work, info.period)
    touch_period(work, work.period_now().period)
    work.periods_until = work.now
