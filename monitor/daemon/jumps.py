"""The wall clock watched against the monotonic clock (issue 13).

At every step and heartbeat the wall time that passed is compared with the
monotonic time that passed. A difference of ``JUMP`` or more is a jump (someone set
the clock, or it was stepped): recorded as a ``clock`` transition (old = the wall
time expected, new = the wall time read), raised as a ``monitor`` alert and shown
in ``status``. Durations and retry times never depend on it: they run on the
monotonic clock (``Effects`` measures sessions, the outbox worker its retries).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.daemon.alerting import Alerting
from monitor.daemon.runtime import Runtime
from monitor.daemon.writes import WriteQueue
from monitor.domain.enums import Entity, Severity
from monitor.domain.model import Transition

log = logging.getLogger("monitor.daemon")

#: A wall clock that moved this much more or less than the monotonic clock jumped
#: (NTP slews far slower; a step by timesyncd or ``date -s`` is seconds or more).
JUMP = timedelta(seconds=2)


@dataclass(frozen=True)
class Jump:
    """The wall clock read ``new`` where ``old`` was expected."""

    old: datetime
    new: datetime

    @property
    def seconds(self) -> float:
        return (self.new - self.old).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        return {"old": self.old.isoformat(), "new": self.new.isoformat(), "by_s": self.seconds}


class JumpWatch:
    """``check()`` at each step and heartbeat; ``jumps`` = every jump seen, oldest first."""

    def __init__(self, rt: Runtime, writes: WriteQueue, alerting: Alerting):
        self._rt = rt
        self._writes = writes
        self._alerting = alerting
        self._base: tuple[float, datetime] | None = None
        self.jumps: list[Jump] = []

    def check(self) -> Jump | None:
        """Return the jump since the last check (recorded, alerted), or None."""
        clock = self._rt.clock
        mono, wall = clock.monotonic(), clock.now()
        base, self._base = self._base, (mono, wall)
        if base is None:
            return None
        expected = base[1] + timedelta(seconds=mono - base[0])
        if abs(wall - expected) < JUMP:
            return None
        jump = Jump(expected, wall)
        self.jumps.append(jump)
        log.warning(
            "the wall clock jumped by %+.0f s (%s expected, %s read)",
            jump.seconds,
            expected.isoformat(),
            wall.isoformat(),
        )
        t = Transition(
            Entity.CLOCK,
            expected.isoformat(),
            wall.isoformat(),
            f"wall clock jumped by {jump.seconds:+.0f} s",
            wall,
        )
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write("clock jump", lambda: rt.register.record_transition(t), "clock")
        self._alerting.monitor_alert(
            f"clock-jump: {expected:%Y-%m-%d %H:%M:%S} -> {wall:%Y-%m-%d %H:%M:%S} UTC "
            f"({jump.seconds:+.0f} s)",
            Severity.WARNING,
        )
        return jump

    def status(self) -> dict[str, Any]:
        return {
            "jumps": len(self.jumps),
            "last_jump": self.jumps[-1].as_dict() if self.jumps else None,
        }
