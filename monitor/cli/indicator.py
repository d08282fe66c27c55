"""``test-indicator``: show one or all patterns and the heartbeat, to check the wiring."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import config_option, load_or_exit, say
from monitor.domain.durations import format_duration
from monitor.domain.enums import Pattern


def describe_state(state: dict[str, Any]) -> str:
    """Return a one-line summary of an indicator's state() for people."""
    devices = state.get("devices")
    if devices:
        parts = [
            say("indicator.device", name=name, state=dev["state"])
            for name, dev in devices.items()
            if "state" in dev
        ]
    else:
        parts = [
            say("indicator.device", name=key, state=state[key])
            for key in ("led", "buzzer")
            if key in state
        ]
    parts.append(
        say(
            "indicator.heartbeat_running"
            if state.get("heartbeat")
            else "indicator.heartbeat_stopped"
        )
    )
    return ", ".join(parts)


def _where(state: dict[str, Any]) -> str:
    if not state.get("pin_factory"):
        return str(state["kind"])
    pins = ", ".join(
        say("indicator.pin", name=n, pin=d["pin"]) for n, d in state["devices"].items()
    )
    return say("indicator.gpio", factory=state["pin_factory"], pins=pins)


def _all_off(indicator: Any) -> None:
    """Leave every output off and release the pins (test-indicator's ending)."""
    indicator.show(Pattern.OFF)
    indicator.stop_heartbeat()
    indicator.close(keep_led=False)


class _Trial:
    """The buttons' callbacks while patterns are shown: an acknowledgement silences a
    sounding alarm (standing in for the daemon)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pattern = Pattern.OFF
        self.indicator: Any = None
        self.clear = ""

    def on_ack(self, where: str) -> None:
        click.echo(self.clear + say("indicator.pressed", where=where))
        with self.lock:
            alarm = self.pattern is Pattern.ALARM
        if alarm and self.indicator is not None:
            self.indicator.show(Pattern.ALARM, silenced=True)

    def on_self_test(self, where: str) -> None:
        click.echo(self.clear + say("indicator.held", where=where))

    def show(self, p: Pattern, seconds: float) -> None:
        click.echo(
            self.clear
            + say(
                "indicator.showing", pattern=p, seconds=seconds, help=say(f"indicator.pattern.{p}")
            )
        )
        with self.lock:
            self.pattern = p
        self.indicator.show(p)
        time.sleep(min(seconds, 0.05))
        click.echo(self.clear + say("indicator.now", state=describe_state(self.indicator.state())))
        time.sleep(max(seconds - 0.05, 0))


@click.command("test-indicator")
@config_option
@click.option(
    "--pattern",
    type=click.Choice(["all", "off", "on", "warn", "alarm", "blind"]),
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
    from monitor.indicator import ConsoleIndicator, build_indicator

    config, source = load_or_exit(config_path)
    trial = _Trial()
    indicator = build_indicator(
        config.indicator, on_ack=trial.on_ack, on_self_test=trial.on_self_test
    )
    trial.indicator = indicator
    if isinstance(indicator, ConsoleIndicator) and sys.stdout.isatty():
        trial.clear = "\r\x1b[2K"  # erase the status line before printing above it
    click.echo(say("indicator.source", source=source, where=_where(indicator.state())))
    hb = config.indicator
    click.echo(
        say(
            "indicator.heartbeat",
            on=format_duration(hb.heartbeat_on),
            every=format_duration(hb.heartbeat_every),
        )
    )
    patterns = list(Pattern) if pattern == "all" else [Pattern(pattern)]
    try:
        indicator.start_heartbeat()
        for p in patterns:
            trial.show(p, seconds)
    except KeyboardInterrupt:
        click.echo(trial.clear + say("indicator.interrupted"))
        _all_off(indicator)
        click.echo(say("indicator.all_off"))
        sys.exit(130)
    _all_off(indicator)
    click.echo(trial.clear + say("indicator.done"))
