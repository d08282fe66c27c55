"""The PC end of the indicator box link (BoxIndicator) over a real pseudo-terminal."""

from __future__ import annotations

import json
import threading
import time

import pytest

from monitor import boxlink
from monitor.boxlink import Ack, Hello, encode
from monitor.domain.enums import BoxConnection, Pattern
from monitor.indicator.box import BoxIndicator
from tests.support.ptyport import PtyPort

FAST = {"backoff_first": 0.05, "backoff_max": 0.2}


class Calls:
    """Record callback calls (from the link thread) and wait for them."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []
        self._cond = threading.Condition()

    def __call__(self, name):
        def record(arg):
            with self._cond:
                self.items.append((name, arg))
                self._cond.notify_all()

        return record

    def wait(self, name: str, count: int = 1, timeout: float = 3.0) -> list[str]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.of(name)) >= count, timeout)
            return self.of(name)

    def of(self, name: str) -> list[str]:
        return [arg for n, arg in self.items if n == name]


def is_pattern(pattern: str, silenced: bool | None = None):
    def match(line: bytes) -> bool:
        msg = json.loads(line)
        return (
            msg.get("t") == "pattern"
            and msg["pattern"] == pattern
            and (silenced is None or msg["silenced"] is silenced)
        )

    return match


@pytest.fixture
def port(tmp_path):
    p = PtyPort(tmp_path)
    yield p
    p.unplug()


def test_the_pattern_goes_out_at_once_on_open_and_on_every_change(port):
    # Repeats every 30 s: anything arriving sooner was sent because of the change.
    ind = BoxIndicator(str(port.path), repeat_every=30, **FAST)
    try:
        first = json.loads(port.wait_line(is_pattern("off")))
        assert first == {"v": 1, "seq": 0, "t": "pattern", "pattern": "off", "silenced": False}
        ind.show(Pattern.ALARM)
        second = json.loads(port.wait_line(is_pattern("alarm", False), timeout=5.0))
        ind.show(Pattern.ALARM, silenced=True)
        third = json.loads(port.wait_line(is_pattern("alarm", True), timeout=5.0))
        assert (second["seq"], third["seq"]) == (1, 2)
        ind.show(Pattern.ALARM, silenced=True)  # no change: nothing sent
        assert port.read_lines(0.2) == []
        state = ind.state()
        assert state["connected"] is True and state["pattern"] == "alarm"
        assert state["silenced"] is True and state["port"] == str(port.path)
        assert state["sent"] == 3
    finally:
        ind.close()


def test_the_pattern_repeats_as_a_heartbeat_with_rising_sequence_numbers(port):
    ind = BoxIndicator(str(port.path), repeat_every=0.1, **FAST)
    try:
        ind.show(Pattern.WARN)
        port.wait_line(is_pattern("warn"))
        msgs = [json.loads(line) for line in port.read_lines(0.6)]
        assert len(msgs) >= 2 and all(m["pattern"] == "warn" for m in msgs)
        seqs = [m["seq"] for m in msgs]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    finally:
        ind.close()


def test_the_default_repeat_and_lost_timings_keep_the_box_fed():
    assert boxlink.LOST_AFTER == 5.0
    assert boxlink.REPEAT_EVERY <= 2.0 and boxlink.REPEAT_EVERY * 2 < boxlink.LOST_AFTER


def test_stop_heartbeat_stops_the_repeats_but_a_change_still_goes_out(port):
    ind = BoxIndicator(str(port.path), repeat_every=0.1, **FAST)
    try:
        port.wait_line(is_pattern("off"))
        ind.stop_heartbeat()
        port.read_lines(0.15)  # a repeat already queued may still arrive
        assert port.read_lines(0.4) == []
        ind.show(Pattern.WARN)
        port.wait_line(is_pattern("warn"), timeout=5.0)
        assert ind.state()["heartbeat"] is False
    finally:
        ind.close()


def test_box_hello_is_recorded_and_answered_with_the_current_pattern(port):
    ind = BoxIndicator(str(port.path), repeat_every=30, **FAST)
    try:
        ind.show(Pattern.WARN)
        port.wait_line(is_pattern("warn"))
        port.write(encode(Hello(0, "0.1.0-box")))
        port.wait_line(is_pattern("warn"), timeout=5.0)  # long before the 30 s repeat
        state = ind.state()
        assert state["box_version"] == "0.1.0-box" and state["hellos"] == 1
    finally:
        ind.close()


def test_box_ack_reaches_on_ack_as_box_button_despite_noise_around_it(port):
    calls = Calls()
    ind = BoxIndicator(str(port.path), on_ack=calls("ack"), repeat_every=30, **FAST)
    try:
        port.wait_line(is_pattern("off"))
        port.write(b"\x00\xff garbage\n" + b"z" * 2000 + b'\n{"v":9}\n' + encode(Ack(1)))
        assert calls.wait("ack") == ["box button"]
        received = ind.state()["received"]
        assert received["accepted"] == 1
        assert received["rejected"] == {"bad-version": 1, "not-utf8": 1, "oversized": 1}
    finally:
        ind.close()


def test_a_vanished_port_is_reported_once_and_the_pattern_restored_when_it_returns(port):
    calls = Calls()
    ind = BoxIndicator(
        str(port.path),
        on_fault=calls("fault"),
        on_restore=calls("restore"),
        repeat_every=0.2,
        **FAST,
    )
    try:
        ind.show(Pattern.ALARM, silenced=True)
        port.wait_line(is_pattern("alarm", True))
        port.unplug()
        faults = calls.wait("fault")
        assert len(faults) == 1 and "indicator box disconnected" in faults[0]
        assert str(port.path) in faults[0]
        time.sleep(0.6)  # several reopen attempts fail meanwhile: still one fault
        assert len(calls.of("fault")) == 1
        assert ind.state()["connected"] is False and ind.state()["state"] == "disconnected"
        ind.show(Pattern.ALARM, silenced=False)  # changes while the box is away are kept
        port.plug()
        assert calls.wait("restore") and "reconnected" in calls.of("restore")[0]
        port.wait_line(is_pattern("alarm", False), timeout=5.0)
        state = ind.state()
        assert state["connected"] is True and state["reconnects"] == 1
        assert state["state"] is BoxConnection.CONNECTED and state["pattern"] is Pattern.ALARM
        assert calls.of("fault") == faults
    finally:
        ind.close()


def test_a_port_missing_at_start_is_a_fault_not_an_error(tmp_path):
    calls = Calls()
    ind = BoxIndicator(str(tmp_path / "no-such-tty"), on_fault=calls("fault"), **FAST)
    try:
        ind.show(Pattern.ON)  # never raises, never blocks
        assert len(calls.wait("fault")) == 1
        state = ind.state()
        assert state["connected"] is False and "cannot open" in state["last_error"]
    finally:
        ind.close()


def test_a_callback_that_raises_does_not_stop_the_link(port):
    def broken(source):
        raise RuntimeError("boom")

    ind = BoxIndicator(str(port.path), on_ack=broken, repeat_every=30, **FAST)
    try:
        port.wait_line(is_pattern("off"))
        port.write(encode(Ack(0)))
        time.sleep(0.1)
        ind.show(Pattern.ON)
        port.wait_line(is_pattern("on"))
        assert ind.state()["acks"] == 1
    finally:
        ind.close()


def test_a_change_made_just_before_close_still_reaches_the_box(port):
    ind = BoxIndicator(str(port.path), repeat_every=30, **FAST)
    port.wait_line(is_pattern("off"))
    ind.show(Pattern.ALARM)
    ind.show(Pattern.OFF)
    ind.close()
    lines = port.read_lines(0.3)
    assert lines and json.loads(lines[-1])["pattern"] == "off"
