"""The screen lamp's link to the daemon: a thread that follows the status stream and
comes back after every failure, and the acknowledgement sent from the 確認 button.

Everything it learns goes into one queue the window reads in Tk's thread:
``("line", dict)`` for a state line, ``("stopped", reason)`` when the daemon is gone,
hangs up or falls silent, ``("ack", None)`` / ``("ack_failed", reason)``.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any

from monitor.errors import ControlError

log = logging.getLogger(__name__)

#: The source the register records for the lamp's button (``AckSource.SCREEN_LAMP``).
ACK_SOURCE = "screen lamp"

Message = tuple[str, Any]


class DaemonLink:
    """Follows the daemon at ``socket``: no line (not even a keep-alive) for
    ``silence`` seconds means it is gone; it tries again every ``retry`` seconds."""

    def __init__(self, socket: Path, *, silence: float = 6.0, retry: float = 2.0):
        self.socket = socket
        self.silence = silence
        self.retry = retry
        self.messages: queue.Queue[Message] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start following in a background thread."""
        self._thread = threading.Thread(target=self._run, name="lamp-link", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop trying (the thread ends at its next line, failure or retry)."""
        self._stop.set()

    def _run(self) -> None:
        from monitor.control.client import follow

        while not self._stop.is_set():
            try:
                for line in follow(self.socket, silence=self.silence):
                    if self._stop.is_set():
                        return
                    if line.get("kind") != "keepalive":
                        self.messages.put(("line", line))
            except ControlError as exc:
                self.messages.put(("stopped", str(exc)))
            except Exception as exc:  # the lamp must keep trying, whatever happened
                log.exception("lamp: following the daemon failed")
                self.messages.put(("stopped", f"{type(exc).__name__}: {exc}"))
            self._stop.wait(self.retry)

    def acknowledge(self) -> None:
        """Send the acknowledgement in a thread of its own (the window must not wait)."""
        threading.Thread(target=self._ack, name="lamp-ack", daemon=True).start()

    def _ack(self) -> None:
        from monitor.control.client import request

        try:
            request(self.socket, {"cmd": "ack", "source": ACK_SOURCE}, timeout=5)
        except ControlError as exc:
            self.messages.put(("ack_failed", str(exc)))
            return
        self.messages.put(("ack", None))
