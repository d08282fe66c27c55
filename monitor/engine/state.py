"""What the engine knows between two steps, and what one step returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.domain.enums import Pattern
from monitor.domain.events import Effect
from monitor.domain.media import MediaState
from monitor.domain.model import Permit, Session


@dataclass(frozen=True)
class EngineState:
    """Everything the engine knows. Immutable; ``step`` returns a new one."""

    online: frozenset[str] = frozenset()  # watched interfaces online now
    session: Session | None = None
    pending_permits: tuple[Permit, ...] = ()  # granted, not yet linked to a session
    pattern: Pattern = Pattern.OFF
    silenced: bool = False  # the buzzer was acknowledged during the open session
    synced: bool = False
    last_down: datetime | None = None  # when the last watched link went down (settling)
    # The session's periods are accounted up to this instant (set while a link is online):
    # the next step walks the schedule's boundaries from here to ``now``, so a late
    # wake-up cannot skip a period the connection crossed.
    periods_until: datetime | None = None
    # The session came from ``Restored`` and the link table is not known yet (no
    # ``Synced``): the time the monitor was down counts as connected if a link is up.
    restored: bool = False
    # The session has been online at some instant at least ``link.settle`` after it
    # started: from then on its verdicts, alerts and reminders are due even while its
    # links are briefly down (so reminders keep their spacing through a wiggle).
    settled: bool = False
    # Someone acknowledged while the session was online: every alarm the session
    # raises later (clinic hours at settle, clinic hours entered later) is silent too,
    # and a second acknowledgement is not a new one (issue 13).
    acked: bool = False
    # Removable media present and the media-online alerts raised (``engine.media``).
    media: MediaState = field(default_factory=MediaState)


@dataclass(frozen=True)
class Step:
    """The result of one ``Engine.step``: the new state, the effects in order, the wake-up."""

    state: EngineState
    effects: tuple[Effect, ...]
    wake_at: datetime | None  # when to send the next Tick; None = only on input
