"""Traffic accounting: the bytes a session sent and received.

The kernel's counters of an interface run from when it appeared; a session takes
differences from the values at its start (or at this process's start, for a
restored session, plus what the register recorded before: the carry).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from monitor.daemon.ports import TrafficReader
from monitor.domain.model import Session

log = logging.getLogger("monitor.daemon")


class TrafficMeter:
    """The byte counters of the open session's interfaces."""

    def __init__(self, read: TrafficReader):
        self._read_counters = read
        self._base: dict[str, tuple[int, int]] = {}
        self._last: dict[str, tuple[int, int]] = {}
        self._carry: tuple[int, int] = (0, 0)

    def _read(self, names: Iterable[str]) -> dict[str, tuple[int, int]]:
        try:
            return self._read_counters(sorted(names))
        except Exception as exc:  # noqa: BLE001 - counters are a nicety, never a fault
            log.debug("traffic counters unavailable: %s", exc)
            return {}

    def reset(self, carry: tuple[int, int] = (0, 0)) -> None:
        """Forget every interface; count from ``carry`` (what was recorded before)."""
        self._base.clear()
        self._last.clear()
        self._carry = carry

    def start(self, name: str) -> None:
        """Count ``name`` from now on (once per session: a link that comes back keeps
        its first base)."""
        if name not in self._base:
            got = self._read([name]).get(name)
            if got is not None:
                self._base[name] = got
                self._last[name] = got

    def sample(self, name: str) -> None:
        """Keep the counters of ``name`` as they are now (it is going down)."""
        got = self._read([name]).get(name)
        if got is not None and name in self._base:
            self._last[name] = got

    def totals(self) -> tuple[int, int]:
        """Return (sent, received) bytes of the session so far."""
        now = self._read(self._base)
        self._last.update({k: v for k, v in now.items() if k in self._base})
        sent, received = self._carry
        for name, (s0, r0) in self._base.items():
            s1, r1 = self._last.get(name, (s0, r0))
            sent += max(0, s1 - s0)
            received += max(0, r1 - r0)
        return sent, received


def with_traffic(session: Session, totals: tuple[int, int]) -> Session:
    """Return ``session`` with its byte counts set to ``totals``."""
    return replace(session, bytes_sent=totals[0], bytes_received=totals[1])
