"""The screen lamp (``link-monitor lamp``) on a private X server (Xvfb).

The real daemon runs in this process (tests/support/daemon_parts.py, Japanese
config); the lamp is the real command in a subprocess. Each pattern and the stopped
state are photographed (``import``) and the lamp's colour read from the pixels; the
確認 button is clicked with ``xdotool`` and the register must hold the ack, source
"screen lamp". With ``LAMP_SCREENSHOTS=1`` the pictures are kept as docs/lamp-*.png.

Needs Debian's ``xvfb``, ``xdotool``, ``imagemagick``, ``x11-utils`` (tests/debian-packages.txt)
and a Python with ``tkinter`` (``python3-tk``; a pyenv-built Python may lack it: run
the test with the system's python3 then). Skipped, naming what is missing, otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.control import request
from tests.support import xvfb
from tests.support.daemon_parts import ManualClock, Running, config_text, rig, until

ROOT = Path(__file__).resolve().parents[2]

try:
    import tkinter  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the Python build
    NO_TK: str | None = (
        f"this Python has no tkinter ({exc}); install python3-tk, use /usr/bin/python3"
    )
else:
    NO_TK = None

pytestmark = [
    pytest.mark.skipif(NO_TK is not None, reason=NO_TK or ""),
    pytest.mark.skipif(bool(xvfb.missing()), reason=f"not installed: {', '.join(xvfb.missing())}"),
]

# The lamp's colours (monitor/lamp/face.py PALETTES): lit lamp, window background.
LIT = {
    "off": (0x2F, 0x6D, 0xB5),
    "on": (0x1F, 0x9D, 0x3A),
    "warn": (0xF2, 0xA9, 0x00),
    "alarm": (0xE3, 0x1B, 0x1B),
    "silenced": (0xE3, 0x1B, 0x1B),
    "stopped": (0x8C, 0x8C, 0x8C),
}
BACKGROUND = {
    "off": (0xE4, 0xED, 0xF7),
    "on": (0xE3, 0xF3, 0xE6),
    "warn": (0xFC, 0xF1, 0xD4),
    "alarm": (0xFB, 0xDE, 0xDE),
    "silenced": (0xFB, 0xDE, 0xDE),
    "stopped": (0xBD, 0xBD, 0xBD),
}
LAMP_BOX = (52, 52, 92, 92)  # the middle of the round lamp, in window pixels
WHITE = (255, 255, 255)  # the 確認 button's face, and nothing else on the window


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


class Eyes:
    """Looks at the lamp's window and keeps the pictures."""

    def __init__(self, screen: xvfb.Screen, window: str, folder: Path):
        self.screen, self.window, self.folder = screen, window, folder
        self.kept: list[Path] = []

    def wait_for(self, name: str, timeout: float = 8) -> xvfb.Shot:
        """Return a picture in the lit phase of ``name``; fail naming what was seen."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            shot = self.screen.shot(self.window)
            seen = (shot.dominant(LAMP_BOX), shot.dominant())
            if close(seen[0], LIT[name]) and close(seen[1], BACKGROUND[name]):
                png = self.folder / f"lamp-{name}.png"
                self.screen.shot(self.window, png)  # the kept picture: checked again
                again = xvfb.parse_ppm(
                    self.screen.run("convert", f"png:{png}", "-depth", "8", "ppm:-")
                )
                if close(again.dominant(LAMP_BOX), LIT[name]):
                    self.kept.append(png)
                    return shot
            time.sleep(0.05)
        raise AssertionError(f"the lamp does not show {name}: (lamp, window) colours {seen}")


def acks(store: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT by, source FROM acks ORDER BY id").fetchall()


@pytest.fixture
def display():
    with xvfb.xvfb() as name:
        yield name


def test_the_screen_lamp_shows_each_pattern_acknowledges_and_greys_out(tmp_path, display):
    r = rig(tmp_path, config_text(tmp_path, language="ja"), clock=ManualClock())
    screen = xvfb.Screen(display)
    notes = tmp_path / "notifications.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "notify-send"  # stands in for the desktop's notification service
    stub.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {notes}\necho >> {notes}\n')
    stub.chmod(0o755)
    env = {
        **screen.env,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
    }
    lamp = subprocess.Popen(
        [sys.executable, "-m", "monitor", "lamp", "--config", str(r.config_path), "--silence", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    async def scenario(eyes_box: list[Eyes]) -> None:
        async with Running(r):
            window = await asyncio.to_thread(screen.find, "link-monitor")
            state = await asyncio.to_thread(screen.run, "xprop", "-id", window, "_NET_WM_STATE")
            assert b"_NET_WM_STATE_ABOVE" in state  # it asks to be kept on top
            eyes = Eyes(screen, window, tmp_path)
            eyes_box.append(eyes)
            shot = await asyncio.to_thread(eyes.wait_for, "off")
            assert shot.bbox(WHITE) is None  # no 確認 button

            r.links.plug()  # 10:00, clinic hours
            shot = await asyncio.to_thread(eyes.wait_for, "alarm")
            button = shot.bbox(WHITE)
            deadline = time.monotonic() + 5  # the button may be drawn a frame after the lamp
            while button is None and time.monotonic() < deadline:
                shot = await asyncio.to_thread(eyes.wait_for, "alarm")
                button = shot.bbox(WHITE)
            assert button is not None, "the 確認 button shows during the alarm"
            x0, y0, x1, y1 = button
            await asyncio.to_thread(screen.click, window, (x0 + x1) // 2, (y0 + y1) // 2)
            await until(lambda: acks(r.store), 5, "the click acknowledges the alarm")
            assert acks(r.store)[0][1] == "screen lamp"
            assert r.daemon.state.silenced
            shot = await asyncio.to_thread(eyes.wait_for, "silenced")
            assert shot.bbox(WHITE) is None  # nothing left to silence

            r.links.unplug()
            await asyncio.to_thread(eyes.wait_for, "off")
            r.clock.advance(timedelta(hours=4))  # 14:00, a maintenance window
            await asyncio.to_thread(
                request,
                r.socket,
                {"cmd": "permit", "purpose": "fee-update", "company": "C", "staff": "S"},
            )
            r.links.plug()
            await asyncio.to_thread(eyes.wait_for, "on")
            r.links.unplug()
            await asyncio.to_thread(eyes.wait_for, "off")
            r.clock.advance(timedelta(hours=4))  # 18:00, outside every window
            r.links.plug()
            await asyncio.to_thread(eyes.wait_for, "warn")
            r.links.unplug()
            await asyncio.to_thread(eyes.wait_for, "off")

    eyes_box: list[Eyes] = []
    try:
        asyncio.run(scenario(eyes_box))
        [eyes] = eyes_box
        eyes.wait_for("stopped")  # the daemon stopped: grey within the silence
        assert lamp.poll() is None, "the lamp keeps running (and retrying)"
    finally:
        lamp.terminate()
        _, err = lamp.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert notes.read_text().count("--urgency=critical") == 1  # one alarm, one notification
    assert "診療時間中の接続" in notes.read_text()
    if os.environ.get("LAMP_SCREENSHOTS"):
        for png in eyes.kept:
            shutil.copy(png, ROOT / "docs" / png.name)


def test_the_lamp_is_grey_until_the_monitor_runs_then_follows_it(tmp_path, display):
    r = rig(tmp_path, config_text(tmp_path, language="en"))
    screen = xvfb.Screen(display)
    lamp = subprocess.Popen(
        [sys.executable, "-m", "monitor", "lamp", "--config", str(r.config_path)],
        cwd=ROOT,
        env=screen.env,
        stderr=subprocess.PIPE,
    )
    try:
        window = screen.find("link-monitor lamp")
        eyes = Eyes(screen, window, tmp_path)
        eyes.wait_for("stopped")
        time.sleep(2.5)  # it keeps trying, and keeps running
        assert lamp.poll() is None

        async def scenario() -> None:
            async with Running(r):
                await asyncio.to_thread(eyes.wait_for, "off")  # found it

        asyncio.run(scenario())
        eyes.wait_for("stopped")  # and lost it again
    finally:
        lamp.terminate()
        lamp.communicate(timeout=10)


def test_a_monitor_that_falls_silent_turns_the_lamp_grey(tmp_path, display):
    """A hung daemon: it accepts, says "off" once, then sends nothing (no keep-alive)."""
    path = tmp_path / "link-monitor.toml"
    path.write_text(config_text(tmp_path, language="ja"))
    sock_path = tmp_path / "run" / "control.sock"
    sock_path.parent.mkdir()
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(sock_path))
    hung.listen(4)
    held: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = hung.accept()
                held.append(conn)
                if len(held) == 1:  # then hung: later connections get no answer at all
                    conn.recv(4096)
                    state = {"ok": True, "kind": "state", "pattern": "off", "follow": True}
                    conn.sendall(json.dumps(state).encode() + b"\n")

    threading.Thread(target=serve, daemon=True).start()
    screen = xvfb.Screen(display)
    lamp = subprocess.Popen(
        [sys.executable, "-m", "monitor", "lamp", "--config", str(path), "--silence", "2"],
        cwd=ROOT,
        env=screen.env,
        stderr=subprocess.PIPE,
    )
    try:
        eyes = Eyes(screen, screen.find("link-monitor"), tmp_path)
        eyes.wait_for("off")
        started = time.monotonic()
        eyes.wait_for("stopped")
        assert time.monotonic() - started < 4  # the silence (2 s) and a poll
        time.sleep(3)  # it tries again (and gets no answer): still grey
        eyes.wait_for("stopped", timeout=0.5)
        assert len(held) >= 2 and lamp.poll() is None
    finally:
        lamp.terminate()
        lamp.communicate(timeout=10)
        hung.close()
        for conn in held:
            conn.close()
