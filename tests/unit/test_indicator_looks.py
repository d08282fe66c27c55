"""Patterns as looks: which output does what, with the config's timings."""

from __future__ import annotations

import pytest

from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import LookName, Pattern
from monitor.indicator.looks import (
    Look,
    Rhythm,
    heartbeat_label,
    heartbeat_rhythm,
    labels,
    look_for,
)
from monitor.texts import t

CONFIG = IndicatorConfig(
    slow_blink="1s", fast_blink="200ms", beep="250ms", heartbeat_every="3s", heartbeat_on="100ms"
)


def test_off_and_on_are_steady_and_silent():
    assert look_for(Pattern.OFF, False, CONFIG) == Look("off", False, False, "○ 未接続", "OFFLINE")
    assert look_for(Pattern.ON, False, CONFIG) == Look("on", True, False, "● 接続中", "ONLINE")


def test_warn_blinks_slowly_without_the_buzzer():
    look = look_for(Pattern.WARN, False, CONFIG)
    assert look.led == Rhythm((1.0, 1.0)) and look.buzzer is False


def test_alarm_blinks_fast_and_beeps_until_silenced():
    sounding = look_for(Pattern.ALARM, False, CONFIG)
    silenced = look_for(Pattern.ALARM, True, CONFIG)
    assert sounding.led == silenced.led == Rhythm((0.2, 0.2))
    assert sounding.buzzer == Rhythm((0.25, 0.25))
    assert silenced.buzzer is False
    assert sounding.label == "!! 診療時間中の接続 ALARM"
    assert silenced.label == "!! 診療時間中の接続 (ブザー停止) ALARM (silenced)"


def test_silenced_means_nothing_outside_an_alarm():
    assert look_for(Pattern.WARN, True, CONFIG) == look_for(Pattern.WARN, False, CONFIG)


def test_heartbeat_is_a_short_flash_each_period():
    assert heartbeat_rhythm(CONFIG) == Rhythm((0.1, 2.9))


@pytest.mark.parametrize(
    "steps,n",
    [
        ((), None),
        ((0.1,), None),
        ((0.1, 0.1, 0.1), None),
        ((0.1, 0.0), None),
        ((0.1, -1.0), None),
        ((0.1, 0.1), 0),
    ],
)
def test_a_rhythm_rejects_unpaired_or_non_positive_steps(steps, n):
    with pytest.raises(ValueError):
        Rhythm(steps, n)


def test_labels_come_from_the_catalog_with_the_symbol_first():
    assert labels(LookName.WARN) == ("! 接続中・要確認", "WARN")
    assert labels(LookName.LOST) == (
        "✕ 監視停止 (PCから信号なし)",
        "LOST: no signal from the PC monitor",
    )
    assert t("en", "indicator.look.alarm") in look_for(Pattern.ALARM, False, CONFIG).label
    assert heartbeat_label() == "監視中 monitoring"


def test_a_pattern_look_is_named_by_the_enum_of_the_same_value():
    look = look_for(Pattern.ALARM, True, CONFIG)
    assert look.name is LookName.ALARM and look.name == Pattern.ALARM
