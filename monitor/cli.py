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


# What each pattern does, for the installer checking the wiring.
_PATTERN_HELP = {
    "off": "main LED off (offline)",
    "on": "main LED steadily on (online, permitted)",
    "warn": "main LED slow blink (overdue / outside a window / no permit)",
    "alarm": "main LED fast blink + buzzer beeping (clinic hours; press the button to silence)",
}


def _describe_state(state: dict) -> str:
    """Return a one-line summary of an indicator's state() for people."""
    devices = state.get("devices")
    if devices:
        parts = [f"{name} {dev['state']}" for name, dev in devices.items() if "state" in dev]
    else:
        parts = [f"{key} {state[key]}" for key in ("led", "buzzer") if key in state]
    parts.append("heartbeat " + ("running" if state.get("heartbeat") else "stopped"))
    return ", ".join(parts)


@main.command("test-indicator")
@config_option
@click.option(
    "--pattern",
    type=click.Choice(["all", "off", "on", "warn", "alarm"]),
    default="all",
    show_default=True,
    help="Pattern to show.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=3.0,
    show_default=True,
    help="How long to show each pattern.",
)
def test_indicator(config_path: Path | None, pattern: str, seconds: float) -> None:
    """Show one or all indicator patterns and the heartbeat, to check the wiring.

    Uses the indicator of the config (kind, pins, timings). Press the button to
    acknowledge (silences the buzzer), hold it to run the self-test. Ctrl-C stops
    and leaves every output off.
    """
    import threading
    import time

    from monitor.indicator import ConsoleIndicator, build_indicator
    from monitor.policy import Pattern

    config, source = load_or_exit(config_path)
    lock = threading.Lock()
    current = {"pattern": Pattern.OFF}
    holder: dict = {}

    def on_ack(where: str) -> None:
        # Stands in for the daemon: an acknowledgement silences a sounding alarm.
        click.echo(f"{clear}button pressed ({where}): acknowledged")
        with lock:
            alarm = current["pattern"] is Pattern.ALARM
        if alarm and "indicator" in holder:
            holder["indicator"].show(Pattern.ALARM, silenced=True)

    def on_self_test(where: str) -> None:
        click.echo(f"{clear}button held ({where}): self-test, every output in turn")

    clear = ""
    indicator = build_indicator(config.indicator, on_ack=on_ack, on_self_test=on_self_test)
    holder["indicator"] = indicator
    if isinstance(indicator, ConsoleIndicator) and sys.stdout.isatty():
        clear = "\r\x1b[2K"  # erase the status line before printing above it
    state = indicator.state()
    where = state["kind"]
    if state.get("pin_factory"):
        pins = ", ".join(f"{n} GPIO{d['pin']}" for n, d in state["devices"].items())
        where = f"gpio ({state['pin_factory']}; BCM pins: {pins})"
    click.echo(f"{source}: indicator {where}")
    hb = config.indicator
    click.echo(
        f"status LED heartbeat: {format_duration(hb.heartbeat_on)} flash every "
        f"{format_duration(hb.heartbeat_every)}"
    )
    patterns = list(Pattern) if pattern == "all" else [Pattern(pattern)]
    try:
        indicator.start_heartbeat()
        for p in patterns:
            click.echo(f"{clear}showing {p} for {seconds:g}s: {_PATTERN_HELP[str(p)]}")
            with lock:
                current["pattern"] = p
            indicator.show(p)
            time.sleep(min(seconds, 0.05))
            click.echo(f"{clear}  now: {_describe_state(indicator.state())}")
            time.sleep(max(seconds - 0.05, 0))
    except KeyboardInterrupt:
        click.echo(f"{clear}interrupted")
        _all_off(indicator)
        click.echo("every output off")
        sys.exit(130)
    _all_off(indicator)
    click.echo(f"{clear}done: every output off")


def _all_off(indicator) -> None:
    """Leave every output off and release the pins (test-indicator's ending)."""
    from monitor.policy import Pattern

    indicator.show(Pattern.OFF)
    indicator.stop_heartbeat()
    try:
        indicator.close(keep_led=False)
    except TypeError:  # an indicator without the gpio-only keyword
        indicator.close()



# ============================================================ log / export / verify (register)


# ============================================================ test-alert (alerts)


# ============================================================ run / status / permit / ack / reload (daemon)


# ============================================================ box (indicator box)


@main.command("box")
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
    LED and buzzer (pins and timings: the [indicator] section of the config; the
    pin factory from $GPIOZERO_PIN_FACTORY or the Pi's default). The button
    acknowledges the alarm on the PC. With no valid message for 5 s the box shows
    "lost": a double blink, status LED dark, a chirp once a minute. Runs until
    SIGTERM or Ctrl-C.
    """
    import logging
    import os
    import signal
    import threading

    from monitor.indicator.box import LOST_AFTER, start_box

    config, source = load_or_exit(config_path)
    fmt = "%(levelname)s %(message)s" if os.environ.get("JOURNAL_STREAM") else (
        "%(asctime)s %(levelname)s %(message)s")
    logging.basicConfig(level=logging.INFO, format=fmt)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner, indicator = start_box(config.indicator, port)  # IndicatorError: one line, exit 1
    state = indicator.state()
    click.echo(
        f"link-monitor box {__version__}: {source}; port {port}; indicator {state['kind']}"
        + (f" ({state['pin_factory']})" if state.get("pin_factory") else "")
        + f"; lost after {LOST_AFTER:g}s without a message",
        err=True,
    )
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.close()
        indicator.close()
    click.echo("link-monitor box: stopped", err=True)




# ============================================================ end of commands
