"""National holidays: the one module that imports the ``holidays`` library.

    national_holidays(country, subdivision, language, year) -> {date: name}
    country_problem(country) -> str | None     calendar.country's message, or None

The library is imported inside each function, never with this module: a "JP"
lookup imports every country module (~17 MiB that CPython never gives back), so
the daemon calls these in a child process (``monitor.children``, ``monitor.jobs``).
"""

from __future__ import annotations

from datetime import date


def country_problem(country: str) -> str | None:
    """Return what is wrong with ``calendar.country`` (unknown to the holiday library),
    or None. Imports holidays."""
    import holidays

    if country.upper() in holidays.list_supported_countries():
        return None
    return f'unknown country {country!r} (use an ISO 3166 code such as "JP", or "")'


def national_holidays(
    country: str, subdivision: str | None, language: str, year: int
) -> dict[date, str]:
    """Return ``{date: name}`` of the national holidays of ``year`` (empty when no country
    is configured or the library has no data for that year). Imports holidays.

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
        supported = getattr(probe, "supported_languages", ()) or ()
        wanted: str | None = "ja" if language == "ja" else "en_US"
        if wanted not in supported:
            wanted = "en_US" if "en_US" in supported else getattr(probe, "default_language", None)
        table = holidays.country_holidays(country, subdiv=subdiv, years=year, language=wanted)
    except (NotImplementedError, ValueError, KeyError):
        # An unknown subdivision; check-config is where that should be reported.
        return {}
    return {d: name for d, name in table.items() if d.year == year}
