"""``run`` (the daemon in the foreground) and ``reload`` (ask it to read its config again)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from monitor.cli.client import daemon_call
from monitor.cli.common import (
    EXIT_CONFIG,
    config_option,
    exit_config_error,
    print_config_error,
    say,
)
from monitor.compat import UTC
from monitor.errors import ConfigError


@click.command("run")
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Debug logging (timestamps of every step).")
def run_command(config_path: Path | None, verbose: bool) -> None:
    """Run the monitor in the foreground (what the systemd service runs).

    Logs go to stderr (without timestamps under systemd: journald adds them).
    Stop with Ctrl-C or SIGTERM; SIGHUP reloads the config."""
    from monitor.config import resolve_config_path
    from monitor.daemon import prewarm, run_daemon, setup_logging
    from monitor.jobs import load_checked

    setup_logging(verbose=verbose)
    path = resolve_config_path(config_path)
    try:
        config, source, holidays = load_checked(path, datetime.now(UTC), prewarm=prewarm)
    except ConfigError as exc:
        exit_config_error(exc)
    sys.exit(run_daemon(config, source, config_path=path, holidays=holidays))


@click.command("reload")
@config_option
def reload_command(config_path: Path | None) -> None:
    """Make the running monitor read its config again (like SIGHUP).

    A config with errors is refused with the reasons (exit 2); the old one stays in force."""
    from monitor.jobs import load_and_check  # the checks the daemon will run

    try:
        config, _ = load_and_check(config_path)
    except ConfigError as exc:
        print_config_error(exc)
        click.echo(say("reload.refused"), err=True)
        sys.exit(EXIT_CONFIG)
    reply = daemon_call(config.control.socket, {"cmd": "reload"})
    click.echo(say("reload.done", what=reply.get("reloaded")))
    if reply.get("restart_needed"):
        click.echo(say("reload.restart", names=", ".join(reply["restart_needed"])))
