"""``box``: run the indicator box on the Raspberry Pi beside the receipt PC."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from monitor import __version__
from monitor.cli.common import config_option, exit_config_error, say
from monitor.errors import ConfigError


@click.command("box")
@config_option
@click.option(
    "--port",
    default="/dev/ttyGS0",
    show_default=True,
    help="Serial port to the receipt PC (a Pi Zero's USB gadget serial, or a USB-UART adapter).",
)
def box(config_path: Path | None, port: str) -> None:
    """Run the indicator box (on the Raspberry Pi beside the receipt PC).

    Shows the pattern the PC's monitor sends over the serial line on this Pi's
    LED and buzzer (pins and timings: the [indicator] section of the config, the
    only section the box reads; the pin factory from $GPIOZERO_PIN_FACTORY or the
    Pi's default). The button acknowledges the alarm on the PC. With no valid message for 5 s the box shows
    "lost": a double blink, status LED dark, a chirp once a minute. Runs until
    SIGTERM or Ctrl-C.
    """
    import logging
    import os
    import signal
    import threading

    from monitor.box import LOST_AFTER, start_box
    from monitor.box.settings import load_box_settings
    from monitor.indicator.boxdisplay import IndicatorDisplay, build_box_display

    # Only [indicator], without pydantic: the Pi's bundle has none of the daemon's libraries.
    try:
        settings, source = load_box_settings(config_path)
    except ConfigError as exc:
        exit_config_error(exc)
    fmt = (
        "%(levelname)s %(message)s"
        if os.environ.get("JOURNAL_STREAM")
        else ("%(asctime)s %(levelname)s %(message)s")
    )
    logging.basicConfig(level=logging.INFO, format=fmt)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # The box's program drives this Pi's own indicator; IndicatorError: one line, exit 1.
    made: list[IndicatorDisplay] = []

    def make(on_ack: Callable[[str], None]) -> IndicatorDisplay:
        made.append(build_box_display(settings, on_ack=on_ack))
        return made[0]

    runner, _ = start_box(port, make)
    display = made[0]
    state = display.state()
    factory = say("box.factory", factory=state["pin_factory"]) if state.get("pin_factory") else ""
    click.echo(
        say(
            "box.started",
            version=__version__,
            source=source,
            port=port,
            kind=state["kind"],
            factory=factory,
            lost=LOST_AFTER,
        ),
        err=True,
    )
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.close()
        display.close()
    click.echo(say("box.stopped"), err=True)
