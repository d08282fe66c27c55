"""The box's end of the serial link: follow the PC's pattern, show ``lost`` without it.

``BoxRunner`` reads the PC's messages and drives a ``BoxDisplay``. Fail-safe: when
no valid message has arrived for ``LOST_AFTER`` seconds the box shows ``lost``
until messages return, so a dead monitor never looks like "offline, all fine".
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from monitor import __version__
from monitor.boxlink import LOST_AFTER, TO_BOX, Ack, Heartbeat, Hello, LinkEnd, Message, PatternMsg
from monitor.domain.enums import Pattern

log = logging.getLogger("monitor.box")


class BoxDisplay(Protocol):
    """What the box shows: a pattern from the PC, or ``lost``."""

    def show(self, pattern: Pattern, *, silenced: bool) -> None: ...

    def lost(self) -> None: ...

    def close(self) -> None: ...


class BoxRunner(LinkEnd):
    """The box's end: shows the PC's pattern on ``display``; ``lost`` after ``lost_after``
    s without a valid message; ``ack()`` (the button) tells the PC.

    Starts showing ``lost`` (nothing has been heard yet); says hello
    on every (re)open of the port so the PC re-sends its state at once.
    """

    def __init__(
        self,
        port: str,
        display: BoxDisplay,
        *,
        lost_after: float = LOST_AFTER,
        version: str = __version__,
        **link: Any,
    ):
        super().__init__(port, TO_BOX, name="box-runner", **link)
        self.display = display
        self.lost_after = lost_after
        self.version = version
        self.is_lost = True
        self.pattern: Pattern | None = None  # last pattern from the PC
        self.silenced = False
        self.acks_sent = 0
        self._last_valid: float | None = None
        display.lost()
        self._start()

    def ack(self, source: str = "") -> None:
        """Send an acknowledgement to the PC (the button was pressed); never blocks."""
        with self._lock:
            self.acks_sent += 1
            self._queue(Ack)
        log.info("button pressed: acknowledgement sent to the PC")

    def wait(self) -> None:
        """Block until ``close()`` (from a signal handler or another thread)."""
        while self._thread.is_alive():
            self._thread.join(timeout=1)

    def state(self) -> dict[str, Any]:
        """Return the box's state, JSON-able (for logs and tests)."""
        with self._lock:
            return {
                "port": self.port,
                "connected": self.connected,
                "lost": self.is_lost,
                "pattern": self.pattern,
                "silenced": self.silenced,
                "acks_sent": self.acks_sent,
                "sent": self.sent,
                "reconnects": max(0, self.opened - 1),
                "last_error": self.last_error,
                "received": self.reader.counters(),
            }

    # ---------------------------------------------------------------- link hooks

    def _on_open(self) -> None:
        log.info("box port %s open; saying hello", self.port)
        self._queue(lambda seq: Hello(seq, self.version))

    def _on_lost_port(self, error: str) -> None:
        log.warning("box port %s: %s (retrying)", self.port, error)

    def _handle(self, msg: Message, now: float) -> None:
        if self._last_valid is None:
            log.info("first message from the PC")
        self._last_valid = now
        if isinstance(msg, PatternMsg):
            changed = (msg.pattern, msg.silenced) != (self.pattern, self.silenced)
            self.pattern, self.silenced = msg.pattern, msg.silenced
            if changed or self.is_lost:
                self._apply()
        elif isinstance(msg, Heartbeat) and self.is_lost and self.pattern is not None:
            self._apply()

    def _apply(self) -> None:
        if self.pattern is None:
            return  # nothing heard yet: `lost` stays
        if self.is_lost:
            log.info("showing %s (as the PC says)", self.pattern)
        self.display.show(self.pattern, silenced=self.silenced)
        self.is_lost = False  # after the pins: see _tick

    def _tick(self, now: float) -> float | None:
        if self.is_lost or self._last_valid is None:
            return None
        deadline = self._last_valid + self.lost_after
        if now < deadline:
            return deadline
        log.warning(
            "no valid message from the PC for %g s: showing `lost` until it is back",
            self.lost_after,
        )
        # Display first, flag second: whoever sees is_lost (state(), tests) sees the
        # `lost` look already on the pins.
        self.display.lost()
        self.is_lost = True
        return None
