"""The gpiozero indicator on gpiozero's MockFactory: whole pin histories, button, heartbeat.

Pin histories are compared as whole lists (gpiozero's ``assert_states`` zips and
so ignores extra entries). Blinks use timings shortened through the config; where
the number of blinks depends on the scheduler, the test waits for a bounded number
of changes and asserts the shape of the history (starts off, then on, alternating)
and lower bounds of the on/off times, never exact counts.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPin

from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import LookName, OutputState, Pattern
from monitor.errors import IndicatorError
from monitor.indicator import Indicator, Look, Rhythm, build_indicator
from monitor.indicator.gpio import GpioIndicator

LED, BUZZER, BUTTON, STATUS = 17, 27, 22, 5
SLOW, FAST, BEEP = 0.06, 0.02, 0.03
HB_EVERY, HB_ON = 0.08, 0.02


def short_config(**changes) -> IndicatorConfig:
    values = {
        "kind": "gpio",
        "slow_blink": f"{int(SLOW * 1000)}ms",
        "fast_blink": f"{int(FAST * 1000)}ms",
        "beep": f"{int(BEEP * 1000)}ms",
        "heartbeat_every": f"{int(HB_EVERY * 1000)}ms",
        "heartbeat_on": f"{int(HB_ON * 1000)}ms",
        "self_test_hold": "50ms",
    }
    values.update(changes)
    return IndicatorConfig(**values)


class OrderedPin(MockPin):
    """A MockPin that also appends every change to one list shared by the factory,
    so a test can see the order of changes across pins."""

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed:
            self.factory.changes.append((int(self.info.name[4:]), value))
        return changed


@pytest.fixture
def factory():
    f = MockFactory(pin_class=OrderedPin)
    f.changes = []
    yield f
    f.close()


@pytest.fixture
def make(factory):
    """Build GpioIndicators on the mock factory; release every pin afterwards."""
    built: list[GpioIndicator] = []

    def _make(config: IndicatorConfig | None = None, **kwargs) -> GpioIndicator:
        ind = build_indicator(config or short_config(), pin_factory=factory, **kwargs)
        assert isinstance(ind, GpioIndicator)
        built.append(ind)
        return ind

    yield _make
    for ind in built:
        ind.close(keep_led=False)


def states(factory, pin: int) -> list[bool]:
    return [s.state for s in factory.pin(pin).states]


def wait_for(predicate, timeout: float = 3.0) -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` (a bound, not a target)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def wait_changes(factory, pin: int, count: int) -> None:
    wait_for(lambda: len(factory.pin(pin).states) >= count)


def assert_blink_history(history, on_time: float, off_time: float) -> None:
    """Assert a blink's history: off at first, then on, strictly alternating, every
    on and off period at least as long as configured (but the last one, which
    stopping the blink may have cut short)."""
    values = [s.state for s in history]
    assert values[:2] == [False, True]
    assert all(a != b for a, b in itertools.pairwise(values))
    # history[i].timestamp is the time spent in the state of history[i - 1].
    for prev, cur in itertools.pairwise(history[1:-1]):
        wanted = on_time if prev.state else off_time
        assert cur.timestamp >= wanted * 0.9


# ---------------------------------------------------------------------------- patterns


def test_every_output_starts_off_and_off_pattern_keeps_them_off(factory, make):
    ind = make()
    ind.show(Pattern.OFF)
    assert states(factory, LED) == [False]
    assert states(factory, BUZZER) == [False]
    assert states(factory, STATUS) == [False]
    assert ind.state()["devices"]["led"] == {"pin": LED, "state": "off"}
    assert ind.state()["devices"]["led"]["state"] is OutputState.OFF
    assert ind.state()["pattern"] is LookName.OFF


def test_on_pattern_lights_the_led_steadily_and_a_repeat_changes_nothing(factory, make):
    ind = make()
    ind.show(Pattern.ON)
    ind.show(Pattern.ON)
    time.sleep(SLOW)
    assert states(factory, LED) == [False, True]
    assert states(factory, BUZZER) == [False]
    ind.show(Pattern.OFF)
    assert states(factory, LED) == [False, True, False]


def test_warn_pattern_blinks_the_led_slowly_without_the_buzzer(factory, make):
    ind = make()
    ind.show(Pattern.WARN)
    wait_changes(factory, LED, 5)
    assert ind.state()["devices"]["led"]["state"] == "blinking"
    ind.show(Pattern.OFF)
    history = factory.pin(LED).states
    assert_blink_history(history, SLOW, SLOW)
    assert history[-1].state is False
    assert states(factory, BUZZER) == [False]


def test_alarm_pattern_blinks_fast_and_beeps(factory, make):
    ind = make()
    ind.show(Pattern.ALARM)
    wait_changes(factory, LED, 7)
    wait_changes(factory, BUZZER, 5)
    state = ind.state()
    assert state["devices"]["led"]["state"] == "blinking"
    assert state["devices"]["buzzer"] == {"pin": BUZZER, "state": "beeping", "silenced": False}
    ind.show(Pattern.OFF)
    assert_blink_history(factory.pin(LED).states, FAST, FAST)
    assert_blink_history(factory.pin(BUZZER).states, BEEP, BEEP)
    assert states(factory, LED)[-1] is False
    assert states(factory, BUZZER)[-1] is False


def test_a_finite_rhythm_leaves_exactly_its_pin_history(factory, make):
    ind = make()
    ind.play(Look("blink-3", Rhythm.blink(0.005, n=3)))
    wait_for(lambda: ind.state()["devices"]["led"]["state"] == "off")
    assert states(factory, LED) == [False, True, False, True, False, True, False]
    assert ind.state()["pattern"] == "blink-3"


def test_any_look_can_be_played_like_the_box_lost_double_blink_with_a_chirp(factory, make):
    ind = make()
    double_blink = Rhythm((0.005, 0.005, 0.005, 0.02), n=2)
    ind.play(Look("lost", led=double_blink, buzzer=Rhythm.blink(0.005, n=1)))
    wait_for(lambda: ind.state()["devices"]["led"]["state"] != "blinking")
    assert states(factory, LED) == [False, True, False, True, False, True, False, True, False]
    assert states(factory, BUZZER) == [False, True, False]
    assert ind.state()["pattern"] == "lost"


def test_active_low_wiring_inverts_every_output_pin(factory, make):
    ind = make(short_config(active_high=False))
    # Configured as outputs, the pins go high (= off when active-low).
    assert states(factory, LED) == [False, True]
    assert states(factory, STATUS) == [False, True]
    ind.show(Pattern.ON)
    assert states(factory, LED) == [False, True, False]
    assert ind.state()["devices"]["led"]["state"] == "on"


def test_devices_use_the_given_factory_never_the_global_one(make):
    assert isinstance(make(), Indicator)
    assert Device.pin_factory is None


def test_outputs_left_out_of_the_config_are_not_built(factory, make):
    ind = make(short_config(buzzer=None, button=None, status_led=None))
    ind.show(Pattern.ALARM)
    ind.start_heartbeat()
    state = ind.state()
    assert set(state["devices"]) == {"led"}
    assert state["heartbeat"] is False  # no status LED: nothing shows a heartbeat


def test_a_pin_already_in_use_is_a_clear_indicator_error(factory, make):
    make()
    with pytest.raises(IndicatorError, match=r"indicator\.led on GPIO17"):
        build_indicator(short_config(), pin_factory=factory)


# ---------------------------------------------------------------------------- acknowledge


def press(factory) -> None:
    """Press and release the button: wired to GND with the internal pull-up."""
    factory.pin(BUTTON).drive_low()
    factory.pin(BUTTON).drive_high()


def test_button_press_calls_on_ack_with_its_source(factory, make):
    acks: list[tuple[str, str]] = []
    make(on_ack=lambda source: acks.append((source, threading.current_thread().name)))
    press(factory)
    assert [a[0] for a in acks] == ["gpio button"]


def test_acknowledging_silences_the_buzzer_but_the_led_keeps_blinking(factory, make):
    holder = {}

    def on_ack(source: str) -> None:  # what the daemon does once it has recorded the ack
        holder["ind"].show(Pattern.ALARM, silenced=True)

    ind = holder["ind"] = make(on_ack=on_ack)
    ind.show(Pattern.ALARM)
    wait_changes(factory, BUZZER, 3)
    press(factory)
    buzzer_after_ack = states(factory, BUZZER)
    led_after_ack = len(factory.pin(LED).states)
    wait_changes(factory, LED, led_after_ack + 3)

    assert buzzer_after_ack[-1] is False
    assert states(factory, BUZZER) == buzzer_after_ack  # not a single beep since
    assert_blink_history(factory.pin(LED).states, FAST, FAST)  # one blink, never restarted
    state = ind.state()
    assert state["silenced"] is True
    assert state["devices"]["buzzer"] == {"pin": BUZZER, "state": "silenced", "silenced": True}
    assert state["devices"]["led"]["state"] == "blinking"


def test_without_on_ack_the_button_silences_the_alarm_itself(factory, make):
    ind = make()
    ind.show(Pattern.ALARM)
    wait_changes(factory, BUZZER, 2)
    press(factory)
    assert ind.state()["silenced"] is True
    assert states(factory, BUZZER)[-1] is False


def test_a_new_alarm_after_acknowledgement_sounds_again(factory, make):
    ind = make()
    ind.show(Pattern.ALARM)
    wait_changes(factory, BUZZER, 2)
    ind.show(Pattern.ALARM, silenced=True)
    silenced_len = len(factory.pin(BUZZER).states)
    ind.show(Pattern.ALARM, silenced=False)
    wait_changes(factory, BUZZER, silenced_len + 3)
    assert ind.state()["devices"]["buzzer"]["state"] == "beeping"
    after = states(factory, BUZZER)[silenced_len - 1 :]
    assert after[:2] == [False, True]  # silenced, then sounding again from the start
    assert all(a != b for a, b in itertools.pairwise(after))
    assert_blink_history(factory.pin(LED).states, FAST, FAST)


def test_holding_the_button_runs_a_self_test_lighting_each_output_in_turn(factory, make):
    acks, tests = [], []
    ind = make(on_ack=acks.append, on_self_test=tests.append)
    factory.changes.clear()
    factory.pin(BUTTON).drive_low()
    wait_for(lambda: tests == ["gpio button"])
    wait_for(lambda: not ind.state()["self_test"])
    factory.pin(BUTTON).drive_high()
    assert acks == ["gpio button"]  # the press itself still acknowledges
    outputs = [c for c in factory.changes if c[0] != BUTTON]
    assert outputs == [
        (LED, True),
        (LED, False),
        (STATUS, True),
        (STATUS, False),
        (BUZZER, True),
        (BUZZER, False),
    ]


def test_a_short_press_acknowledges_without_a_self_test(factory, make):
    acks, tests = [], []
    make(config=short_config(self_test_hold="200ms"), on_ack=acks.append, on_self_test=tests.append)
    press(factory)
    time.sleep(0.3)  # past the hold time: a cancelled hold timer must not fire
    assert acks == ["gpio button"]
    assert tests == []


def test_an_idle_indicator_with_a_button_runs_no_thread(factory, make):
    before = set(threading.enumerate())
    ind = make(config=short_config(self_test_hold="50ms"))
    ind.show(Pattern.OFF)
    press(factory)  # a press starts a hold timer; the release cancels it
    time.sleep(0.1)
    started = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    # gpiozero's Button polled for holds every 0.1 s in a thread of its own.
    assert started == []


def test_self_test_restores_the_pattern_and_heartbeat_it_interrupted(factory, make):
    ind = make()
    ind.show(Pattern.ON)
    ind.start_heartbeat()
    assert ind.self_test(wait=True) is True
    state = ind.state()
    assert state["devices"]["led"]["state"] == "on"
    assert state["heartbeat"] is True
    led = states(factory, LED)
    assert led == [False, True, False, True, False, True]  # on; test: off, on, off; on again


# ---------------------------------------------------------------------------- heartbeat


def test_heartbeat_flashes_the_status_led_briefly_and_stopping_leaves_it_off(factory, make):
    ind = make()
    ind.start_heartbeat()
    ind.start_heartbeat()  # a repeat does not restart it
    wait_changes(factory, STATUS, 5)
    assert ind.state()["heartbeat"] is True
    ind.stop_heartbeat()
    history = factory.pin(STATUS).states
    assert_blink_history(history, HB_ON, HB_EVERY - HB_ON)
    assert history[-1].state is False
    stopped = states(factory, STATUS)
    time.sleep(HB_EVERY)
    assert states(factory, STATUS) == stopped
    assert ind.state()["heartbeat"] is False
    assert states(factory, LED) == [False]


def test_close_turns_the_status_led_and_buzzer_off_and_keeps_the_main_led(factory, make):
    ind = make()
    ind.show(Pattern.ALARM)
    ind.start_heartbeat()
    wait_changes(factory, STATUS, 2)
    wait_changes(factory, LED, 3)
    ind.close()
    assert states(factory, STATUS)[-1] is False
    assert states(factory, BUZZER)[-1] is False
    state = ind.state()
    assert state["closed"] is True and state["heartbeat"] is False
    assert state["devices"]["led"]["state"] == "blinking"  # the last pattern, still shown
    assert state["devices"]["status_led"]["state"] == "released"
    ind.show(Pattern.OFF)  # ignored once closed
    assert ind.state()["pattern"] == "alarm"
    ind.close(keep_led=False)
    assert ind.state()["devices"]["led"]["state"] == "released"
    # Every pin released: a new indicator can be built on them.
    build_indicator(short_config(), pin_factory=factory).close(keep_led=False)


def test_a_pin_factory_named_in_the_call_is_built_and_closed_with_the_indicator():
    ind = build_indicator(short_config(), pin_factory="mock")
    ind.show(Pattern.ON)
    assert ind.state()["pin_factory"] == "MockFactory"
    assert ind.state()["devices"]["led"]["state"] == "on"
    ind.close(keep_led=False)
    assert ind.state()["devices"]["led"]["state"] == "released"
    assert Device.pin_factory is None
