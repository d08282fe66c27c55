"""``link-monitor lamp``: the screen lamp, for PCs without the LED box (``monitor.lamp``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.client import quick_or_exit
from monitor.cli.common import config_option
from monitor.texts import t

if TYPE_CHECKING:
    from monitor.config import Indicator


def _indicator_config(config_path: Path | None) -> Indicator:
    """Return the config's blink timings, or the defaults when the file cannot be read
    in full (the lamp must show something in any case)."""
    from monitor.config import Indicator
    from monitor.config.loading import load
    from monitor.errors import ConfigError

    try:
        return load(config_path)[0].indicator
    except (ConfigError, OSError):
        return Indicator()


@click.command("lamp")
@config_option
@click.option(
    "--silence",
    default=6.0,
    show_default=True,
    type=click.FloatRange(1.0, 60.0),
    help="Seconds without a line from the monitor before the lamp turns grey.",
)
def lamp_command(config_path: Path | None, silence: float) -> None:
    """Show the lamp on the screen: a small window that follows the monitor."""
    quick = quick_or_exit(config_path)
    try:
        import tkinter
    except ImportError as exc:
        click.echo(t(quick.language, "lamp.no_tk", error=exc), err=True)
        sys.exit(1)
    from monitor.lamp.link import DaemonLink
    from monitor.lamp.window import run_lamp

    link = DaemonLink(quick.socket, silence=silence)
    try:
        run_lamp(link, quick.language, _indicator_config(config_path))
    except tkinter.TclError as exc:
        click.echo(t(quick.language, "lamp.no_display", error=exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
