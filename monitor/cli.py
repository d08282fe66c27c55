"""The ``link-monitor`` command.

Each sub-command lives in its own section below. User mistakes (bad config,
bad arguments, daemon not running) end with a clear message and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor import __version__
from monitor.config import Config, format_duration, load
from monitor.errors import ConfigError, MonitorError

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


# ============================================================ watch (links)


# ============================================================ test-indicator (indicator)


# ============================================================ log / export / verify (register)


# ============================================================ test-alert (alerts)


@main.command("test-alert")
@config_option
@click.option("--lang", "language", type=click.Choice(["ja", "en"]), default=None,
              help="Language of the test message (default: alerts.language).")
def test_alert(config_path: Path | None, language: str | None) -> None:
    """Send a test message through every configured alert destination now.

    Prints one line per destination (passwords hidden); exit 0 when every one
    accepted it, 1 when any failed or none is configured."""
    from monitor.notify import send_test  # apprise is heavy: import only when used

    config, source = load_or_exit(config_path)
    results = send_test(config.alerts, language, zone=config.timezone)
    if not results:
        click.echo(
            f"link-monitor: no alert destination configured in {source}: set alerts.urls, "
            "alerts.config or alerts.credential (see config/link-monitor.toml)",
            err=True,
        )
        sys.exit(1)
    for url, ok, error in results:
        click.echo(f"{'OK' if ok else 'FAILED':<7} {url}" + ("" if ok else f"\n        {error}"))
    failed = sum(1 for _, ok, _ in results if not ok)
    click.echo(f"{len(results) - failed} of {len(results)} destination(s) accepted the test "
               "message" + ("" if not failed else f"; {failed} failed"))
    sys.exit(1 if failed else 0)


# ============================================================ run / status / permit / ack / reload (daemon)


# ============================================================ box (indicator box)


# ============================================================ end of commands
