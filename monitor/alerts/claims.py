"""Taking over the claims of an earlier daemon instance (issue 13).

A daemon killed with ``kill -9`` may leave a send child running: it finishes its SMTP
dialogue and records what the server accepted in the register itself. The next
instance must neither send that alert a second time meanwhile nor wait for a lease
to expire: it takes over every claim of its predecessors at once, except those
whose send child still runs, and looks again every ``ORPHAN_POLL`` until that child
has ended (killing it past ``ORPHAN_LIMIT``; the child has an alarm of its own).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

log = logging.getLogger("monitor.alerts.outbox")

ORPHAN_POLL = 0.1
ORPHAN_LIMIT = 120.0


def proc_alive(pid: int) -> bool:
    """Return True while process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


class Takeover:
    """The predecessors' claims: taken over at the first round (``step``) and at a
    link-up; ``orphans`` = ``{alert id: pid}`` of their send children still running."""

    def __init__(
        self,
        register,
        instance: str,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        alive: Callable[[int], bool] = proc_alive,
    ):
        self._register = register
        self._instance = instance
        self._clock = clock
        self._monotonic = monotonic
        self._alive = alive
        self.orphans: dict[int, int] = {}
        self._since: float | None = None
        self._done = False

    def link_up(self, now: datetime) -> None:
        """A link came up: release any claim of a predecessor that is not being sent."""
        self.orphans = self._register.take_over_claims(self._instance, now, self._alive)

    def step(self) -> None:
        """At the first round, and while a predecessor's send child runs: take over."""
        if self._done and not self.orphans:
            return
        before = dict(self.orphans)
        self.orphans = self._register.take_over_claims(self._instance, self._clock(), self._alive)
        self._done = True
        mono = self._monotonic()
        if not self.orphans:
            self._since = None
            if before:
                log.info("the previous instance's send child ended; its claims taken over")
            return
        if self._since is None:
            self._since = mono
            for id, pid in self.orphans.items():
                log.warning("alert %s: waiting for the previous instance's send child %d", id, pid)
        elif mono - self._since > ORPHAN_LIMIT:
            for pid in set(self.orphans.values()):
                log.error("killing the previous instance's send child %d (too long)", pid)
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
