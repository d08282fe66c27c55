"""The engine: sessions, verdicts, indicator pattern, alerts to raise, next wake-up.

Pure: ``Engine.step(state, event, now)`` returns the new state, the effects to
carry out, and the instant at which the engine next needs a ``Tick``. It never
reads a clock, a socket or a pin. The daemon owns every side effect.

CONTRACT:

    Engine(config, schedule)
    Engine.initial() -> EngineState
    Engine.step(state, event, now) -> Step(state, effects, wake_at)

Inputs (``monitor.domain``): ``LinkObserved``, ``Tick``, ``PermitGranted``,
``Acknowledged``, ``Restored``, ``Synced``, ``MediaObserved``.
Effects (``monitor.domain``): ``LinkChanged``, ``SessionOpened``, ``SessionChanged``,
``SessionClosed``, ``AlertRaised``, ``PatternChanged``, ``Transition``, ``MediaChanged``.

Modules: ``state`` (EngineState, Step), ``work`` (one step's mutable copy and its
helpers), ``run`` (the step's order), ``inputs`` (what each input does), ``sessions``
(open, close), ``periods`` (the schedule walk), ``verdicts`` (checks, alerts, the
order of effects), ``pattern`` (the indicator pattern and the wake-up), ``media``
(the removable-media rules: see its docstring; their alerts come after the session's,
the lamp warns while a medium is in and a link online, and the left-in rule adds
wake-ups while a medium is in).

Semantics (see DESIGN.md, "Domain model"):
- Online = any watched interface online (``link.watches`` is checked again here; a
  removed interface is offline). Only a change of an interface's online state is a
  ``LinkChanged``: repeated kernel messages produce nothing. The pattern follows
  the links at once: ``off`` exactly when no watched link is online.
- A session opens at the first watched link up (id ``session_id(started_at)``). It
  closes once every watched link has been down for ``link.settle``; its ``ended_at``
  is the instant the last link went down (so a flapping cable is one session, not
  an alert storm). A link up exactly ``settle`` after the last down opens a new one.
- Periods touched are recorded at once and exactly: while a link is up, every
  schedule boundary between two steps is walked, so a late wake-up cannot skip a
  clinic period. The indicator pattern uses them at once too (the person at the
  cable hears the buzzer immediately): ``alarm`` once the session touched clinic
  hours (until the session ends), else ``warn`` while now off-hours, overdue or
  lacking a required permit, else ``on``.
- Alerts and verdicts wait until the session *settles*: the first instant at which a
  link is up at least ``link.settle`` after the session started. A wiggle never
  settles, so it emails nobody and keeps no verdict. At settling, every period
  touched so far counts (a session that started in the last second of clinic hours
  and lasted past settle is a clinic-hours session). Once settled, deadlines
  (overdue, reminders) are kept even while the links are briefly down.
- Verdicts (``Session.verdicts``, in order of first occurrence; ``permitted`` first
  when the session settles without a problem, so ``(permitted, overdue)`` reads as a
  history; empty for a session that never settled): ``clinic-hours`` (touched
  clinic; critical), ``outside-window`` (touched off-hours; permits never override
  windows), ``no-permit`` (``limits.require_permit`` and no permit linked when
  evaluated; a later permit ends the warning, not the verdict), ``overdue``
  (duration >= ``max_session``, or the permit's ``expected`` if longer and
  ``limits.permit_extends``). One alert per session and kind; ``overdue`` is
  followed by reminders (1, 2, ...) each ``limits.remind_every`` after the previous
  one, only while still overdue; after a long gap one reminder is raised, not a
  burst. ``resolved`` (info) once when a session that raised any alert closes,
  carrying the closed snapshot. Every alert carries the session snapshot after the
  step's changes and the ``PeriodInfo`` at ``now``.
- Permits: a ``PermitGranted`` valid now is linked to the open session if it has
  none, else kept pending and linked to the next session that opens while it is
  valid (oldest first). Expired permits are dropped; the same permit twice is one.
- ``Acknowledged`` silences the buzzer while the pattern is ``alarm`` (no effect
  otherwise); the silence lasts through flaps of the same session and ends when a
  ``clinic-hours`` alert is raised, when a session first enters clinic hours, and
  when the session ends.
- A ``Restored`` session keeps its alerts: nothing already raised is raised again;
  reminders continue from its last reminder number and instant. It is ignored if a
  session is already open. The time the monitor was down counts as connected if a
  link is up when the dump arrives (its periods are walked from ``last_seen``).
  After ``Synced`` (the watcher's first dump is in), a restored session with no
  watched link online is closed with ``EndReason.RECOVERED`` at its ``last_seen``
  (plus ``resolved`` if it had raised anything); with a link online it continues
  with its original ``started_at``. The daemon must feed: unused permits, Restored,
  the dump, then Synced.
- ``Transition`` records every change of the machine (offline/online), the pattern,
  the buzzer (sounding/silenced, with who acknowledged) and the session's worst
  verdict (``session:<id>``: None -> permitted at opening, then each worsening).
- Effects of one step come in this order: a close that fell due before ``now``
  (closed, then resolved), link, machine, session opened/changed (one
  ``SessionChanged`` per step with the final snapshot, before the alerts that carry
  it), its alerts, its verdict transition, a close caused by the input, pattern.
- ``wake_at``: the earliest future instant among the settle deadline (settling or
  closing), the overdue deadline or next reminder, and the schedule's next change
  (only while a link is up). ``None`` when no session is open: an idle monitor
  does no periodic work. A ``Tick`` at any instant is harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.compat import UTC
from monitor.config import Config
from monitor.domain.events import Input
from monitor.domain.model import Session
from monitor.engine.run import run_step
from monitor.engine.state import EngineState, Step
from monitor.engine.work import overdue_limit
from monitor.schedule import Schedule

__all__ = ["Engine", "EngineState", "Step"]


class Engine:
    """The decision function under one config. Pure."""

    def __init__(self, config: Config, schedule: Schedule):
        self.config = config
        self.schedule = schedule

    def initial(self) -> EngineState:
        """Return the state of a monitor that knows nothing yet."""
        return EngineState()

    def step(self, state: EngineState, event: Input, now: datetime) -> Step:
        """Return the state, effects and next wake-up after ``event`` at aware ``now``.

        Raise ValueError if ``now`` is naive, TypeError if ``event`` is not an input.
        A ``Tick`` (or any input) repeated at the same instant yields no effects."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be an aware datetime, got {now!r}")
        return run_step(self.config, self.schedule, state, event, now.astimezone(UTC))

    def overdue_limit(self, session: Session) -> timedelta:
        """Return how long ``session`` may last before it is overdue: ``limits.max_session``,
        or the linked permit's expected duration if longer and ``limits.permit_extends``."""
        return overdue_limit(self.config.limits, session)
