"""Fault injection in the daemon's own process: its GPIO indicator's main LED pin
fails (OSError EIO, as from a GPIO chip that stopped answering) while the cable is
plugged and unplugged in a network namespace.

Why in-process: ``link-monitor run`` builds its own pin factory from
``$GPIOZERO_PIN_FACTORY``, which a test cannot make fail. Here the real ``Daemon``
runs in a thread with its own event loop, real register, real control socket and a
real netlink watcher on the namespace (``netns=``); its indicator is a real
``GpioIndicator`` on gpiozero's ``MockFactory`` whose pins can be broken and
repaired. The only change to the daemon is that indicator, through its one seam
(``Parts.indicator``).

The box indicator's fault (reported through ``on_fault``, never raised) is covered
end to end in tests/e2e/test_faults_e2e.py; this covers a ``show`` that raises.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory, MockPin

from monitor.config import parse_config_text
from monitor.daemon import IndicatorHooks
from monitor.indicator.gpio import GpioIndicator
from monitor.register import Register
from tests.support.daemon import LATER, NOW, daemon_config, hours, until
from tests.support.daemon_parts import DaemonThread, on_real_parts
from tests.support.netns import cable_fixture, require_root

pytestmark = [require_root, pytest.mark.netns]

LED = 17


class BreakablePin(MockPin):
    """A MockPin that fails like a real pin whose GPIO chip stopped answering while
    its number is in the factory's ``broken`` set."""

    def _change_state(self, value):
        if int(self.info.name[4:]) in self.factory.broken:
            raise OSError(errno.EIO, f"GPIO{self.info.name[4:]} does not answer")
        return super()._change_state(value)


def daemon_on_test_pins(config, *, netns: str, pins: MockFactory) -> DaemonThread:
    """The real daemon and its real parts, but for the indicator: a ``GpioIndicator``
    on the test's pins, wired as ``build_indicator`` wires the real one."""

    def indicator(config, hooks: IndicatorHooks) -> GpioIndicator:
        return GpioIndicator(
            config.indicator, pins, on_fault=hooks.on_fault, on_restore=hooks.on_restore
        )

    return on_real_parts(config, netns, indicator=indicator)


def config_text(tmp: Path, *, clinic_now: bool = False) -> str:
    maintenance, clinic = hours(*NOW), hours(*LATER)
    if clinic_now:
        maintenance, clinic = clinic, maintenance
    # A maintenance window now: plugged in means a steady lamp ("on"), which show()
    # drives at once. Clinic hours now: "alarm", a blink played in a thread of its own.
    return daemon_config(
        tmp, clinic=clinic, maintenance=maintenance, indicator=f'kind = "none"\nled = {LED}'
    )


ns = cable_fixture("lmi")


@pytest.fixture
def pins():
    factory = MockFactory(pin_class=BreakablePin)
    factory.broken = set()
    try:
        yield factory
    finally:
        factory.broken.clear()
        factory.close()


@pytest.fixture
def running(tmp_path, ns, pins):
    config = parse_config_text(config_text(tmp_path), "test")
    r = daemon_on_test_pins(config, netns=ns.name, pins=pins)
    try:
        yield r
    finally:
        pins.broken.clear()
        r.stop()


def indicator_alerts(store: Path) -> list:
    """Return the bodies of the ``monitor`` alerts about the lamp in the outbox."""
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [
            r.body
            for r in reg.outbox(include_delivered=True)
            if str(r.kind) == "monitor" and "lamp / buzzer" in r.body
        ]


