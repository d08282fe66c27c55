"""`link-monitor box` as a subprocess, on a real pty, with gpiozero's mock pins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.boxlink import PatternMsg, encode
from monitor.domain.enums import Pattern
from tests.support.ptyport import PtyPort

ROOT = Path(__file__).resolve().parents[2]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GPIOZERO_PIN_FACTORY"}
    env["PYTHONPATH"] = str(ROOT)
    env["LINK_MONITOR_CONFIG"] = ""  # the built-in default unless --config is given
    env.update(extra)
    return env


@pytest.fixture
def port(tmp_path):
    p = PtyPort(tmp_path, "ttyGS0")
    yield p
    p.unplug()


def test_box_command_says_hello_shows_the_pattern_and_stops_on_sigterm(port, tmp_path):
    config = tmp_path / "box.toml"
    config.write_text('[indicator]\nled = 23\nfast_blink = "100ms"\n[alerts]\nlanguage = "en"\n')
    proc = subprocess.Popen(
        command("box", "--port", str(port.path), "--config", str(config)),
        env=environment(GPIOZERO_PIN_FACTORY="mock"),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        hello = json.loads(port.wait_line(lambda line: b'"hello"' in line, timeout=15))
        assert hello["v"] == 1 and hello["version"]
        port.write(encode(PatternMsg(0, Pattern.ALARM, False)))
        seen = []
        watchdog = threading.Timer(15, proc.kill)  # a box that never shows it: fail, not hang
        watchdog.start()
        for line in proc.stderr:  # until the box has shown it
            seen.append(line)
            if "showing alarm" in line:
                break
        watchdog.cancel()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=15)
        err = "".join(seen) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "indicator gpio (MockFactory)" in err and str(port.path) in err
    assert "first message from the PC" in err and "showing alarm" in err
    assert "Traceback" not in err and err.rstrip().endswith("link-monitor box: stopped")


def test_box_command_without_gpio_fails_with_one_clear_line(port):
    result = subprocess.run(
        command("box", "--port", str(port.path)),
        env=environment(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "no GPIO pin factory could be loaded" in result.stderr
    assert "Traceback" not in result.stderr


def test_box_command_with_a_bad_config_names_the_key(port, tmp_path):
    config = tmp_path / "box.toml"
    config.write_text("[indicator]\nled = 99\n")
    result = subprocess.run(
        command("box", "--port", str(port.path), "--config", str(config)),
        env=environment(GPIOZERO_PIN_FACTORY="mock"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "indicator.led" in result.stderr and "Traceback" not in result.stderr
