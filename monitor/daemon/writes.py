"""The register write queue: writes in order, none lost while the process lives.

A write that fails stays at the head of the queue with every later one behind it;
the queue is tried again with the register's backoff, and the first failure of an
episode raises a ``register-fault`` alert (queued behind the failing write: it goes
out once the disk is back).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from monitor.daemon.faults import Faults
from monitor.errors import RegisterAltered

log = logging.getLogger("monitor.daemon")


class WriteQueue:
    """Register writes, each ``(what, fn, why)``: ``fn()`` does it, ``what`` and ``why``
    (the input that caused it) are for the log."""

    def __init__(
        self, faults: Faults, refused: Callable[[str, RegisterAltered], None] | None = None
    ):
        """``refused(what, exc)``: a write the register refused because the row it
        updates was altered behind the chain's back (retrying cannot help)."""
        self._faults = faults
        self._refused = refused
        self._writes: deque[tuple[str, Callable[[], Any], str]] = deque()

    def __len__(self) -> int:
        return len(self._writes)

    def waiting(self) -> list[str]:
        """Return what the writes not done yet are, oldest first."""
        return [w[0] for w in self._writes]

    def write(self, what: str, fn: Callable[[], Any], why: str) -> None:
        """Do one register write in order; if it (or an earlier one) fails, keep it and
        retry with backoff."""
        self._writes.append((what, fn, why))
        if len(self._writes) == 1:
            self.flush()

    def flush(self) -> None:
        """Do the waiting writes in order, up to the first that fails."""
        fault = self._faults["register"]
        while self._writes:
            what, fn, why = self._writes[0]
            try:
                fn()
            except RegisterAltered as exc:
                # Not a failing disk: the row was edited by hand. The daemon never
                # chains what it did not write, so this write is not done; the row is
                # left as it was found, for verify to name.
                self._writes.popleft()
                log.critical("register: %s (%s) refused: %s", what, why, exc)
                if self._refused is not None:
                    self._refused(what, exc)
                continue
            except Exception as exc:
                first = fault.failed(exc)
                log.error(
                    "register: %s (%s) failed: %s; %d write(s) waiting, retry in %.0fs",
                    what,
                    why,
                    fault.last_error,
                    len(self._writes),
                    fault.delay,
                    exc_info=first,
                )
                if first:
                    self._faults.alert_episode("register")
                self._faults.retry_later("register", self.flush)
                return
            self._writes.popleft()
            if fault.ok():
                log.info("register works again")
