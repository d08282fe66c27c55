"""What both watchers share: ``status()`` counters and the reconnect backoff."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from monitor.compat import UTC
from monitor.links.table import LinkTable

Clock = Callable[[], datetime]

# Reconnect pacing after a socket error (STYLE 8): the first resync is immediate;
# failures that follow each other within REPEAT_WINDOW back off up to MAX_BACKOFF.
REPEAT_WINDOW = 1.0
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 5.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class Health:
    """Counters behind ``status()``; kept apart so both watchers report alike."""

    def __init__(self, method: str, now: Clock):
        self.method = method
        self.now = now
        self.resyncs = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None

    def error(self, exc: BaseException) -> None:
        self.errors += 1
        if isinstance(exc, OSError) and exc.errno and not exc.strerror:
            # pyroute2 raises OSError(ENOBUFS, None): name the errno for people.
            self.last_error = (
                f"{errno.errorcode.get(exc.errno, exc.errno)}: {os.strerror(exc.errno)}"
            )
        else:
            self.last_error = f"{type(exc).__name__}: {exc}"
        self.last_error_at = self.now()

    def as_dict(self, table: LinkTable) -> dict[str, Any]:
        return {
            "method": self.method,
            "resyncs": self.resyncs,
            "errors": self.errors,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "watching": [o.interface for o in table.watched()],
            "online": [o.interface for o in table.watched() if o.online],
        }


class Backoff:
    """Delay before the next reconnect: none after a quiet spell, doubling when failures repeat."""

    def __init__(self) -> None:
        self._last = -float("inf")
        self._delay = 0.0

    def next_delay(self) -> float:
        now = time.monotonic()
        if now - self._last > REPEAT_WINDOW + self._delay:
            self._delay = 0.0
        else:
            self._delay = min(max(self._delay * 2, FIRST_BACKOFF), MAX_BACKOFF)
        self._last = now
        return self._delay