def test_a_led_pin_that_fails_is_alerted_retried_and_recovered_while_monitoring_goes_on(
    tmp_path, ns, pins, running, caplog
):
    caplog.set_level(logging.INFO)
    store = tmp_path / "state" / "register.db"
    led = pins.pin(LED)
    running.start()
    assert [s.state for s in led.states] == [False]

    pins.broken.add(LED)
    ns.plug("peer0")
    until(lambda: running.status()["pattern"] == "on", 1.0, "status follows the cable")
    fault = until(
        lambda: (f := running.fault("indicator"))["failing"] and f,
        2,
        "status shows the indicator fault",
    )
    assert "does not answer" in fault["last_error"]
    [body] = until(lambda: indicator_alerts(store), 2, "an indicator-fault alert")
    assert "GPIO17 does not answer" in body
    until(lambda: running.fault("indicator")["errors"] >= 3, 8, "two retries (after 1 s, 2 s)")
    failed = [r for r in caplog.records if r.getMessage().startswith("indicator failed to show")]
    assert 3 <= len(failed) <= 4  # backed off, not a loop
    assert [bool(r.exc_info) for r in failed][:3] == [True, False, False]  # one traceback
    assert len(indicator_alerts(store)) == 1  # one alert per episode
    assert [s.state for s in led.states] == [False]  # the lamp never lit

    pins.broken.discard(LED)  # the chip answers again: the next retry shows the pattern
    until(lambda: not running.fault("indicator")["failing"], 6, "the fault clears (retry <= 4 s)")
    assert [s.state for s in led.states] == [False, True]
    assert any(r.getMessage() == "indicator works again" for r in caplog.records)
    ns.unplug("peer0")
    until(lambda: running.status()["pattern"] == "off", 1.0, "status follows the cable")
    until(lambda: [s.state for s in led.states] == [False, True, False], 1.0, "the lamp goes off")
    assert running.status()["indicator"]["devices"]["led"]["state"] == "off"
    assert not running.fault("indicator")["failing"]


def test_stopping_with_a_failing_indicator_logs_it_and_still_exits_cleanly(
    tmp_path, ns, pins, running, caplog
):
    caplog.set_level(logging.INFO)
    store = tmp_path / "state" / "register.db"
    running.start()
    pins.broken.add(LED)
    ns.plug("peer0")
    until(lambda: running.fault("indicator")["failing"], 2, "the indicator fault")
    # Stopping the heartbeat re-applies the lamp's drive to the broken pin: it fails
    # (guarded by Daemon._safe), and so does closing the indicator; both are logged.
    assert running.stop() == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("indicator: stop heartbeat failed: OSError") for m in messages)
    assert "stopped" in messages
    assert len(indicator_alerts(store)) == 1  # the same episode: no second alert


def test_a_blink_whose_pin_fails_in_its_thread_is_alerted_restarted_and_recovered(
    tmp_path, ns, pins, caplog
):
    caplog.set_level(logging.INFO)
    store = tmp_path / "state" / "register.db"
    config = parse_config_text(config_text(tmp_path, clinic_now=True), "test")
    r = daemon_on_test_pins(config, netns=ns.name, pins=pins)
    try:
        r.start()

        def led_state() -> str:
            return r.status()["indicator"]["devices"]["led"]["state"]

        ns.plug("peer0")
        until(lambda: r.status()["pattern"] == "alarm", 1.0, "status follows the cable")
        until(lambda: led_state() == "blinking", 1.0, "the lamp blinks")
        pins.broken.add(LED)  # fails at the blink's next step, inside its thread
        fault = until(
            lambda: (f := r.fault("indicator"))["failing"] and f,
            2,
            "status shows the fault of the blink's thread",
        )
        assert "GPIO17 does not answer" in fault["last_error"]
        assert led_state() != "blinking"  # status tells what the lamp really does
        [body] = until(lambda: indicator_alerts(store), 2, "an indicator-fault alert")
        assert "GPIO17 does not answer" in body
        until(
            lambda: r.fault("indicator")["errors"] >= 3,
            8,
            "the blink restarted after 1 s and 2 s, failing again each time",
        )
        assert len(indicator_alerts(store)) == 1  # one alert per episode

        pins.broken.discard(LED)  # the chip answers again: the next restart blinks
        until(lambda: not r.fault("indicator")["failing"], 6, "the fault clears (retry <= 4 s)")
        assert led_state() == "blinking"
        assert r.status()["pattern"] == "alarm"
        assert any(
            m.getMessage() == "indicator: indicator.led on GPIO17 works again"
            for m in caplog.records
        )
    finally:
        pins.broken.clear()
        r.stop()
