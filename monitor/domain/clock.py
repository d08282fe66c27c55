"""What the kernel says about the wall clock, as recorded in the register.

The PC is offline for months and every verdict depends on its clock; MHLW's
guideline 6.0 (§17③) asks that log times come from a reliable source. So at each
session start and end (and at start-up) the daemon records whether the kernel
thinks the clock is synchronised, its estimated error, and any jump of the wall
clock since the last record (wall time moved differently from monotonic time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ClockReading:
    """The kernel's word on the clock (``adjtimex``); None where it cannot be read."""

    synchronised: bool | None  # None: unknown (no adjtimex on this system)
    est_error_s: float | None = None  # the kernel's estimated error
    max_error_s: float | None = None  # the kernel's maximum error


@dataclass(frozen=True)
class ClockCheck:
    """One record of the clock: a reading at ``at`` for ``event`` (``start``,
    ``session-start``, ``session-end``), with the jump of the wall clock against the
    monotonic clock since the previous record (None: the first of this run)."""

    at: datetime  # aware, UTC
    event: str
    reading: ClockReading
    jump_s: float | None = None
    session_id: str | None = None

    @property
    def note(self) -> str | None:
        """Return the session's note when the clock is not synchronised ("unsynchronised
        0.5": the code and the estimated error in seconds, "-" unknown), else None."""
        if self.reading.synchronised is not False:
            return None
        err = self.reading.est_error_s
        return f"unsynchronised {err:g}" if err is not None else "unsynchronised -"
