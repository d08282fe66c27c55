"""The console and null indicators, and how build_indicator chooses (auto → console).

The TTY case runs on a real pseudo-terminal (``os.openpty``); the fallback case
loads pin factories for real, by name and through ``$GPIOZERO_PIN_FACTORY`` in a
subprocess.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import ConsoleOutput, LookName, OutputState, Pattern
from monitor.errors import IndicatorError
from monitor.indicator import ConsoleIndicator, Indicator, NullIndicator, build_indicator

ROOT = Path(__file__).resolve().parents[2]


def config(**changes) -> IndicatorConfig:
    return IndicatorConfig(**{"kind": "console", **changes})


# ---------------------------------------------------------------------------- plain lines


def test_console_without_a_terminal_writes_one_plain_line_per_change():
    out = io.StringIO()
    ind = ConsoleIndicator(config(), stream=out)
    ind.show(Pattern.ON)
    ind.show(Pattern.ON)  # no change, no line
    ind.start_heartbeat()
    ind.show(Pattern.WARN)
    ind.show(Pattern.ALARM)
    ind.show(Pattern.ALARM, silenced=True)
    ind.show(Pattern.OFF)
    ind.stop_heartbeat()
    ind.close()
    assert out.getvalue().splitlines() == [
        "indicator: ● 接続中 ONLINE",
        "indicator: 監視中 monitoring: heartbeat started",
        "indicator: ! 接続中・要確認 WARN",
        "indicator: !! 診療時間中の接続 ALARM",
        "indicator: !! 診療時間中の接続 (ブザー停止) ALARM (silenced)",
        "indicator: ○ 未接続 OFFLINE",
        "indicator: heartbeat stopped",
    ]
    assert "\x1b" not in out.getvalue()


def test_console_state_reports_pattern_silenced_and_heartbeat():
    ind = ConsoleIndicator(config(), stream=io.StringIO())
    ind.show(Pattern.ALARM, silenced=True)
    ind.start_heartbeat()
    state = ind.state()
    assert state["kind"] == "console"
    assert state["pattern"] == "alarm"
    assert state["silenced"] is True
    assert state["heartbeat"] is True
    assert state["led"] == "blinking" and state["buzzer"] == "silenced"
    assert state["output"] == "lines"
    ind.close()


def test_console_and_null_state_values_are_enums_with_the_printed_strings():
    ind = ConsoleIndicator(config(), stream=io.StringIO())
    ind.show(Pattern.ALARM)
    state = ind.state()
    assert state["pattern"] is LookName.ALARM and state["led"] is OutputState.BLINKING
    assert state["buzzer"] is OutputState.BEEPING and state["output"] is ConsoleOutput.LINES
    null = NullIndicator()
    null.show(Pattern.WARN)
    assert null.state()["pattern"] is Pattern.WARN
    assert json.loads(json.dumps(state | null.state()))["pattern"] == "warn"


# ---------------------------------------------------------------------------- terminal


def read_available(fd: int, quiet: float = 0.15) -> str:
    """Read from the pty master until nothing arrives for ``quiet`` seconds."""
    chunks = []
    while select.select([fd], [], [], quiet)[0]:
        chunks.append(os.read(fd, 65536))
    return b"".join(chunks).decode()


@pytest.fixture
def pty_stream(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    master, slave = os.openpty()
    stream = os.fdopen(slave, "w", encoding="utf-8")
    yield master, stream
    stream.close()
    os.close(master)


def test_console_on_a_terminal_keeps_one_coloured_status_line(pty_stream):
    master, stream = pty_stream
    ind = ConsoleIndicator(config(), stream=stream)
    assert ind.state()["output"] == "status line"
    ind.show(Pattern.ON)
    first = read_available(master)
    ind.show(Pattern.OFF)
    second = read_available(master)
    ind.close()
    last = read_available(master)

    # rewritten in place, green; the cursor hidden while the status line shows
    assert first == "\x1b[?25l\r\x1b[2K  \x1b[32m● 接続中 ONLINE\x1b[0m"
    assert second == "\r\x1b[2K  \x1b[2m○ 未接続 OFFLINE\x1b[0m"
    assert "\n" not in first + second
    # the terminal keeps the final line; colours reset, the cursor shown again
    assert last.endswith("OFFLINE\x1b[0m\r\n\x1b[?25h")


def test_console_on_a_terminal_blinks_the_symbol_and_flashes_the_heart(pty_stream):
    master, stream = pty_stream
    ind = ConsoleIndicator(
        config(slow_blink="30ms", heartbeat_every="60ms", heartbeat_on="20ms"), stream=stream
    )
    ind.start_heartbeat()
    ind.show(Pattern.WARN)

    def frames_of(text: str) -> list[str]:
        return text.replace("\r\n", "").split("\r\x1b[2K")[1:]

    def blinked_and_flashed(frames: list[str]) -> bool:
        warn = [f for f in frames if "WARN" in f]
        return (
            any("! 接続中・要確認" in f for f in warn)  # symbol shown ...
            and any("  接続中・要確認" in f and "!" not in f for f in warn)  # ... and blanked
            and any(f.startswith("♥") for f in frames)
            and any(f.startswith("·") for f in frames)
        )

    # Read until both the blink and the heart were seen (a bound, not a target: a
    # loaded machine may draw fewer frames per second).
    data = b""
    deadline = time.monotonic() + 5
    while (
        not blinked_and_flashed(frames_of(data.decode(errors="ignore")))
        and time.monotonic() < deadline
    ):
        if select.select([master], [], [], 0.05)[0]:
            data += os.read(master, 65536)
    ind.close()
    while select.select([master], [], [], 0.15)[0]:  # the rest, up to the final line
        data += os.read(master, 65536)
    frames = frames_of(data.decode())
    warn = [f for f in frames if "WARN" in f]
    assert any("! 接続中・要確認" in f for f in warn)  # symbol shown ...
    assert any("  接続中・要確認" in f and "!" not in f for f in warn)  # ... and blanked
    assert any(f.startswith("♥") for f in frames) and any(f.startswith("·") for f in frames)
    assert all(a != b for a, b in itertools.pairwise(frames[:-1]))  # redrawn only on a change


def test_no_color_keeps_the_terminal_status_line_plain(pty_stream, monkeypatch):
    master, stream = pty_stream
    monkeypatch.setenv("NO_COLOR", "1")
    ind = ConsoleIndicator(config(), stream=stream)
    ind.show(Pattern.ALARM)
    ind.close()
    text = read_available(master)
    assert "!! 診療時間中の接続 ALARM" in text
    assert "\x1b[3" not in text  # no colour codes, only line control


# ---------------------------------------------------------------------------- choosing


def test_none_indicator_shows_nothing_but_reports_its_state():
    ind = build_indicator(config(kind="none"))
    assert isinstance(ind, NullIndicator) and isinstance(ind, Indicator)
    ind.show(Pattern.ALARM, silenced=True)
    ind.start_heartbeat()
    assert ind.state() == {
        "kind": "none",
        "pattern": "alarm",
        "silenced": True,
        "heartbeat": True,
        "closed": False,
    }
    ind.stop_heartbeat()
    ind.close()
    assert ind.state()["heartbeat"] is False


def test_auto_falls_back_to_the_console_and_logs_why_once(caplog):
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="monitor.indicator"):
        ind = build_indicator(config(kind="auto"), pin_factory="no-such-factory", stream=out)
    assert isinstance(ind, ConsoleIndicator) and isinstance(ind, Indicator)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "using the console" in warnings[0] and "no-such-factory" in warnings[0]
    ind.show(Pattern.ON)
    ind.close()
    assert out.getvalue() == "indicator: ● 接続中 ONLINE\n"


def test_gpio_without_a_pin_factory_is_a_clear_startup_error():
    with pytest.raises(IndicatorError) as err:
        build_indicator(config(kind="gpio"), pin_factory="no-such-factory")
    message = str(err.value)
    assert message.startswith('indicator kind "gpio": no GPIO pin factory could be loaded')
    assert "no-such-factory: no such pin factory" in message


def test_box_kind_builds_the_box_indicator_even_when_its_port_is_missing(tmp_path):
    faults = []
    ind = build_indicator(
        config(kind="box", port=str(tmp_path / "ttyACM9")), on_fault=faults.append
    )
    try:
        assert ind.state()["kind"] == "box" and ind.state()["connected"] is False
    finally:
        ind.close()


BUILD = """
from monitor.config import Indicator
from monitor.indicator import build_indicator
ind = build_indicator(Indicator(kind={kind!r}))
print("KIND", ind.state()["kind"])
"""


def run_build(kind: str, factory_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GPIOZERO_PIN_FACTORY": factory_env}
    return subprocess.run(
        [sys.executable, "-c", BUILD.format(kind=kind)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_auto_with_an_unloadable_gpiozero_pin_factory_env_uses_the_console():
    # lgpio is the Pi's factory; not installed here, exactly like a receipt PC.
    done = run_build("auto", "lgpio")
    assert done.returncode == 0, done.stderr
    assert "KIND console" in done.stdout
    assert "using the console instead" in done.stderr
    assert "lgpio" in done.stderr


def test_auto_with_the_mock_pin_factory_env_uses_gpio():
    done = run_build("auto", "mock")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "KIND gpio"
