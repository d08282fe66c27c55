"""The schedule's holiday source, loaded ahead: calling it never starts a process.

``Engine.step`` asks the schedule, the schedule asks this source for a year's
``{date: name}``: that must not block the event loop on a child process (up to
``CHECK_TIMEOUT``). So the tables are loaded ahead, in a thread or before the loop
runs:

- at start-up and reload, for ``years_around(now)`` (``monitor.jobs.load_checked``);
- before a year boundary: the daemon asks ``missing(now)`` now and then (it is
  cheap) and, when it names years, calls the blocking ``ensure(years)`` in a
  thread (``asyncio.to_thread``): one child computes them.

A year that was not loaded ahead anyway (a clock set forward by years, or the
daemon skipped ``ensure``) is computed in this process by ``compute`` with a
warning: the holiday library is imported into the daemon (memory, under a second
of work), but the verdict stays right. An empty table instead would quietly turn
a holiday's clinic hours into a working day's, which is worse than the memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from monitor.children.check import Tables, years_around
from monitor.errors import OffloadError

log = logging.getLogger(__name__)

# How far ahead of a year boundary ``missing`` names the next year's tables.
LOOKAHEAD = timedelta(days=31)

Fetch = Callable[[list[int]], Tables]  # in a child (blocking); raises OffloadError
Compute = Callable[[int], dict[date, str]]  # in this process (imports the library)


class PreloadedHolidays:
    """A ``Schedule(holidays=...)`` source backed by tables loaded ahead.

    ``fetch(years)`` computes tables in a child (``children.check.fetch_holidays``),
    ``compute(year)`` one table in this process (``calendar.national_holidays``):
    the fallback when a child fails or a year was not loaded ahead."""

    def __init__(self, tables: Tables, *, fetch: Fetch, compute: Compute):
        self._tables: Tables = dict(tables)
        self._fetch = fetch
        self._compute = compute

    def __call__(self, year: int) -> dict[date, str]:
        """Return the table of ``year``. Never starts a process: a year not loaded
        ahead is computed in this process, with a warning."""
        table = self._tables.get(year)
        if table is None:
            log.warning(
                "the holidays of %d were not loaded ahead; computing them in this process",
                year,
            )
            table = self._compute(year)
            self._tables = {**self._tables, year: table}
        return table

    @property
    def years(self) -> list[int]:
        """Return the years loaded, in order."""
        return sorted(self._tables)

    def missing(self, now: datetime) -> list[int]:
        """Return the years the engine may ask for from ``now`` until ``LOOKAHEAD``
        later that are not loaded yet (usually none: no work, no process)."""
        wanted = set(years_around(now)) | set(years_around(now + LOOKAHEAD))
        return sorted(wanted - set(self._tables))

    def ensure(self, years: Iterable[int]) -> None:
        """Load the tables of ``years`` not loaded yet: from one child, or in this
        process if the child fails. Blocking: call it in a thread."""
        wanted = sorted(set(years) - set(self._tables))
        if not wanted:
            return
        log.info("fetching the holidays of %d-%d in a child process", wanted[0], wanted[-1])
        try:
            fetched = self._fetch(wanted)
        except OffloadError as exc:
            log.warning(
                "%s; computing the holidays of %s in this process instead",
                exc,
                ", ".join(map(str, wanted)),
            )
            fetched = {}
        # A year the child left out is computed here too: ``missing`` must not name it
        # again (a new child at every look).
        fetched = {
            year: fetched[year] if year in fetched else self._compute(year) for year in wanted
        }
        # A new dict, not an update: the event loop reads the tables meanwhile.
        self._tables = {**self._tables, **fetched}
