"""The quick commands that talk to the running daemon: ``status``, ``permit``, ``ack``.

They read three config keys without pydantic (``monitor.cli.quickconfig``) and send one
request over the control socket (``monitor.control.client``: no asyncio).
"""

from __future__ import annotations

import sys
from datetime import tzinfo
from pathlib import Path
from typing import Any, NoReturn

import click

from monitor.cli.common import config_option, exit_config_error, say
from monitor.cli.quickconfig import QuickConfig, load_quick
from monitor.errors import ConfigError, ControlError
from monitor.texts import t


def quick_or_exit(config_path: Path | None) -> QuickConfig:
    """Return the quick keys of the config; on a problem with them print it and exit 2."""
    try:
        return load_quick(config_path)
    except ConfigError as exc:
        exit_config_error(exc)


def zone_or_exit(config: QuickConfig) -> tzinfo:
    """Return the configured zone; if it is unknown print why and exit 2."""
    try:
        return config.zone()
    except ConfigError as exc:
        exit_config_error(exc)


def _refused(cmd: str, exc: ControlError) -> NoReturn:
    from monitor.control.errors import DaemonError

    if isinstance(exc, DaemonError):
        click.echo(say("daemon.refused", cmd=cmd, error=exc), err=True)
    else:
        message = str(exc)
        click.echo(
            message if message.startswith("link-monitor") else say("error", error=message), err=True
        )
    sys.exit(1)


def daemon_call(socket: Path, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one request to the running daemon; on failure print one clear line, exit 1."""
    from monitor.control.client import request

    try:
        return request(socket, payload)
    except ControlError as exc:
        _refused(payload["cmd"], exc)


@click.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object (for scripts).")
@click.option(
    "--follow",
    is_flag=True,
    help="Keep going: one JSON line per change (pattern, link, faults, session, outbox).",
)
def status_command(config_path: Path | None, as_json: bool, follow: bool) -> None:
    """Show what the running monitor sees: link, period, lamp, session, outbox."""
    config = quick_or_exit(config_path)
    if follow:
        follow_status(config.socket)
        return
    zone = None if as_json else zone_or_exit(config)
    reply = daemon_call(config.socket, {"cmd": "status"})
    reply.pop("ok", None)
    if zone is None:
        import json

        click.echo(json.dumps(reply, ensure_ascii=False, indent=2))
        return
    from monitor.reports.status import format_status_report

    click.echo(format_status_report(reply, config.language, zone))


def follow_status(socket: Path) -> None:
    """Print the status stream's state lines (not the keep-alives) until the daemon
    stops or falls silent (exit 1 with one line saying so) or Ctrl-C (exit 0)."""
    import json

    from monitor.control.client import follow

    try:
        for line in follow(socket):
            if line.get("kind") == "keepalive":
                continue
            line.pop("ok", None)
            line.pop("follow", None)
            click.echo(json.dumps(line, ensure_ascii=False), nl=True)
    except KeyboardInterrupt:
        return
    except ControlError as exc:
        _refused("status", exc)


@click.command("permit")
@config_option
@click.option(
    "--purpose",
    required=True,
    type=click.Choice(["fee-update", "remote-maintenance", "other"]),
    help="Why the cable is plugged in.",
)
@click.option("--company", required=True, help="The contractor's company.")
@click.option("--staff", required=True, help="The contractor's staff member.")
@click.option(
    "--for", "duration", default="1h", show_default=True, help='Expected duration ("90m", "2h").'
)
@click.option("--note", default="", help="Anything else worth recording.")
@click.option(
    "--after-the-fact",
    is_flag=True,
    help="Record an emergency connection that is already plugged in.",
)
def permit_command(
    config_path: Path | None,
    purpose: str,
    company: str,
    staff: str,
    duration: str,
    note: str,
    after_the_fact: bool,
) -> None:
    """Record a permit before plugging in; you (the OS user) are recorded as its grantor."""
    from monitor.domain.durations import parse_duration
    from monitor.reports.status import format_permit_reply

    try:
        parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    config = quick_or_exit(config_path)
    zone = zone_or_exit(config)
    reply = daemon_call(
        config.socket,
        {
            "cmd": "permit",
            "purpose": purpose,
            "company": company,
            "staff": staff,
            "for": duration,
            "note": note,
            "after_the_fact": after_the_fact,
        },
    )
    click.echo(format_permit_reply(reply, config.language, zone))


@click.command("ack")
@config_option
def ack_command(config_path: Path | None) -> None:
    """Silence the alarm buzzer (the lamp keeps blinking until the cable is out)."""
    config = quick_or_exit(config_path)
    reply = daemon_call(config.socket, {"cmd": "ack"})
    if reply.get("silenced"):
        click.echo(t(config.language, "cli.ack.silenced"))
    else:
        click.echo(t(config.language, "cli.ack.nothing", pattern=reply.get("pattern")))
