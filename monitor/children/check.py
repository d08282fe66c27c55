"""The library checks of a config and its holiday tables, run in children side by side.

start_check(config, text, source, years) -> Check
    children that run the library checks of ``config`` (the shape-checked
    config; None when it did not parse: then one child checks ``text`` in full
    for the complete list of problems) and compute the holiday tables
Check.result() -> {year: {date: name}}
    raise ConfigError (every problem the children found) or OffloadError
check(config, text, source, years)   start_check(...).result()
fetch_holidays(config, years)        the tables of ``years``, from one child
years_around(now) -> list[int]       the years loaded at start-up and reload
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from monitor.children.runner import CHECK_TIMEOUT, Popen, kill, reply, run, spawn
from monitor.errors import ConfigError, OffloadError, Problem

if TYPE_CHECKING:
    from monitor.config import Config

Tables = dict[int, dict[date, str]]


def years_around(now: datetime) -> list[int]:
    """Return the years whose holidays the daemon loads at start-up: last year (a
    session restored across New Year), this year and the two ahead (``next_change``
    looks 400 days ahead)."""
    return list(range(now.year - 1, now.year + 3))


def parse_tables(answer: dict[str, Any]) -> Tables:
    """Return the holiday tables of a child's answer; raise OffloadError if it has none."""
    try:
        return {
            int(year): {date.fromisoformat(d): name for d, name in days}
            for year, days in answer["holidays"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        raise OffloadError(f"holidays: unexpected answer {str(answer)[:120]!r}") from None


def holidays_request(config: Config, years: Iterable[int]) -> dict[str, Any]:
    """Return the request for the country check and the holiday tables of ``years``."""
    return {
        "op": "holidays",
        "country": config.calendar.country,
        "subdivision": config.calendar.subdivision,
        "language": config.alerts.language,
        "years": sorted(set(years)),
    }


def fetch_holidays(config: Config, years: Iterable[int]) -> Tables:
    """Return the holiday tables of ``years`` computed by one child; raise OffloadError
    when the child fails (or finds the country unknown). Blocking."""
    return parse_tables(run(holidays_request(config, years), CHECK_TIMEOUT, "holidays"))


class Check:
    """The library checks of a config running in child processes (``start_check``)."""

    def __init__(self, source: str, children: list[tuple[str, Popen[bytes]]]):
        self.source = source
        self._children = children

    def result(self, timeout: float = CHECK_TIMEOUT) -> Tables:
        """Return the holiday tables ({} when the config did not parse); raise
        ConfigError listing every problem the children found, or OffloadError
        when a child failed."""
        problems: list[Problem] = []
        tables: Tables = {}
        try:
            for what, proc in self._children:
                answer = reply(proc, timeout, what)
                problems += [Problem(p, m) for p, m in answer.get("problems", [])]
                if "holidays" in answer:
                    tables = parse_tables(answer)
        finally:
            self.cancel()
        if problems:
            raise ConfigError(self.source, problems)
        return tables

    def cancel(self) -> None:
        """Stop the children still running (their answer is no longer needed)."""
        for _, proc in self._children:
            kill(proc)


def start_check(
    config: Config | None, text: str | None, source: str, years: Iterable[int]
) -> Check:
    """Start the library checks of ``config`` (shape-checked) and the holiday tables of
    ``years`` in children, side by side: one for holidays, one for apprise (only when
    there are ``alerts.urls``). With ``config`` None (``text`` did not parse), start
    one child that checks ``text`` in full instead, for the complete list of
    problems (``text`` None: the built-in default). Raise OffloadError if no child
    can start."""
    if config is None:
        request: dict[str, Any] = {"op": "config", "text": text, "source": source}
        return Check(source, [("config check", spawn(request))])
    children = [("holiday check", spawn(holidays_request(config, years)))]
    try:
        if config.alerts.urls:
            request = {"op": "urls", "urls": list(config.alerts.urls)}
            children.append(("alert URL check", spawn(request)))
    except OffloadError:
        Check(source, children).cancel()
        raise
    return Check(source, children)


def check(config: Config | None, text: str | None, source: str, years: Iterable[int]) -> Tables:
    """Blocking ``start_check(...).result()``."""
    return start_check(config, text, source, years).result()
