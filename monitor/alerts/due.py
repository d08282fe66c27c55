"""When each waiting alert is due, on the monotonic clock (issue 13).

The register stores ``next_attempt_at`` in wall time, for the next daemon. While a
daemon lives, retry times are kept here on the monotonic clock: a wall clock set
back two hours does not hold a retry back two hours, nor does one set forward make
every retry due at once. A row first seen by this daemon is due at once if it was
never tried (just enqueued, or queued by an earlier daemon), else after what its
stored time says is left, never more than the backoff its attempts earned and never
less than nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from monitor.domain.enums import Severity
from monitor.domain.outbox import OutboxRow


def backoff(attempts: int, first: timedelta, cap: timedelta) -> timedelta:
    """Return the wait after the ``attempts``-th failed attempt (1, 2, ...):
    ``first``, then doubling, never more than ``cap``."""
    if attempts < 1:
        return timedelta(0)
    return min(first * (2 ** min(attempts - 1, 30)), cap)


class DueTimes:
    """The monotonic instant each waiting alert is due at."""

    def __init__(self, monotonic: Callable[[], float], first: timedelta, cap: timedelta):
        self._monotonic = monotonic
        self._first = first
        self._cap = cap
        self._due: dict[int, float] = {}

    def sync(self, rows: Iterable[OutboxRow], now: datetime) -> None:
        """Follow the waiting ``rows`` (read at wall time ``now``): learn the new ones,
        forget those no longer waiting."""
        mono = self._monotonic()
        waiting: set[int] = set()
        for row in rows:
            if row.delivered_at is not None or row.permanent_failure:
                continue
            waiting.add(row.id)
            if row.id not in self._due:
                self._due[row.id] = mono + self._left(row, now)
        for gone in set(self._due) - waiting:
            del self._due[gone]

    def _left(self, row: OutboxRow, now: datetime) -> float:
        if not row.attempts or row.next_attempt_at is None:
            return 0.0
        most = backoff(row.attempts, self._first, self._cap).total_seconds()
        return min(max(0.0, (row.next_attempt_at - now).total_seconds()), most)

    def is_due(self, id: int) -> bool:
        return id in self._due and self._due[id] <= self._monotonic()

    def order(self, id: int) -> tuple[float, int]:
        """Sort key: the earliest due first, then the oldest row."""
        return (self._due.get(id, 0.0), id)

    def ready(self, rows: list[OutboxRow]) -> list[int]:
        """Return the ids of ``rows`` that may be sent now (``heads``, due): critical
        first, then the earliest due."""
        due = [r for r in heads(rows) if self.is_due(r.id)]
        due.sort(key=lambda r: (r.severity is not Severity.CRITICAL, self.order(r.id)))
        return [r.id for r in due]

    def retry_in(self, id: int, seconds: float) -> None:
        """Alert ``id`` is due again ``seconds`` from now."""
        self._due[id] = self._monotonic() + max(0.0, seconds)

    def all_now(self) -> None:
        """Make every known alert due now (a link came up)."""
        mono = self._monotonic()
        for id in self._due:
            self._due[id] = min(self._due[id], mono)

    def seconds_to_next(self, skip: Iterable[int] = ()) -> float | None:
        """Return the seconds until the earliest due alert not in ``skip`` (0: one is
        due), or None when none waits."""
        skipped = set(skip)
        times = [t for id, t in self._due.items() if id not in skipped]
        if not times:
            return None
        return max(0.0, min(times) - self._monotonic())


def heads(rows: list[OutboxRow]) -> list[OutboxRow]:
    """Return the rows that may be sent now: a session's alerts leave in order (the
    oldest waiting one first: a ``resolved`` never overtakes its ``clinic-hours``);
    the monitor's own alerts each on their own."""
    heads: list[OutboxRow] = []
    seen: set[str] = set()
    for row in rows:  # oldest first
        if row.permanent_failure or row.delivered_at is not None:
            continue
        if row.session_id is not None:
            if row.session_id in seen:
                continue
            seen.add(row.session_id)
        heads.append(row)
    return heads
