"""The indicator as the daemon drives it: show a pattern first of all, retry with
backoff when it fails, and track the faults the indicator reports itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from monitor.daemon.faults import Faults
from monitor.daemon.runtime import Runtime
from monitor.domain.enums import Pattern
from monitor.errors import IndicatorError

log = logging.getLogger("monitor.daemon")


class Lamp:
    """Shows patterns on the indicator and keeps its ``indicator`` fault.

    ``publish(now)`` sends the status line when a fault starts or ends; ``shown()``
    is called after every pattern handed to the indicator, shown or not (the status
    stream's followers, the screen lamp, get it before the register is written);
    ``substitute`` maps the engine's pattern onto the one to show (the daemon's
    BLIND in place of OFF while no watched interface is present)."""

    def __init__(
        self,
        rt: Runtime,
        faults: Faults,
        publish: Callable[[datetime], None],
        shown: Callable[[], None] | None = None,
        substitute: Callable[[Pattern], Pattern] = lambda pattern: pattern,
    ):
        self._rt = rt
        self._faults = faults
        self._publish = publish
        self._shown = shown
        self._substitute = substitute
        # The indicator said itself that it cannot show anything (on_fault): only its
        # on_restore ends that episode, not a later show() that merely queued a pattern.
        self._unreachable = False
        self.shown_at: float | None = None  # POSIX time of the last show that worked

    def show(self, pattern: Pattern, silenced: bool, reason: str) -> None:
        try:
            self._show(self._substitute(pattern), silenced, reason)
        finally:
            if self._shown is not None:
                self._shown()

    def _show(self, pattern: Pattern, silenced: bool, reason: str) -> None:
        fault = self._faults["indicator"]
        try:
            self._rt.indicator.show(pattern, silenced=silenced)
        except Exception as exc:
            first = fault.failed(exc)
            log.error(
                "indicator failed to show %s (%s); retry in %.0fs",
                pattern,
                fault.last_error,
                fault.delay,
                exc_info=first,
            )
            if first:
                self._faults.alert_episode("indicator")
            self._faults.retry_later("indicator", self.reshow)
            return
        self.shown_at = self._rt.clock.timestamp()
        if not self._unreachable and fault.ok():
            log.info("indicator works again")
        log.info("indicator: %s%s (%s)", pattern, " silenced" if silenced else "", reason)
        # For bench/bench_daemon.py: the wall-clock instant the indicator took the pattern.
        log.debug("indicator %s shown at t=%.6f", pattern, self.shown_at)

    def reshow(self) -> None:
        """Show the engine's pattern again (a retry)."""
        s = self._rt.state
        self.show(s.pattern, s.silenced and s.pattern is Pattern.ALARM, "retry")

    def fault(self, message: str) -> None:
        """The indicator itself reports it cannot show anything (the box is unplugged,
        a GPIO pin failed during a blink). The fault lasts until it says it is back
        (``restored``); showing the pattern again is retried with backoff meanwhile
        (a GPIO blink restarts; the box only takes note)."""
        log.error("indicator: %s", message)
        self._unreachable = True
        self._faults.failed("indicator", IndicatorError(message), message)  # alerts once
        self._faults.retry_later("indicator", self.reshow)
        self._publish(self._rt.now())

    def restored(self, message: str) -> None:
        self._unreachable = False
        if self._faults["indicator"].ok():
            log.info("indicator: %s", message)
        self._publish(self._rt.now())
