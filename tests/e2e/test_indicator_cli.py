"""`link-monitor test-indicator` as an installer runs it: a subprocess, on mock pins
(GPIOZERO_PIN_FACTORY=mock) and on the console."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHORT = """
[indicator]
kind = "{kind}"
slow_blink = "50ms"
fast_blink = "20ms"
beep = "20ms"
heartbeat_every = "100ms"
heartbeat_on = "20ms"
[alerts]
language = "en"
"""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cli(tmp_path, kind: str, *args: str, factory: str | None = "mock", **popen):
    cfg = tmp_path / "config.toml"
    cfg.write_text(SHORT.format(kind=kind))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GPIOZERO_PIN_FACTORY", None)
    if factory:
        env["GPIOZERO_PIN_FACTORY"] = factory
    cmd = [sys.executable, "-m", "monitor", "test-indicator", "--config", str(cfg), *args]
    if popen:
        # Ctrl-C as in a terminal: a test run started in the background (`cmd &` in a
        # script) has SIGINT ignored, and the child would inherit that.
        reset = _default_sigint  # only signal(2) between fork and exec: nothing to deadlock
        return subprocess.Popen(cmd, env=env, text=True, preexec_fn=reset, **popen)  # noqa: PLW1509
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_test_indicator_shows_every_pattern_on_mock_gpio_pins(tmp_path):
    done = cli(tmp_path, "gpio", "--seconds", "0.1")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "indicator gpio (MockFactory; BCM pins: led GPIO17, status_led GPIO5, buzzer GPIO27, "
        "button GPIO22)" in out
    )
    assert "status LED heartbeat: 20ms flash every 100ms" in out
    for pattern in ("off", "on", "warn", "alarm", "blind"):
        assert f"showing {pattern} for 0.1s" in out
    assert "now: led off, status_led blinking, buzzer off, heartbeat running" in out
    assert "now: led on, status_led blinking, buzzer off, heartbeat running" in out
    assert "now: led blinking, status_led blinking, buzzer beeping, heartbeat running" in out
    assert out.rstrip().endswith("done: every output off")
    assert done.stderr == ""


def test_test_indicator_shows_one_pattern_on_the_console(tmp_path):
    done = cli(tmp_path, "console", "--pattern", "alarm", "--seconds", "0.1", factory=None)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "showing alarm for 0.1s: main LED fast blink + buzzer beeping" in lines[3]
    assert "indicator: !! 診療時間中の接続 ALARM" in lines
    assert "showing off" not in done.stdout
    assert lines[-1] == "done: every output off"


def test_test_indicator_with_auto_and_no_gpio_falls_back_to_the_console(tmp_path):
    done = cli(tmp_path, "auto", "--pattern", "on", "--seconds", "0.05", factory="no-such")
    assert done.returncode == 0, done.stderr
    assert "indicator console" in done.stdout
    assert "using the console instead" in done.stderr


def test_test_indicator_with_gpio_and_no_gpio_fails_clearly(tmp_path):
    done = cli(tmp_path, "gpio", "--seconds", "0.05", factory="no-such")
    assert done.returncode == 1
    assert done.stderr.startswith('link-monitor: indicator kind "gpio": no GPIO pin factory')
    assert "Traceback" not in done.stderr


def test_test_indicator_rejects_an_unknown_pattern(tmp_path):
    done = cli(tmp_path, "console", "--pattern", "blue")
    assert done.returncode == 2
    assert "'blue' is not one of" in done.stderr


def test_ctrl_c_leaves_every_output_off(tmp_path):
    proc = cli(
        tmp_path,
        "console",
        "--pattern",
        "alarm",
        "--seconds",
        "30",
        factory=None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        seen = ""
        while "now:" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    lines = (seen + out).splitlines()
    assert lines[-4:] == [
        "interrupted",
        "indicator: ○ 未接続 OFFLINE",
        "indicator: heartbeat stopped",
        "every output off",
    ]
