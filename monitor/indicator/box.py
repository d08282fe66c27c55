"""The PC's end of the serial link to the Raspberry Pi indicator box.

``BoxIndicator``, an ``Indicator`` (see ``monitor.indicator.base``) that sends the
current pattern to the box at once on every change and repeats it every
``REPEAT_EVERY`` seconds as the monitor's heartbeat. A vanished port never stops the
monitor: the fault is reported once (``on_fault``), the port is reopened with
backoff, the current pattern is restored as soon as the box is back
(``on_restore``). The box's button arrives as ``on_ack("box button")``.

The link itself (port thread, protocol) is ``monitor.boxlink``; the box's own
program is ``monitor.box``.
"""

from __future__ import annotations

import logging
from typing import Any

from monitor.boxlink import (
    LOST_AFTER,
    REPEAT_EVERY,
    TO_PC,
    Ack,
    Hello,
    LinkEnd,
    Message,
    PatternMsg,
)
from monitor.domain.enums import AckSource, BoxConnection, Pattern
from monitor.indicator.base import Callback

__all__ = ["ACK_SOURCE", "LOST_AFTER", "REPEAT_EVERY", "BoxIndicator"]

log = logging.getLogger(__name__)

ACK_SOURCE = AckSource.BOX_BUTTON  # the source recorded in the register for the box's button


class BoxIndicator(LinkEnd):
    """The ``Indicator`` of kind "box": the pattern goes to the box over ``port``.

    ``show`` never blocks on the port and never raises on a port error. Callbacks
    (called from the link thread): ``on_ack("box button")`` when the box's button
    is pressed; ``on_fault(message)`` once when the box becomes unreachable (at
    start-up too); ``on_restore(message)`` once when it is back after a fault.
    """

    def __init__(
        self,
        port: str,
        *,
        on_ack: Callback | None = None,
        on_fault: Callback | None = None,
        on_restore: Callback | None = None,
        repeat_every: float = REPEAT_EVERY,
        **link: Any,
    ):
        super().__init__(port, TO_PC, name="box-indicator", **link)
        self._on_ack = on_ack
        self._on_fault = on_fault
        self._on_restore = on_restore
        self._repeat_every = repeat_every
        self._pattern = Pattern.OFF
        self._silenced = False
        self._heartbeat = True  # repeats run until stop_heartbeat(): they *are* the heartbeat
        self._next_send = 0.0
        self._faulted = False
        self.box_version: str | None = None
        self.hellos = 0
        self.acks = 0
        self._start()

    # ---------------------------------------------------------------- Indicator protocol

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        """Show ``pattern`` on the box: sent at once (from the link thread) if it changed."""
        pattern = Pattern(pattern)
        with self._lock:
            if (pattern, silenced) == (self._pattern, self._silenced):
                return
            self._pattern, self._silenced = pattern, bool(silenced)
            self._next_send = 0.0  # now
            self._poke_locked()

    def start_heartbeat(self) -> None:
        """Repeat the pattern every ``repeat_every`` s: the box's status LED blinks."""
        with self._lock:
            self._heartbeat = True
            self._next_send = 0.0
            self._poke_locked()

    def stop_heartbeat(self) -> None:
        """Stop repeating: the box shows ``lost`` after LOST_AFTER (the monitor stopped)."""
        with self._lock:
            self._heartbeat = False

    def close(self, *, keep_led: bool = True) -> None:
        """Stop sending and close the port; the box shows ``lost`` LOST_AFTER s later
        (nobody watches the link any more). ``keep_led`` is accepted for the protocol:
        the box's LED is the box's. Idempotent."""
        super().close()

    def state(self) -> dict[str, Any]:
        """Return the real state of the link, JSON-able, for ``status``."""
        with self._lock:
            return {
                "kind": "box",
                "port": self.port,
                "connected": self.connected,
                "state": BoxConnection.CONNECTED if self.connected else BoxConnection.DISCONNECTED,
                "pattern": self._pattern,
                "silenced": self._silenced,
                "heartbeat": self._heartbeat,
                "box_version": self.box_version,
                "hellos": self.hellos,
                "acks": self.acks,
                "sent": self.sent,
                "send_errors": self.send_errors,
                "reconnects": max(0, self.opened - 1),
                "last_error": self.last_error,
                "received": self.reader.counters(),
            }

    # ---------------------------------------------------------------- link hooks

    def _on_open(self) -> None:
        self._next_send = 0.0  # restore the current pattern at once
        if self._faulted:
            self._faulted = False
            message = f"indicator box reconnected on {self.port}"
            log.warning("%s", message)
            self._defer(self._on_restore, message)
        else:
            log.info("indicator box port %s open", self.port)

    def _on_lost_port(self, error: str) -> None:
        if self._faulted:
            log.debug("indicator box %s still unreachable: %s", self.port, error)
            return
        self._faulted = True
        message = f"indicator box disconnected: {self.port}: {error}"
        log.warning("%s (retrying in the background)", message)
        self._defer(self._on_fault, message)

    def _handle(self, msg: Message, now: float) -> None:
        if isinstance(msg, Hello):
            self.hellos += 1
            self.box_version = msg.version
            self._next_send = 0.0  # a (re)started box needs the pattern now
            log.info("indicator box %s says hello (version %s)", self.port, msg.version)
        elif isinstance(msg, Ack):
            self.acks += 1
            self._defer(self._on_ack, ACK_SOURCE)

    def _tick(self, now: float) -> float | None:
        if self._ser is None:
            return None
        forced = self._next_send == 0.0
        if forced or (self._heartbeat and now >= self._next_send):
            pattern, silenced = self._pattern, self._silenced
            self._queue(lambda seq: PatternMsg(seq, pattern, silenced))
            self._next_send = now + self._repeat_every
        return self._next_send if self._heartbeat else None
