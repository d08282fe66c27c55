"""Holiday tables loaded ahead, never from inside ``Engine.step``.

The engine asks the schedule for the holidays of the years around now (last year
for a session restored across New Year, this year, and the ones ``next_change``
looks ahead into). The daemon has the holiday source load them in a thread: at
start, at reload, and ``holidays_ahead`` (some hours) before each New Year in the
configured zone, so that the first step of the new year finds its table loaded.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from monitor.daemon.runtime import Runtime
from monitor.daemon.tasks import Tasks

log = logging.getLogger("monitor.daemon")


def years_around(at: datetime) -> list[int]:
    """Return the years whose holidays the engine may ask for at ``at``: last year,
    this year and the two ahead (``next_change`` looks 400 days ahead)."""
    return list(range(at.year - 1, at.year + 3))


def next_new_year(now: datetime, rt: Runtime) -> datetime:
    """Return the next New Year's midnight after ``now`` in the configured zone."""
    local = now.astimezone(rt.config.zone)
    return datetime(local.year + 1, 1, 1, tzinfo=rt.config.zone)


class HolidayTimer:
    """Runs the holiday source's blocking ``ensure(years)`` in a thread when due."""

    def __init__(self, rt: Runtime, tasks: Tasks):
        self._rt = rt
        self._tasks = tasks
        self._handle: asyncio.TimerHandle | None = None
        self._done: int | None = None  # the New Year whose tables are loaded ahead
        self.loads = 0  # loads that worked

    def load(self, at: datetime, why: str) -> asyncio.Task[bool]:
        """Start loading the tables of the years around ``at``, in a thread; the task
        returns True when they loaded (a failure is logged: the source falls back to
        loading a year when asked)."""
        return self._tasks.spawn(self._load(years_around(at), why), "holidays")

    async def _load(self, years: list[int], why: str) -> bool:
        preload = self._rt.holidays
        try:
            await asyncio.to_thread(preload.ensure, years)
        except Exception as exc:  # noqa: BLE001 - logged; the next timer tries again
            log.warning(
                "holidays of %d-%d (%s) not loaded ahead: %s: %s",
                years[0],
                years[-1],
                why,
                type(exc).__name__,
                exc,
            )
            return False
        self.loads += 1
        log.debug("holidays of %d-%d loaded (%s)", years[0], years[-1], why)
        return True

    def start(self) -> None:
        """Load the tables of now, then arm the timer for the next New Year."""
        self.load(self._rt.now(), "start")
        self._arm()

    def _arm(self) -> None:
        loop = self._rt.loop
        if loop is None:
            return
        now = self._rt.now()
        boundary = next_new_year(now, self._rt)
        if self._done == boundary.year:
            boundary = next_new_year(boundary, self._rt)
        due = boundary - self._rt.timing.holidays_ahead
        delay = min(max(0.0, (due - now).total_seconds()), self._rt.timing.max_sleep)
        self._handle = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        """Load ahead when New Year is near (and not done yet); arm again. The timer
        sleeps at most ``max_sleep``, so a wall clock that jumps is caught."""
        self._handle = None
        now = self._rt.now()
        boundary = next_new_year(now, self._rt)
        if self._done != boundary.year and now >= boundary - self._rt.timing.holidays_ahead:
            self._done = boundary.year
            task = self.load(boundary, "New Year")
            task.add_done_callback(lambda t: self._failed(t, boundary.year))
        self._arm()

    def _failed(self, task: asyncio.Task[bool], year: int) -> None:
        failed = task.cancelled() or task.exception() is not None or not task.result()
        if failed and self._done == year:
            self._done = None  # try again at the next firing

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
