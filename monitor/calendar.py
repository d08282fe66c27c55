"""National holidays: the one module that imports the ``holidays`` library.

    national_holidays(country, subdivision, language, year) -> {date: name}
        raise HolidayError rather than return a table silently empty
    country_problem(country) -> str | None     calendar.country's message, or None
    calendar_problems(country, subdivision, years) -> [Problem]
        everything the library finds wrong with ``calendar``: an unknown country
        or subdivision (naming the valid choices), a year it has no data for, a
        table empty where the country has holidays

A holiday table that is silently empty turns a holiday's clinic hours into a
working day's: the cable plugged in during clinic hours gets a slow blink and an
outside-window mail instead of the alarm. So an empty table is an error unless
the country really has no holiday that year.

The library is imported inside each function, never with this module: a "JP"
lookup imports every country module (~17 MiB that CPython never gives back), so
the daemon calls these in a child process (``monitor.children``, ``monitor.jobs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from monitor.errors import ConfigError, Problem


class HolidayError(ConfigError):
    """The holiday library cannot give a true table for ``calendar`` (an unknown
    subdivision, a year outside its data, an empty table); ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("calendar", problems)


def _countries() -> dict[str, list[str]]:
    import holidays

    return holidays.list_supported_countries()


def country_problem(country: str) -> str | None:
    """Return what is wrong with ``calendar.country`` (unknown to the holiday library),
    naming the codes it knows, or None. Imports holidays."""
    known = _countries()
    if country.upper() in known:
        return None
    codes = ", ".join(sorted(code for code in known if len(code) == 2))
    return f'unknown country {country!r}: use "" for none, or one of {codes}'


def subdivision_problem(country: str, subdivision: str | None) -> str | None:
    """Return what is wrong with ``calendar.subdivision`` for a known ``country``,
    naming the subdivisions the library has, or None. Imports holidays."""
    if not subdivision:
        return None  # "" is none, as in national_holidays
    if not country:
        return 'a subdivision needs calendar.country (it is "", no holidays)'
    import holidays

    probe = holidays.country_holidays(country)
    codes = tuple(getattr(probe, "subdivisions", ()) or ())
    aliases = tuple(getattr(probe, "subdivisions_aliases", {}) or {})
    if subdivision in codes or subdivision in aliases:
        return None
    if not codes:
        return (
            f"unknown subdivision {subdivision!r}: the holiday library has no subdivisions "
            f"of {country.upper()}; leave calendar.subdivision out"
        )
    return f"unknown subdivision {subdivision!r} of {country.upper()}: one of {', '.join(codes)}"


def _years_known(probe: Any) -> tuple[int, int] | None:
    first, last = getattr(probe, "start_year", None), getattr(probe, "end_year", None)
    return (first, last) if isinstance(first, int) and isinstance(last, int) else None


def _table(country: str, subdivision: str | None, year: int, language: str | None) -> Any:
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision, years=year, language=language)


def _empty_problem(country: str, subdivision: str | None, year: int) -> str | None:
    """Return why an empty table of ``year`` is wrong, or None when the country has no
    holiday that year either."""
    import holidays

    probe = holidays.country_holidays(country)
    known = _years_known(probe)
    if known and not known[0] <= year <= known[1]:
        return (
            f"the holiday library has the holidays of {country.upper()} for "
            f"{known[0]}-{known[1]} only, not {year}"
        )
    if subdivision and any(d.year == year for d in _table(country, None, year, None)):
        return (
            f"no holiday in {year} for subdivision {subdivision!r}, "
            f"though {country.upper()} has some"
        )
    return None


def calendar_problems(country: str, subdivision: str | None, years: Iterable[int]) -> list[Problem]:
    """Return what the holiday library finds wrong with ``calendar.country`` and
    ``calendar.subdivision`` when loading the tables of ``years``. Imports holidays."""
    if not country:
        problem = subdivision_problem(country, subdivision or None)
        return [Problem("calendar.subdivision", problem)] if problem else []
    if problem := country_problem(country):
        return [Problem("calendar.country", problem)]
    country = country.upper()
    if problem := subdivision_problem(country, subdivision):
        return [Problem("calendar.subdivision", problem)]
    problems = []
    for year in sorted(set(years)):
        table = _table(country, subdivision, year, None)
        if not any(d.year == year for d in table) and (
            problem := _empty_problem(country, subdivision, year)
        ):
            problems.append(Problem("calendar", problem))
    return problems


def national_holidays(
    country: str, subdivision: str | None, language: str, year: int
) -> dict[date, str]:
    """Return ``{date: name}`` of the national holidays of ``year`` (empty when no country
    is configured, or when the country has no holiday that year); raise HolidayError
    when the library cannot give a true table (unknown country or subdivision, a
    year outside its data, an empty table where the country has holidays).

    The language is chosen explicitly: left to itself the library follows the
    process locale, so the same config would name holidays differently under
    systemd and in a terminal. Japanese for ``alerts.language = "ja"``, otherwise
    English, falling back to the country's own default language."""
    if not country:
        return {}
    import holidays

    subdiv = subdivision or None
    try:
        probe = holidays.country_holidays(country, subdiv=subdiv)
    except (NotImplementedError, ValueError, KeyError):
        raise HolidayError(calendar_problems(country, subdiv, [year])) from None
    supported = getattr(probe, "supported_languages", ()) or ()
    wanted: str | None = "ja" if language == "ja" else "en_US"
    if wanted not in supported:
        wanted = "en_US" if "en_US" in supported else getattr(probe, "default_language", None)
    table = {d: name for d, name in _table(country, subdiv, year, wanted).items() if d.year == year}
    if not table and (problem := _empty_problem(country, subdiv, year)):
        raise HolidayError([Problem("calendar", problem)])
    return table
