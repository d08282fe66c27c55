"""Traffic accounting: the bytes a session sent and received.

The kernel's counters of an interface run from when it appeared; a session takes
differences from the values at its start. The baselines are stored in the register
(``state``, at each heartbeat) so that a restart, even after a crash, counts on from
them (``resume``): counters that went on (same boot) keep their baseline; counters
that started again (a reboot, the interface re-created) add what was counted before
to the carry and count from their new value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

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

    def state(self) -> dict[str, Any]:
        """Return what ``resume`` needs: per interface its baseline and last counters,
        and the carry (JSON-able). Reads the counters now (the last ones stored
        are what a reboot's restart carries)."""
        if self._base:
            self.totals()
        return {
            "carry": list(self._carry),
            "interfaces": {
                name: [list(base), list(self._last.get(name, base))]
                for name, base in sorted(self._base.items())
            },
        }

    def resume(self, state: dict[str, Any]) -> None:
        """Count on from a stored ``state`` (a restart): an interface whose counters went
        on keeps its baseline; one whose counters started again (or that is gone) adds
        what it had counted to the carry and counts from its new value."""
        self.reset()
        try:
            sent, received = (int(v) for v in state["carry"])
            stored = {
                str(name): (tuple(map(int, base)), tuple(map(int, last)))
                for name, (base, last) in state["interfaces"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("the stored traffic baselines are unreadable; counting from now")
            return
        now = self._read(stored)
        for name, (base, last) in stored.items():
            current = now.get(name)
            if current is not None and current[0] >= last[0] and current[1] >= last[1]:
                self._base[name], self._last[name] = base, current  # type: ignore[assignment]
                continue
            sent += max(0, last[0] - base[0])
            received += max(0, last[1] - base[1])
            if current is not None:  # started again from zero: count from here
                self._base[name] = self._last[name] = current
        self._carry = (sent, received)

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
