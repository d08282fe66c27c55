"""``explain``: which period an instant is in, why, and when that next changes.

Needs the whole schedule (config and holiday tables), so it loads the config and
checks ``calendar.country`` with the holiday library (not ``alerts.urls``: apprise is
not needed to explain a time); it imports nothing else of the monitor (no register,
no alerts, no daemon).
"""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import EXIT_USAGE, config_option, exit_config_error, load_or_exit, say
from monitor.compat import UTC, fromisoformat
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.config import Config


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """Return the aware instant of ``text``: ISO 8601 with an offset or ``Z``, or a naive
    local time in ``zone`` (the first showing of a wall time the fall-back repeats), or
    ``now``; raise ValueError saying what is wrong."""
    if text.strip().lower() == "now":
        return datetime.now(zone)  # the CLI may read the clock; the schedule never does
    try:
        at = fromisoformat(text.strip())
    except ValueError:
        raise ValueError(say("explain.iso")) from None
    if at.tzinfo is not None:
        return at
    local = at.replace(tzinfo=zone, fold=0)
    # A wall time skipped by a spring-forward gap names no instant: say so rather
    # than guess one.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != at:
        raise ValueError(say("explain.gap", time=f"{at:%Y-%m-%d %H:%M}", zone=zone))
    return local


def human_time(at: datetime) -> str:
    """Return ``2026-05-06 17:00 Wed JST`` (seconds only when there are some)."""
    seconds = f":{at:%S}" if at.second or at.microsecond else ""
    return f"{at:%Y-%m-%d %H:%M}{seconds} {at:%a} {at:%Z}"


def _parse_all(instants: tuple[str, ...], zone: tzinfo) -> list[datetime]:
    """Return every instant parsed; print each bad one and exit 2 if there is any."""
    from monitor.schedule import check_instant

    parsed: list[datetime] = []
    bad = False
    for text in instants:  # check every argument before printing anything
        try:
            parsed.append(check_instant(parse_instant(text, zone)))
        except ValueError as exc:
            click.echo(say("explain.bad_instant", text=text, error=exc), err=True)
            bad = True
    if bad:
        sys.exit(EXIT_USAGE)
    return parsed


def _schedule_or_exit(config: Config, source: str) -> Any:
    """Return the ``Schedule`` of ``config`` computing holidays here; exit 2 naming
    ``calendar.country`` or ``calendar.subdivision`` if the holiday library does not
    know it (an empty table would call a holiday's clinic hours off-hours)."""
    from monitor.calendar import calendar_problems, national_holidays
    from monitor.schedule import Schedule

    cal = config.calendar
    problems = calendar_problems(cal.country, cal.subdivision, ())
    if problems:
        exit_config_error(ConfigError(source, problems))

    def holidays(year: int) -> dict[Any, str]:
        try:
            return national_holidays(cal.country, cal.subdivision, config.alerts.language, year)
        except ConfigError as exc:  # a year the library has no data for
            exit_config_error(ConfigError(source, exc.problems))

    return Schedule(config, holidays=holidays)


def _period_words(period: object) -> str:
    """Return a period in words in the command's language (English keeps the code)."""
    from monitor.cli.words import language
    from monitor.texts import t

    return t("ja", f"words.period.{period}") if language() == "ja" else str(period)


def _rule_words(rule: str) -> str:
    from monitor.cli.words import language
    from monitor.texts.formats import rule_words

    return rule_words(rule, "ja") if language() == "ja" else rule


def _line(info: Any, then: Any, as_json: bool) -> str:
    if as_json:
        import json

        return json.dumps(
            {
                "at": info.at.isoformat(),
                "period": str(info.period),
                "holiday": info.holiday,
                "rule": info.rule,
                "next_change": info.next_change.isoformat(),
                "next_period": str(then),
            },
            ensure_ascii=False,
        )
    return (
        say("explain.line", at=human_time(info.at), period=_period_words(info.period))
        + (say("explain.rule", rule=_rule_words(info.rule)) if info.rule else "")
        + (say("explain.holiday", name=info.holiday) if info.holiday else "")
        + say("explain.until", time=human_time(info.next_change), period=_period_words(then))
    )


@click.command("explain")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, in input order.")
@click.argument("instants", nargs=-1, required=True, metavar="AT...")
def explain(config_path: Path | None, as_json: bool, instants: tuple[str, ...]) -> None:
    """Say which period each instant AT is in, why, and when that next changes.

    AT is ISO 8601 with an offset or Z (2026-05-06T17:00+09:00, 2026-05-06T08:00Z),
    or without one in the configured time zone (2026-05-06T17:00), or `now`. A local
    time that daylight saving repeats means its first showing; one it skips is refused.
    Exit 2 if an AT is not an instant."""
    config, source = load_or_exit(config_path)
    schedule = _schedule_or_exit(config, source)
    parsed = _parse_all(instants, config.zone)
    for at in parsed:
        info = schedule.at(at)
        click.echo(_line(info, schedule.period(info.next_change), as_json))
