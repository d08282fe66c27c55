"""The box end (BoxRunner on the gpiozero indicator, MockFactory pins) over real ptys,
and both ends joined by a pty "cable"."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time

import pytest
from gpiozero.pins.mock import MockFactory

from monitor.box import start_box
from monitor.boxlink import MAX_LINE, Heartbeat, PatternMsg, encode
from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import Pattern
from monitor.indicator import Indicator, build_box_display, build_indicator, lost_look
from monitor.indicator.box import BoxIndicator
from tests.support.ptyport import PtyCable, PtyPort

LED, BUZZER, BUTTON, STATUS = 17, 27, 22, 5
BLINK = 0.08  # fast_blink: the lost double blink is 80 on, 80 off, 80 on, 320 off
LINK = {"backoff_first": 0.05, "backoff_max": 0.2}


def box_config(**changes) -> IndicatorConfig:
    values = {
        "kind": "auto",
        "slow_blink": "100ms",
        "fast_blink": f"{int(BLINK * 1000)}ms",
        "beep": "50ms",
        "heartbeat_every": "200ms",
        "heartbeat_on": "50ms",
        "self_test_hold": "5s",
    }
    values.update(changes)
    return IndicatorConfig(**values)


def wait_for(predicate, timeout: float = 3.0, what: str = "condition") -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` (a bound, not a target)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.01)


def states(factory, pin: int) -> list[tuple[float, bool]]:
    return [(s.timestamp, s.state) for s in factory.pin(pin).states]


class Box:
    """A box (runner + gpio indicator on a MockFactory) on a pty; closed at the end."""

    def __init__(self, port: PtyPort, **kwargs):
        self.factory = MockFactory()
        kwargs.setdefault("lost_after", 0.5)
        chirp_every = kwargs.pop("chirp_every", 0.6)

        def display(on_ack):
            return build_box_display(
                box_config(), pin_factory=self.factory, on_ack=on_ack, chirp_every=chirp_every
            )

        self.runner, shown = start_box(str(port.path), display, **LINK, **kwargs)
        self.indicator = shown.indicator

    def shows(self, pattern: str) -> bool:
        return not self.runner.is_lost and self.indicator.state()["pattern"] == pattern

    def device(self, name: str) -> str:
        return self.indicator.state()["devices"][name]["state"]

    def press(self) -> None:
        self.factory.pin(BUTTON).drive_low()
        time.sleep(0.08)  # longer than the indicator's debounce
        self.factory.pin(BUTTON).drive_high()

    def close(self) -> None:
        self.runner.close()
        self.indicator.close(keep_led=False)
        self.factory.close()


@pytest.fixture
def ports(tmp_path):
    made: list[PtyPort] = []

    def make(name: str = "ttyGS0") -> PtyPort:
        made.append(PtyPort(tmp_path, name))
        return made[-1]

    yield make
    for p in made:
        p.unplug()


@pytest.fixture
def boxes():
    made: list[Box] = []

    def make(port: PtyPort, **kwargs) -> Box:
        made.append(Box(port, **kwargs))
        return made[-1]

    yield make
    for b in made:
        b.close()


def send(port: PtyPort, seq: int, pattern: str, silenced: bool = False) -> None:
    port.write(encode(PatternMsg(seq, Pattern(pattern), silenced)))


def test_the_box_says_hello_and_shows_each_pattern_on_its_pins(ports, boxes):
    port = ports()
    box = boxes(port, lost_after=30)
    hello = json.loads(port.wait_line(lambda line: b'"hello"' in line))
    assert hello["v"] == 1 and hello["seq"] == 0 and hello["version"]
    assert box.runner.is_lost  # nothing heard yet: never "offline, all fine"

    send(port, 0, "on")
    wait_for(lambda: box.shows("on"), what="on")
    assert box.factory.pin(LED).state is True and box.device("buzzer") == "off"
    wait_for(lambda: box.indicator.state()["heartbeat"], what="status LED heartbeat")

    send(port, 1, "alarm")
    wait_for(lambda: box.shows("alarm") and box.device("buzzer") == "beeping", what="alarm")
    assert box.device("led") == "blinking"

    send(port, 2, "alarm", silenced=True)
    wait_for(lambda: box.device("buzzer") == "silenced", what="silenced")
    assert box.device("led") == "blinking" and box.factory.pin(BUZZER).state is False

    send(port, 3, "off")
    wait_for(lambda: box.shows("off"), what="off")
    assert box.factory.pin(LED).state is False
    assert box.runner.state()["received"]["accepted"] == 4


def test_silence_from_the_pc_turns_into_lost_then_the_right_pattern_comes_back(ports, boxes):
    port = ports()
    box = boxes(port, lost_after=0.5, chirp_every=0.6)
    port.wait_line(lambda line: b'"hello"' in line)  # the box has its port open
    send(port, 0, "warn")
    wait_for(lambda: box.shows("warn"), what="warn")
    # Heartbeats alone keep the pattern for longer than lost_after.
    for seq in range(1, 6):
        time.sleep(0.2)
        port.write(encode(Heartbeat(seq)))
    assert box.shows("warn")

    # The runner sets is_lost just before it tells the indicator, so wait for both.
    wait_for(lambda: box.runner.is_lost, timeout=2.0, what="lost")
    wait_for(lambda: box.indicator.state()["pattern"] == "lost", what="the lost pattern")
    for pin in (LED, BUZZER):
        box.factory.pin(pin).clear_states()
    time.sleep(1.3)  # two double blinks and at least one chirp
    status = box.indicator.state()
    assert status["heartbeat"] is False and box.factory.pin(STATUS).state is False
    # MockPin history: (seconds spent in the previous state, new state). The main LED
    # goes on-off-on, then stays off four times as long; the first and last entries
    # may be cut by clear_states() and the end of the sleep, so look inside them.
    led = box.factory.pin(LED).states[1:]
    assert all(a.state != b.state for a, b in itertools.pairwise(led))
    ons = [st.timestamp for st in led[1:] if st.state is False]  # time spent on
    offs = [st.timestamp for st in led[1:] if st.state is True]  # time spent off
    assert len(ons) >= 3 and len(offs) >= 3
    assert min(ons) >= BLINK * 0.9 and max(ons) < 2.5 * BLINK
    assert min(offs) < 2.5 * BLINK and max(offs) >= 3.6 * BLINK
    chirps = [st for st in box.factory.pin(BUZZER).states if st.state is True]
    assert 1 <= len(chirps) <= 3

    send(port, 9, "alarm", silenced=True)
    wait_for(lambda: box.shows("alarm"), what="alarm again")
    assert box.device("buzzer") == "silenced" and box.device("led") == "blinking"
    wait_for(lambda: box.indicator.state()["heartbeat"], what="heartbeat again")


def test_a_box_whose_link_cannot_start_closes_its_display(tmp_path):
    factory = MockFactory()
    made = []

    def display(on_ack):
        made.append(build_box_display(box_config(), pin_factory=factory, on_ack=on_ack))
        return made[0]

    try:
        with pytest.raises(TypeError):
            start_box(str(tmp_path / "ttyGS0"), display, no_such_option=1)
        assert made[0].state()["closed"] is True
    finally:
        made[0].indicator.close(keep_led=False)
        factory.close()


def test_the_lost_look_differs_from_every_engine_pattern():
    config = box_config()
    look = lost_look(config, chirp_every=60)
    assert look.name == "lost" and look.led.steps == (BLINK, BLINK, BLINK, 4 * BLINK)
    assert look.buzzer.steps == (0.05, 59.95)
    from monitor.indicator.looks import look_for

    assert all(look.led != look_for(p, False, config).led for p in Pattern)


def test_ten_thousand_noise_lines_through_the_pty_lose_no_valid_message(ports, boxes):
    port = ports()
    box = boxes(port, lost_after=60)
    port.wait_line(lambda line: b'"hello"' in line)
    rnd = random.Random(11)
    stream = bytearray()
    noise = valid = 0
    last = None
    for i in range(10_000):
        kind = rnd.randrange(3)
        if kind == 0:
            stream += (
                b"~"
                + bytes(rnd.randrange(256) for _ in range(rnd.randrange(60))).replace(b"\n", b"")
                + b"\n"
            )
        elif kind == 1:
            stream += b"#" * rnd.randrange(MAX_LINE, 3 * MAX_LINE) + b"\n"
        else:
            stream += b'{"v":1,"seq":"x","t":"pattern"}\n'
        noise += 1
        if i % 10 == 0:
            last = (rnd.choice(list(Pattern)), rnd.random() < 0.5)
            stream += encode(PatternMsg(valid, *last))
            valid += 1
    writer = threading.Thread(target=port.write, args=(bytes(stream),))
    writer.start()
    writer.join(60)
    # The stream ends with noise after the last valid message: wait for both counts.
    wait_for(
        lambda: (
            box.runner.state()["received"]["accepted"] == valid
            and sum(box.runner.state()["received"]["rejected"].values()) >= noise
        ),
        timeout=20,
        what=f"{valid} valid messages and {noise} noise lines",
    )
    received = box.runner.state()["received"]
    assert received["accepted"] == valid
    assert sum(received["rejected"].values()) == noise
    assert received["seq_gaps"] == 0
    assert box.runner.pattern is last[0] and box.runner.silenced is last[1]
    wait_for(lambda: box.shows(str(last[0])), what="the last pattern")


def test_the_box_reopens_its_own_port_and_says_hello_again(ports, boxes):
    port = ports()
    box = boxes(port, lost_after=30)
    port.wait_line(lambda line: b'"hello"' in line)
    port.unplug()
    wait_for(lambda: not box.runner.connected, what="box port closed")
    port.plug()
    hello = json.loads(port.wait_line(lambda line: b'"hello"' in line))
    assert hello["seq"] >= 1 and box.runner.state()["reconnects"] == 1


# --------------------------------------------------------------------------- both ends


class Pc:
    """The PC end as the daemon would hold it: acknowledgements silence the alarm."""

    def __init__(self, port: PtyPort):
        self.acks: list[str] = []
        self.faults: list[str] = []
        self.restores: list[str] = []
        config = IndicatorConfig(kind="box", port=str(port.path))
        self.indicator = build_indicator(
            config, on_ack=self.on_ack, on_fault=self.faults.append, on_restore=self.restores.append
        )
        assert isinstance(self.indicator, BoxIndicator) and isinstance(self.indicator, Indicator)

    def on_ack(self, source: str) -> None:
        # Stands in for the daemon's engine: Acknowledged(source) -> alarm silenced.
        self.acks.append(source)
        self.indicator.show(Pattern.ALARM, silenced=True)


def test_the_box_button_silences_the_alarm_on_the_pc_and_back_on_the_box(ports, boxes):
    pc_port, box_port = ports("ttyACM0"), ports("ttyGS0")
    cable = PtyCable(pc_port, box_port)
    pc = Pc(pc_port)
    try:
        box = boxes(box_port, lost_after=3)
        pc.indicator.show(Pattern.ALARM)
        wait_for(
            lambda: box.shows("alarm") and box.device("buzzer") == "beeping",
            what="alarm on the box",
        )
        wait_for(lambda: pc.indicator.state()["box_version"] is not None, what="hello on the PC")
        box.press()
        wait_for(lambda: pc.acks == ["box button"], what="ack on the PC")
        wait_for(lambda: box.device("buzzer") == "silenced", what="buzzer silenced on the box")
        assert box.device("led") == "blinking"
        assert pc.indicator.state()["acks"] == 1 and box.runner.state()["acks_sent"] == 1
    finally:
        pc.indicator.close()
        cable.close()


def test_the_pc_port_vanishing_makes_the_box_lost_and_both_recover(ports, boxes):
    pc_port, box_port = ports("ttyACM0"), ports("ttyGS0")
    cable = PtyCable(pc_port, box_port)
    pc = Pc(pc_port)
    try:
        box = boxes(box_port, lost_after=0.5)
        pc.indicator.show(Pattern.WARN)
        wait_for(lambda: box.shows("warn"), what="warn on the box")
        pc_port.unplug()  # the USB cable is pulled: /dev/ttyACM0 vanishes
        wait_for(lambda: len(pc.faults) == 1, what="one fault")
        wait_for(lambda: box.runner.is_lost, what="lost on the box")
        pc.indicator.show(Pattern.ALARM)  # the monitor goes on while the box is away
        pc_port.plug()
        wait_for(lambda: box.shows("alarm"), timeout=5, what="alarm on the box")
        assert len(pc.faults) == 1 and len(pc.restores) == 1
        assert pc.indicator.state()["connected"] is True
    finally:
        pc.indicator.close()
        cable.close()
