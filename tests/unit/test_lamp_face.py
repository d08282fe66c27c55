"""What the screen lamp shows for each line of the status stream (pure), and when it
tries a desktop notification."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.config import Indicator
from monitor.domain.enums import Part
from monitor.indicator.looks import Rhythm
from monitor.lamp import notify
from monitor.lamp.face import PALETTES, STOPPED, alarm_started, face_for, stopped_face

CONFIG = Indicator(slow_blink="1s", fast_blink="200ms", beep="300ms")


def line(pattern: str, **more) -> dict:
    return {"kind": "state", "pattern": pattern, "silenced": False, "can_ack": False, **more}


def test_each_pattern_has_the_leds_rhythm_and_its_own_colour():
    off, on = face_for(line("off"), "ja", CONFIG), face_for(line("on"), "ja", CONFIG)
    warn, alarm = face_for(line("warn"), "ja", CONFIG), face_for(line("alarm"), "ja", CONFIG)
    assert (off.led, on.led) == (False, True)
    assert warn.led == Rhythm((1.0, 1.0)) and alarm.led == Rhythm((0.2, 0.2))
    assert alarm.beep == Rhythm((0.3, 0.3)) and warn.beep is None and on.beep is None
    colours = {f.palette.lit for f in (off, on, warn, alarm, stopped_face("ja"))}
    assert len(colours) == 5  # offline never looks like a stopped monitor


def test_the_words_are_japanese_or_english_as_configured():
    assert face_for(line("alarm"), "ja", CONFIG).label == "診療時間中の接続"
    assert face_for(line("alarm"), "en", CONFIG).label == "ALARM"
    assert stopped_face("ja").label == "監視停止：情報担当へ連絡"
    assert stopped_face("ja").title == "link-monitor ランプ"
    assert stopped_face("en").label == "Monitor stopped: call IT"


def test_the_button_shows_only_while_the_alarm_can_be_silenced():
    sounding = face_for(line("alarm", can_ack=True), "ja", CONFIG)
    silenced = face_for(line("alarm", silenced=True), "ja", CONFIG)
    assert sounding.can_ack and not silenced.can_ack
    assert silenced.beep is None and isinstance(silenced.led, Rhythm)
    assert "ブザーは止めました" in silenced.hint


def test_failing_parts_are_named_in_words():
    face = face_for(line("off", faults=["register", "outbox"]), "ja", CONFIG)
    assert face.hint.endswith("監視の一部に不具合: 記録、メール送信")


def test_every_part_that_can_fail_has_its_words():
    for part in Part:
        face = face_for(line("off", faults=[str(part)]), "ja", CONFIG)
        assert str(part) not in face.hint, part


def test_a_line_without_a_known_pattern_is_shown_as_a_stopped_monitor():
    assert face_for({"kind": "state"}, "ja", CONFIG).name == STOPPED
    assert face_for(line("blue"), "ja", CONFIG).palette == PALETTES[STOPPED]


def test_an_alarm_starts_once_until_it_stops_sounding():
    off, stopped = face_for(line("off"), "ja", CONFIG), stopped_face("ja")
    alarm = face_for(line("alarm", can_ack=True), "ja", CONFIG)
    silenced = face_for(line("alarm", silenced=True), "ja", CONFIG)
    assert alarm_started(None, alarm) and alarm_started(off, alarm)
    assert alarm_started(stopped, alarm)  # found sounding after a reconnection
    assert not alarm_started(alarm, alarm) and not alarm_started(alarm, silenced)
    assert not alarm_started(off, silenced)


def test_no_notification_is_tried_without_a_session_bus(tmp_path, monkeypatch):
    assert not notify.has_session_bus({})
    assert not notify.has_session_bus({"XDG_RUNTIME_DIR": str(tmp_path)})
    (tmp_path / "bus").touch()
    assert notify.has_session_bus({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert notify.has_session_bus({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"})
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "none"))
    assert notify.notify("t", "b") is False


@pytest.mark.parametrize("have", ["notify-send", "gdbus"])
def test_notify_send_is_preferred_and_gdbus_calls_the_freedesktop_service(
    tmp_path: Path, monkeypatch, have: str
):
    (tmp_path / have).write_text("#!/bin/sh\n")
    (tmp_path / have).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    cmd = notify.command("診療時間中の接続", "body")
    assert cmd is not None and cmd[0] == have
    if have == "gdbus":
        assert "org.freedesktop.Notifications.Notify" in cmd and "--session" in cmd
        assert "'診療時間中の接続'" in cmd  # typed: a GVariant string
        assert notify.command("it's 1", "b")[cmd.index("'診療時間中の接続'")] == "'it\\'s 1'"
    else:
        assert cmd[-3:] == ["--", "診療時間中の接続", "body"]
    monkeypatch.setenv("PATH", os.devnull)
    assert notify.command("t", "b") is None
