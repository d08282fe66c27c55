"""``check-config``: validate the config and print a summary of it, then the
warnings about this machine (a ``link.interfaces`` pattern that matches none of its
interfaces: a typo watches nothing). A warning does not fail the check (a config
may be prepared on another machine) unless ``--strict``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.common import EXIT_CONFIG, config_option, load_checked_or_exit, say
from monitor.config import Config
from monitor.domain.durations import format_duration

if TYPE_CHECKING:
    from monitor.config import Config


def machine_warnings(config: Config) -> list[str]:
    """Return the warnings about this machine: each ``link.interfaces`` pattern that
    watches none of its interfaces, naming the ones present."""
    from monitor.links.names import interface_names

    try:
        names = interface_names()
    except OSError as exc:
        return [say("check.no_interfaces_listed", error=exc.strerror or str(exc))]
    link = config.link
    present = ", ".join(names) or say("none")
    ignore = ", ".join(link.ignore) or say("none")
    warnings = [
        say("check.no_match", pattern=pattern, present=present, ignore=ignore)
        for pattern in link.unmatched(names)
    ]
    if not any(link.watches(name) for name in names):
        warnings.append(say("check.watches_nothing"))
    return warnings


@click.command("check-config")
@config_option
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 on a warning too (a pattern in link.interfaces that matches no "
    "interface of this machine).",
)
def check_config(config_path: Path | None, strict: bool) -> None:
    """Validate the config; print a summary (exit 0) or every problem (exit 2).

    Warnings about this machine are printed after the summary (exit 0; 2 with
    --strict)."""
    config, source = load_checked_or_exit(config_path)
    _summary(config, source)
    warnings = machine_warnings(config)
    for warning in warnings:
        click.echo(warning, err=True)
    if warnings and strict:
        sys.exit(EXIT_CONFIG)


def _summary(config: Config, source: str) -> None:
    none = say("none")
    click.echo(say("check.ok", source=source))
    click.echo(say("check.timezone", zone=config.timezone))
    closed = ", ".join(str(c) for c in config.calendar.closed) or none
    click.echo(say("check.holidays", country=config.calendar.country or none, closed=closed))
    for i, w in enumerate(config.clinic):
        click.echo(say("check.clinic", i=i, window=w.describe()))
    for i, w in enumerate(config.maintenance):
        click.echo(say("check.maintenance", i=i, window=w.describe()))
    lim = config.limits
    click.echo(
        say(
            "check.limits",
            max_session=format_duration(lim.max_session),
            remind_every=format_duration(lim.remind_every),
            require_permit=str(lim.require_permit).lower(),
        )
    )
    link = config.link
    click.echo(
        say(
            "check.link",
            method=link.method,
            interfaces=", ".join(link.interfaces),
            ignore=", ".join(link.ignore) or none,
        )
    )
    click.echo(say("check.indicator", kind=config.indicator.kind))
    alerts = config.alerts
    extra = say("check.apprise_config") if alerts.config else ""
    extra += say("check.credential") if alerts.credential else ""
    click.echo(say("check.alerts", n=len(alerts.urls), extra=extra, lang=alerts.language))
    click.echo(say("check.store", path=config.store.path))
    click.echo(say("check.control", path=config.control.socket))
    click.echo(_media_line(config))


def _media_line(config: Config) -> str:
    """Return the summary of ``[media]``: the rules on, or that media are not watched."""
    m = config.media
    if not m.watch:
        return say("check.media_off")
    rules = [
        name
        for name, on in (
            ("media-online", m.online),
            ("unregistered-media", m.unregistered),
            ("media-clinic-hours", m.clinic_hours),
            ("media-left-in", m.left_in),
        )
        if on
    ]
    allowed = ", ".join(dict.fromkeys((*m.clinic_hours_allowed, *m.left_in_allowed)))
    return say(
        "check.media",
        rules=", ".join(rules) or say("none"),
        after=format_duration(m.left_in_after),
        allowed=allowed or say("none"),
    )
