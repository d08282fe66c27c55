"""``report``: the printable register of a month or a year (one HTML file)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import config_option, load_or_exit, say
from monitor.cli.records import exit_if_broken, month_option, open_register, write_or_exit
from monitor.compat import UTC


def _month_or_none(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return value and month_option(ctx, param, value)


def _write(report: Any, output: Path | None) -> None:
    """Write the page to ``output`` ("-": standard output; None: its default name here)."""
    if str(output) == "-":
        sys.stdout.write(report.html)
        return
    target = output or Path(report.name)
    write_or_exit(target, report.html.encode("utf-8"))
    click.echo(say("printout.written", path=target, n=report.connections), err=True)


@click.command("report")
@config_option
@click.option(
    "--month",
    callback=_month_or_none,
    metavar="YYYY-MM",
    help="The month to print (in the configured time zone).",
)
@click.option(
    "--year",
    type=click.IntRange(1970, 9999),
    default=None,
    metavar="YYYY",
    help="Print a whole year instead: a summary page, then one page per month.",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Language of the page (default: alerts.language).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='Write to FILE ("-": standard output); default report-YYYY-MM.html here.',
)
def report_command(
    config_path: Path | None,
    month: tuple[int, int] | None,
    year: int | None,
    lang: str | None,
    output: Path | None,
) -> None:
    """Make the printable register of a month (or --year): one HTML file with a timeline
    picture, the list of connections, a summary and sign-off boxes, for A4 landscape.

    Exit 1 when the register's hash chain is broken (the file is still written, with a
    red banner naming the first broken record)."""
    import getpass

    from monitor.jobs import local_holidays
    from monitor.printout.command import build_report
    from monitor.schedule import Schedule

    if (month is None) == (year is None):
        raise click.UsageError(say("printout.month_or_year"))
    config, _ = load_or_exit(config_path)
    with open_register(config) as reg:
        schedule = Schedule(config, holidays=local_holidays(config))
        report = build_report(
            reg,
            config,
            schedule,
            year=month[0] if month else year or 0,
            month=month[1] if month else None,
            language=lang or config.alerts.language,
            made_by=getpass.getuser(),
            now=datetime.now(UTC),
        )
    _write(report, output)
    exit_if_broken(report.chain)
