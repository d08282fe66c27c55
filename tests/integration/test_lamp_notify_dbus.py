"""The lamp's desktop notification on a real, private D-Bus session bus: the call
reaches the bus addressed to the freedesktop notification service, with its
arguments typed as the service expects (``dbus-monitor`` watches the bus)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from monitor.lamp import notify

pytestmark = pytest.mark.skipif(
    any(shutil.which(p) is None for p in ("dbus-daemon", "dbus-monitor", "gdbus")),
    reason="needs dbus-daemon, dbus-monitor (Debian: dbus) and gdbus (libglib2.0-bin)",
)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_an_alarm_notification_is_a_typed_notify_call_on_the_session_bus(tmp_path, monkeypatch):
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--print-address=1", "--nofork"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        assert address.startswith("unix:")
        seen = tmp_path / "monitor.txt"
        with seen.open("wb") as out:
            watcher = subprocess.Popen(
                ["dbus-monitor", "--address", address,
                 "interface='org.freedesktop.Notifications'"],
                stdout=out,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        try:
            time.sleep(0.3)  # the monitor is on the bus
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
            monkeypatch.setenv("PATH", str(Path(shutil.which("gdbus") or "").parent))
            assert notify.notify("診療時間中の接続", "レセプトPCのケーブル")
            deadline = time.monotonic() + 10
            while "member=Notify" not in seen.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
        finally:
            stop(watcher)
    finally:
        stop(bus)
    text = seen.read_text()
    assert "destination=org.freedesktop.Notifications" in text and "member=Notify" in text
    call = text[text.index("member=Notify") :]
    assert 'string "link-monitor"' in call and "uint32 0" in call
    assert 'string "診療時間中の接続"' in call and 'string "レセプトPCのケーブル"' in call
    assert "array [\n   ]" in call  # no actions: an empty string array, not a string
    assert 'string "urgency"' in call and "byte 2" in call
