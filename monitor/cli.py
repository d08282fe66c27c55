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


# ============================================================ run / status / permit / ack / reload (daemon)


def _daemon_call(config: Config, payload: dict) -> dict:
    """Send one request to the running daemon; on failure print one clear line, exit 1."""
    from monitor.control import DaemonError, request
    from monitor.errors import ControlError

    try:
        return request(config.control.socket, payload)
    except DaemonError as exc:
        click.echo(f"link-monitor: {payload['cmd']} refused: {exc}", err=True)
    except ControlError as exc:
        click.echo(str(exc) if str(exc).startswith("link-monitor") else f"link-monitor: {exc}",
                   err=True)
    sys.exit(1)


@main.command("run")
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Debug logging (timestamps of every step).")
def run_command(config_path: Path | None, verbose: bool) -> None:
    """Run the monitor in the foreground (what the systemd service runs).

    Logs go to stderr (without timestamps under systemd: journald adds them).
    Stop with Ctrl-C or SIGTERM; SIGHUP reloads the config."""
    from monitor.config import resolve_config_path
    from monitor.daemon import run_daemon, setup_logging

    config, source = load_or_exit(config_path)
    setup_logging(verbose=verbose)
    sys.exit(run_daemon(config, source, config_path=resolve_config_path(config_path)))


@main.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object (for scripts).")
def status_command(config_path: Path | None, as_json: bool) -> None:
    """Show what the running monitor sees: link, period, lamp, session, outbox."""
    import json

    from monitor.status_text import format_status_report

    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "status"})
    reply.pop("ok", None)
    if as_json:
        click.echo(json.dumps(reply, ensure_ascii=False, indent=2))
    else:
        click.echo(format_status_report(reply, config.alerts.language, config.zone))


@main.command("permit")
@config_option
@click.option("--purpose", required=True,
              type=click.Choice(["fee-update", "remote-maintenance", "other"]),
              help="Why the cable is plugged in.")
@click.option("--company", required=True, help="The contractor's company.")
@click.option("--staff", required=True, help="The contractor's staff member.")
@click.option("--for", "duration", default="1h", show_default=True,
              help="Expected duration (\"90m\", \"2h\").")
@click.option("--note", default="", help="Anything else worth recording.")
@click.option("--after-the-fact", is_flag=True,
              help="Record an emergency connection that is already plugged in.")
def permit_command(config_path: Path | None, purpose: str, company: str, staff: str,
                   duration: str, note: str, after_the_fact: bool) -> None:
    """Record a permit before plugging in; you (the OS user) are recorded as its grantor."""
    from monitor.config import parse_duration
    from monitor.status_text import format_permit_reply

    try:
        parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "permit", "purpose": purpose, "company": company,
                                  "staff": staff, "for": duration, "note": note,
                                  "after_the_fact": after_the_fact})
    click.echo(format_permit_reply(reply, config.alerts.language, config.zone))


@main.command("ack")
@config_option
def ack_command(config_path: Path | None) -> None:
    """Silence the alarm buzzer (the lamp keeps blinking until the cable is out)."""
    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "ack"})
    ja = config.alerts.language == "ja"
    if reply.get("silenced"):
        click.echo("ブザーを止めました（ケーブルを抜くまでランプは点滅を続けます）。" if ja
                   else "Buzzer silenced (the lamp keeps blinking until the cable is out).")
    else:
        click.echo(f"止めるブザーはありません（ランプ: {reply.get('pattern')}）。" if ja
                   else f"Nothing to silence (lamp: {reply.get('pattern')}).")


@main.command("reload")
@config_option
def reload_command(config_path: Path | None) -> None:
    """Make the running monitor read its config again (like SIGHUP).

    A config with errors is refused with the reasons; the old one stays in force."""
    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "reload"})
    click.echo(f"reloaded {reply.get('reloaded')}")
    if reply.get("restart_needed"):
        click.echo("restart the service for: " + ", ".join(reply["restart_needed"]))



# ============================================================ box (indicator box)


# ============================================================ end of commands
