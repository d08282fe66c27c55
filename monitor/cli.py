"""The ``link-monitor`` command.

Each sub-command lives in its own section below. User mistakes (bad config,
bad arguments, daemon not running) end with a clear message and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor import __version__
from monitor.config import Config, format_duration, load
from monitor.errors import ConfigError, MonitorError
from monitor.schedule import Schedule, check_instant

EXIT_CONFIG = 2

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $LINK_MONITOR_CONFIG, then /etc/link-monitor/config.toml, "
    "then the built-in default).",
)


def load_or_exit(config_path: Path | None) -> tuple[Config, str]:
    """Return ``(config, source)``; on an invalid config print every problem and exit 2."""
    try:
        return load(config_path)
    except ConfigError as exc:
        click.echo(f"link-monitor: invalid config {exc.source}:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(EXIT_CONFIG)


class _Group(click.Group):
    """Turn our own errors into one clear line (exit 1) instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            click.echo(f"link-monitor: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="link-monitor")
def main() -> None:
    """Watch the network link of an offline PC, show it on an LED, alert and keep a register."""


# ============================================================ check-config (foundation)


@main.command("check-config")
@config_option
def check_config(config_path: Path | None) -> None:
    """Validate the config; print a summary (exit 0) or every problem (exit 2)."""
    config, source = load_or_exit(config_path)
    click.echo(f"{source}: OK")
    click.echo(f"  timezone      {config.timezone}")
    country = config.calendar.country or "none"
    closed = ", ".join(str(c) for c in config.calendar.closed) or "none"
    click.echo(f"  holidays      {country}; closed {closed}")
    for i, w in enumerate(config.clinic):
        click.echo(f"  clinic[{i}]     {w.describe()}")
    for i, w in enumerate(config.maintenance):
        click.echo(f"  maintenance[{i}] {w.describe()}")
    lim = config.limits
    click.echo(
        f"  limits        max_session {format_duration(lim.max_session)}, "
        f"remind_every {format_duration(lim.remind_every)}, "
        f"require_permit {str(lim.require_permit).lower()}"
    )
    click.echo(
        f"  link          {config.link.method}: {', '.join(config.link.interfaces)} "
        f"(ignore {', '.join(config.link.ignore) or 'none'})"
    )
    click.echo(f"  indicator     {config.indicator.kind}")
    n_urls = len(config.alerts.urls)
    extra = " + apprise config" if config.alerts.config else ""
    extra += " + credential" if config.alerts.credential else ""
    click.echo(f"  alerts        {n_urls} url(s){extra}, language {config.alerts.language}")
    click.echo(f"  store         {config.store.path}")
    click.echo(f"  control       {config.control.socket}")


# ============================================================ explain (foundation)

EXIT_USAGE = 2


def _parse_instant(text: str, zone) -> datetime:
    """Return the aware instant of ``text``: ISO 8601 with an offset or ``Z``, or a naive
    local time in ``zone`` (the first showing of a wall time the fall-back repeats), or
    ``now``; raise ValueError saying what is wrong."""
    if text.strip().lower() == "now":
        return datetime.now(zone)  # the CLI may read the clock; the schedule never does
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            "expected ISO 8601 such as 2026-05-06T17:00, 2026-05-06T17:00+09:00 or "
            "2026-05-06T08:00Z"
        ) from None
    if t.tzinfo is not None:
        return t
    local = t.replace(tzinfo=zone, fold=0)
    # A wall time skipped by a spring-forward gap names no instant: say so rather
    # than guess one.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != t:
        raise ValueError(f"{t:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks jump "
                         "forward); give an offset")
    return local


def _human_time(t: datetime) -> str:
    seconds = f":{t:%S}" if t.second or t.microsecond else ""
    return f"{t:%Y-%m-%d %H:%M}{seconds} {t:%a} {t:%Z}"


@main.command("explain")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, in input order.")
@click.argument("instants", nargs=-1, required=True, metavar="AT...")
def explain(config_path: Path | None, as_json: bool, instants: tuple[str, ...]) -> None:
    """Say which period each instant AT is in, why, and when that next changes.

    AT is ISO 8601 with an offset or Z (2026-05-06T17:00+09:00, 2026-05-06T08:00Z),
    or without one in the configured time zone (2026-05-06T17:00), or `now`.
    Exit 2 if an AT is not an instant."""
    config, _source = load_or_exit(config_path)
    zone = config.zone
    parsed: list[datetime] = []
    bad = False
    for text in instants:  # check every argument before printing anything
        try:
            parsed.append(check_instant(_parse_instant(text, zone)))
        except ValueError as exc:
            click.echo(f"link-monitor explain: bad instant {text!r}: {exc}", err=True)
            bad = True
    if bad:
        sys.exit(EXIT_USAGE)
    schedule = Schedule(config)
    for t in parsed:
        info = schedule.at(t)
        then = schedule.period(info.next_change)
        if as_json:
            click.echo(json.dumps({
                "at": info.at.isoformat(),
                "period": str(info.period),
                "holiday": info.holiday,
                "rule": info.rule,
                "next_change": info.next_change.isoformat(),
                "next_period": str(then),
            }, ensure_ascii=False))
        else:
            click.echo(
                f"{_human_time(info.at)}  {info.period}"
                + (f" by {info.rule}" if info.rule else "")
                + (f"  holiday: {info.holiday}" if info.holiday else "")
                + f"  until {_human_time(info.next_change)}, then {then}"
            )


# ============================================================ watch (links)


# ============================================================ test-indicator (indicator)


# ============================================================ log / export / verify (register)


# ============================================================ test-alert (alerts)


# ============================================================ run / status / permit / ack / reload (daemon)


# ============================================================ box (indicator box)


# ============================================================ end of commands
