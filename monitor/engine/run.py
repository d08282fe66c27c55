"""One engine step, in its fixed order (see ``monitor.engine``'s docstring)."""

from __future__ import annotations

from datetime import datetime

from monitor.config import Config
from monitor.domain.events import Input
from monitor.engine.inputs import apply_input
from monitor.engine.media import check as check_media
from monitor.engine.media import wake_at as media_wake_at
from monitor.engine.pattern import update_pattern, wake_at
from monitor.engine.periods import walk_periods
from monitor.engine.sessions import close_if_settled
from monitor.engine.state import EngineState, Step
from monitor.engine.verdicts import evaluate, flush
from monitor.engine.work import Work
from monitor.schedule import Schedule


def run_step(
    config: Config, schedule: Schedule, state: EngineState, event: Input, now: datetime
) -> Step:
    """Return the step of ``event`` at UTC ``now`` from ``state``."""
    work = Work(config, schedule, state, now)
    _advance(work)
    apply_input(work, event)
    close_if_settled(work)
    evaluate(work)
    flush(work)
    check_media(work)
    update_pattern(work)
    due = [t for t in (wake_at(work), media_wake_at(work)) if t is not None]
    return Step(work.freeze(), tuple(work.effects), min(due, default=None))


def _advance(work: Work) -> None:
    """Account for the time between the previous step and ``now`` under the old state."""
    work.pending = tuple(p for p in work.pending if work.now < p.granted_at + p.expected)
    if work.session is None:
        return
    # Deadlines (settle, overdue, reminders) that fell due before ``now`` are
    # honoured even when the wake-up comes late or together with another input.
    if work.online:
        walk_periods(work)
    else:
        close_if_settled(work)
    evaluate(work)
