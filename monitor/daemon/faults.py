"""Faults and backoff: each part's health, one alert per episode, retries that back off.

A failure episode starts at a part's first error and ends at its next success. Only
the first error of an episode is alerted (as a ``monitor`` alert); retries wait
``backoff_first`` seconds, doubling up to ``backoff_max``. Monitoring goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from monitor.daemon.parts import Timing
from monitor.domain.enums import Part

log = logging.getLogger("monitor.daemon")

#: The parts whose health is tracked (and shown by ``status``), in this order.
PARTS = tuple(Part)  # indicator, register, watcher, engine, outbox, integrity, media


class Fault:
    """One part's health: a failure episode starts at the first error and ends at the
    next success. Only the first error of an episode is alerted; retries back off."""

    def __init__(self, name: Part, timing: Timing | None = None):
        self.name = name
        self._timing = timing or Timing()
        self.failing = False
        self.count = 0
        self.last_error: str | None = None
        self.delay = self._timing.backoff_first

    def failed(self, exc: BaseException) -> bool:
        """Record a failure; return True when it starts a new episode."""
        first = not self.failing
        self.failing = True
        self.count += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if not first:
            self.delay = min(self.delay * 2, self._timing.backoff_max)
        return first

    def ok(self) -> bool:
        """Record a success; return True when it ends an episode."""
        recovered = self.failing
        self.failing = False
        self.delay = self._timing.backoff_first
        return recovered

    def as_dict(self) -> dict[str, Any]:
        return {"failing": self.failing, "errors": self.count, "last_error": self.last_error}


class Faults:
    """The health of every part, and the retry timers of the failing ones.

    ``alert(detail)`` raises the ``monitor`` alert of a new episode (``"register-fault:
    OSError: ..."``); ``loop()`` returns the running loop (None before ``run``)."""

    def __init__(
        self,
        timing: Timing,
        alert: Callable[[str], None],
        loop: Callable[[], asyncio.AbstractEventLoop | None],
    ):
        self._alert = alert
        self._loop = loop
        self._parts = {name: Fault(name, timing) for name in PARTS}
        self._retries: dict[str, asyncio.TimerHandle] = {}

    def __getitem__(self, name: Part | str) -> Fault:
        return self._parts[Part(name)]

    def failing(self) -> list[str]:
        """Return the names of the parts failing now."""
        return [f.name for f in self._parts.values() if f.failing]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: f.as_dict() for name, f in self._parts.items()}

    def failed(self, name: Part | str, exc: BaseException, detail: str | None = None) -> bool:
        """Record that ``name`` failed with ``exc``; alert when an episode starts (with
        ``detail``, default the error); return True then."""
        first = self._parts[Part(name)].failed(exc)
        if first:
            self.alert_episode(name, detail)
        return first

    def alert_episode(self, name: Part | str, detail: str | None = None) -> None:
        """Raise the alert of the episode ``name`` just started (``Fault.failed`` said
        so): ``detail``, default its last error."""
        fault = self._parts[Part(name)]
        self._alert(f"{name}-fault: {detail if detail is not None else fault.last_error}")

    def safe(self, name: Part | str, what: str, fn: Callable[[], Any]) -> Any:
        """Return ``fn()``; on an error log it as a fault of ``name`` and return None."""
        try:
            return fn()
        except Exception as exc:
            fault = self._parts[Part(name)]
            first = fault.failed(exc)
            log.error("%s: %s failed: %s", name, what, fault.last_error, exc_info=first)
            if first:
                self.alert_episode(name)
            return None

    def retry_later(self, name: Part | str, fn: Callable[[], None]) -> None:
        """Call ``fn`` after the backoff delay of ``name`` (once: a retry already waiting
        is not doubled)."""
        loop = self._loop()
        if name in self._retries or loop is None:
            return

        def fire() -> None:
            self._retries.pop(name, None)
            fn()

        self._retries[name] = loop.call_later(self._parts[Part(name)].delay, fire)

    def cancel_retries(self) -> None:
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
