"""The quick commands that talk to the running daemon: ``status`` and ``ack`` (``permit``
is in ``monitor.cli.permit``), and what every command that talks to it shares.

They read three config keys without pydantic (``monitor.cli.quickconfig``) and send one
request over the control socket (``monitor.control.client``: no asyncio).

A user outside the service group (who may not read the config or open the socket) gets
one line naming the file or socket and asking IT to add them to the group, and exit 1
(like "not running": nothing is wrong with the config or the command line).
"""

from __future__ import annotations

import sys
from datetime import tzinfo
from pathlib import Path
from typing import Any, NoReturn

import click

from monitor.cli.common import (
    SERVICE_GROUP,
    exit_config_error,
    quick_config_option,
    say,
    user_name,
)
from monitor.cli.quickconfig import QuickConfig, load_quick
from monitor.cli.words import language
from monitor.errors import ConfigDenied, ConfigError, ControlError
from monitor.texts import has, t

EXIT_DENIED = 1


def exit_denied(what: str, path: Path, lang: str | None) -> NoReturn:
    """Print one line: this user may not use ``path`` (``what``: "config" or "socket"),
    ask IT to add them to the service group; in ``lang``, or Japanese and English when
    the language is not known (the config could not be read). Exit 1."""
    values = {"path": path, "user": user_name(), "group": SERVICE_GROUP}
    languages = [lang] if lang else ["ja", "en"]
    said = [t(each, f"cli.denied.{what}", **values) for each in languages]
    click.echo(t(lang or "en", "cli.error", error=" / ".join(said)), err=True)
    sys.exit(EXIT_DENIED)


def quick_or_exit(config_path: Path | None) -> QuickConfig:
    """Return the quick keys of the config; on a problem with them print it and exit 2;
    if this user may not read the file say so in one line and exit 1."""
    try:
        return load_quick(config_path)
    except ConfigDenied as exc:
        exit_denied("config", exc.path, None)
    except ConfigError as exc:
        exit_config_error(exc)


def zone_or_exit(config: QuickConfig) -> tzinfo:
    """Return the configured zone; if it is unknown print why and exit 2."""
    try:
        return config.zone()
    except ConfigError as exc:
        exit_config_error(exc)


def _refused(cmd: str, exc: ControlError) -> NoReturn:
    from monitor.control.errors import AccessDenied, DaemonError

    if isinstance(exc, AccessDenied):
        exit_denied("socket", exc.path, language())  # the config was read: its language
    if isinstance(exc, DaemonError):
        click.echo(say("daemon.refused", cmd=cmd, error=exc), err=True)
    else:
        message = str(exc)
        click.echo(
            message if message.startswith("link-monitor") else say("error", error=message), err=True
        )
    sys.exit(1)


def daemon_call(socket: Path, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one request to the running daemon; on failure print one clear line (in the
    command's language), exit 1."""
    from monitor.control.client import request

    try:
        return request(socket, payload, language=language())
    except ControlError as exc:
        _refused(payload["cmd"], exc)


@click.command("status")
@quick_config_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--follow", is_flag=True)
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


@click.command("ack")
@quick_config_option
def ack_command(config_path: Path | None) -> None:
    """Silence the alarm buzzer (the lamp keeps blinking until the cable is out)."""
    config = quick_or_exit(config_path)
    reply = daemon_call(config.socket, {"cmd": "ack"})
    if reply.get("silenced"):
        click.echo(t(config.language, "cli.ack.silenced"))
    else:
        key = f"words.pattern.{reply.get('pattern')}"
        pattern = t(config.language, key) if has(config.language, key) else reply.get("pattern")
        click.echo(t(config.language, "cli.ack.nothing", pattern=pattern))
