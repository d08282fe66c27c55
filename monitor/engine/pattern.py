"""The indicator pattern a step leaves, and the engine's next wake-up."""

from __future__ import annotations

from datetime import datetime

from monitor.domain.enums import Entity, Pattern, Period
from monitor.domain.events import PatternChanged
from monitor.engine.media import warn_reasons
from monitor.engine.work import Work, overdue_limit


def pattern_now(work: Work) -> tuple[Pattern, str]:
    """Return the pattern the links and the session ask for, and why."""
    s = work.session
    if not work.online or s is None:
        return Pattern.OFF, "no watched link online"
    if Period.CLINIC in s.periods:
        return Pattern.ALARM, "connected during clinic hours"
    why = []
    if work.period_now().period is Period.OFF_HOURS:
        why.append("outside every maintenance window")
    if work.overdue(s):
        why.append("overdue")
    if work.lacks_permit(s):
        why.append("no permit")
    why += warn_reasons(work)
    if why:
        return Pattern.WARN, ", ".join(why)
    return Pattern.ON, "online, permitted"


def update_pattern(work: Work) -> None:
    """Set the step's pattern; emit ``PatternChanged`` (and a transition) if it or the
    silence shown changed."""
    work.pattern, reason = pattern_now(work)
    if work.pattern is not Pattern.ALARM and work.session is None:
        work.silenced = False
    shown = work.silenced and work.pattern is Pattern.ALARM
    if (work.pattern, shown) == (work.old_pattern, work.old_silenced):
        return
    if work.pattern is work.old_pattern and shown:
        reason = work.ack_reason or reason
    work.effects.append(PatternChanged(work.pattern, shown, reason))
    if work.pattern is not work.old_pattern:
        work.transition(Entity.PATTERN, work.old_pattern, work.pattern, reason)


def wake_at(work: Work) -> datetime | None:
    """Return the earliest future deadline of the open session, or None if none is open."""
    s = work.session
    if s is None:
        return None
    due: list[datetime] = []
    if work.online:
        due.append(work.period_now().next_change)
        if not work.settled:
            due.append(s.started_at + work.settle)
    elif work.last_down is not None:
        due.append(work.last_down + work.settle)
    if work.settled:
        if not work.overdue(s):
            due.append(s.started_at + overdue_limit(work.limits, s))
        elif (last := work.last_overdue()) is not None:
            due.append(last.at + work.limits.remind_every)
    future = [t for t in due if t > work.now]
    return min(future, default=None)
