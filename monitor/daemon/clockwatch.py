"""Clock trust: what the kernel says about the wall clock, recorded as it matters.

At start-up and at each session start and end the daemon records (``clock_checks``)
whether the kernel thinks the clock is synchronised, its estimated error, and the
jump of the wall clock since the previous record (wall time against monotonic
time: a clock set by hand, a daylight-saving mistake, an RTC reset). A session that
starts while the clock is not synchronised carries a note into its row and mails.
A wall clock earlier than the register's newest record at start-up has gone back:
every verdict and every recorded time is then suspect, a critical ``monitor`` alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from monitor.daemon.runtime import Runtime
from monitor.daemon.writes import WriteQueue
from monitor.domain.clock import ClockCheck, ClockReading
from monitor.domain.enums import Severity

log = logging.getLogger("monitor.daemon")

#: A jump of the wall clock smaller than this is scheduling noise, not news.
JUMP_WORTH_A_LINE = 1.0


class ClockWatch:
    """Records the clock; ``notes`` holds the note of each open session started on an
    unsynchronised clock (by session id). ``alert(detail, severity)`` raises a
    ``monitor`` alert."""

    def __init__(self, rt: Runtime, writes: WriteQueue, alert: Callable[[str, Severity], None]):
        self._rt = rt
        self._writes = writes
        self._alert = alert
        self._last: tuple[Any, float] | None = None  # (wall, monotonic) of the last record
        self.last: ClockCheck | None = None
        self.notes: dict[str, str] = {}

    def _reading(self) -> ClockReading:
        try:
            return self._rt.parts.clock_reading()
        except Exception:
            log.warning("cannot read the kernel's clock state", exc_info=True)
            return ClockReading(None)

    def check(self, event: str, session_id: str | None = None) -> ClockCheck:
        """Record the clock now for ``event``; return the record."""
        rt = self._rt
        now, mono = rt.now(), rt.clock.monotonic()
        jump = None
        if self._last is not None:
            wall, before = self._last
            jump = round((now - wall).total_seconds() - (mono - before), 3)
        self._last = (now, mono)
        check = ClockCheck(now, event, self._reading(), jump, session_id)
        self.last = check
        if jump is not None and abs(jump) >= JUMP_WORTH_A_LINE:
            log.warning("the wall clock jumped by %+.3f s since the last record", jump)
        self._writes.write("clock", lambda: rt.register.record_clock(check), event)
        return check

    def at_start(self) -> None:
        """Record the clock at start-up; alert when it is earlier than the register's
        newest record (call before anything is written this run)."""
        rt = self._rt
        try:
            newest = rt.register.newest_time()
        except Exception:  # noqa: BLE001 - the register's own fault is reported elsewhere
            newest = None
        now = rt.now()
        if newest is not None and now < newest:
            log.critical(
                "the wall clock (%s) is earlier than the register's newest record (%s)",
                now.isoformat(),
                newest.isoformat(),
            )
            self._alert(
                f"clock-behind: now {now.isoformat()}; newest record {newest.isoformat()}",
                Severity.CRITICAL,
            )
        check = self.check("start")
        if check.reading.synchronised is False:
            log.warning(
                "the clock is not synchronised (estimated error %s s)", check.reading.est_error_s
            )

    def session_opened(self, session_id: str) -> str | None:
        """Record the clock at a session's start; return its note (None: synchronised
        or unknown)."""
        note = self.check("session-start", session_id).note
        if note is not None:
            self.notes[session_id] = note
        return note

    def session_closed(self, session_id: str) -> None:
        self.check("session-end", session_id)
        self.notes.pop(session_id, None)

    def as_json(self) -> dict[str, Any] | None:
        """Return the last record for ``status`` (None before the first)."""
        c = self.last
        if c is None:
            return None
        return {
            "synchronised": c.reading.synchronised,
            "est_error_s": c.reading.est_error_s,
            "checked_at": c.at.isoformat(),
            "event": c.event,
            "jump_s": c.jump_s,
        }
