"""The removable-media rules of the engine, as tables of scripts and as properties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain.enums import AlertKind, Pattern
from monitor.domain.events import AlertRaised, MediaChanged
from monitor.domain.media import MediaAction
from tests.support.engine_driver import Driver, jst
from tests.support.media_driver import media_config, observed

IN, OUT, PRESENT = MediaAction.INSERTED, MediaAction.REMOVED, MediaAction.PRESENT

# Sunday 2026-06-07: clinic 17:00-22:00; Monday 08:30-17:15 maintenance.


def run(script, media=""):
    """Feed ``script`` (local time, what) and return the driver."""
    d = Driver(media_config(media))
    for when, what in script:
        t = jst(when)
        verb, _, name = what.partition(" ")
        if verb == "in":
            d.feed(observed(name, IN, t), t)
        elif verb == "present":
            d.feed(observed(name, PRESENT, t), t)
        elif verb == "out":
            d.feed(observed(name, OUT, t), t)
        elif verb == "up":
            d.up(name, t)
        elif verb == "down":
            d.down(name, t)
        elif verb == "tick":
            d.advance(t)
    return d


def alerts(d):
    return [
        (str(e.alert.kind), e.alert.medium.medium.device if e.alert.medium else None)
        for e in d.effects
        if isinstance(e, AlertRaised) and e.alert.medium is not None
    ]


CASES = [
    # name, script, [media] body, alerts (kind, device), final pattern
    (
        "stick in then cable in: one media-online",
        [
            ("2026-06-08 10:00", "in backup"),
            ("2026-06-08 10:05", "up eth0"),
            ("2026-06-08 10:30", "tick"),
        ],
        "",
        [("media-online", "sdb")],
        Pattern.WARN,
    ),
    (
        "cable in then stick in: one media-online at the insertion",
        [("2026-06-08 10:00", "up eth0"), ("2026-06-08 10:05", "in backup")],
        "",
        [("media-online", "sdb")],
        Pattern.WARN,
    ),
    (
        "the cable flaps within one session: still one media-online",
        [
            ("2026-06-08 10:00", "in backup"),
            ("2026-06-08 10:05", "up eth0"),
            ("2026-06-08 10:05:01", "down eth0"),
            ("2026-06-08 10:05:01.5", "up eth0"),
        ],
        "",
        [("media-online", "sdb")],
        Pattern.WARN,
    ),
    (
        "a new session with the stick still in: a second media-online",
        [
            ("2026-06-08 10:00", "in backup"),
            ("2026-06-08 10:05", "up eth0"),
            ("2026-06-08 10:10", "down eth0"),
            ("2026-06-08 11:00", "up eth0"),
        ],
        "",
        [("media-online", "sdb"), ("media-online", "sdb")],
        Pattern.WARN,
    ),
    (
        "stick pulled out before the cable goes in: nothing",
        [
            ("2026-06-08 10:00", "in backup"),
            ("2026-06-08 10:01", "out backup"),
            ("2026-06-08 10:05", "up eth0"),
        ],
        "",
        [],
        Pattern.ON,
    ),
    (
        "wireless up with a stick in (rule ア): media-online",
        [("2026-06-08 10:00", "in backup"), ("2026-06-08 10:05", "up wlan0")],
        "",
        [("media-online", "sdb")],
        Pattern.WARN,
    ),
    (
        "media-online switched off: no alert, the lamp stays on",
        [("2026-06-08 10:00", "in backup"), ("2026-06-08 10:05", "up eth0")],
        "online = false",
        [],
        Pattern.ON,
    ),
    (
        "an unregistered stick: unregistered-media at once, offline",
        [("2026-06-08 10:00", "in stranger")],
        "",
        [("unregistered-media", "sdc")],
        Pattern.OFF,
    ),
    (
        "an unregistered stick found at start: unregistered-media",
        [("2026-06-08 10:00", "present stranger")],
        "",
        [("unregistered-media", "sdc")],
        Pattern.OFF,
    ),
    (
        "unregistered rule off",
        [("2026-06-08 10:00", "in stranger")],
        "unregistered = false",
        [],
        Pattern.OFF,
    ),
    (
        "the internal disk never counts",
        [("2026-06-08 10:00", "present internal"), ("2026-06-08 10:05", "up eth0")],
        "",
        [],
        Pattern.ON,
    ),
    (
        "the backup stick inserted during clinic hours",
        [("2026-06-07 21:50", "in backup"), ("2026-06-07 21:55", "out backup")],
        "",
        [("media-clinic-hours", "sdb")],
        Pattern.OFF,
    ),
    (
        "the backup stick allowed during clinic hours, pulled out in time",
        [
            ("2026-06-07 21:50", "in backup"),
            ("2026-06-07 22:10", "out backup"),
            ("2026-06-08 09:00", "tick"),
        ],
        'clinic_hours_allowed = ["バックアップ1"]',
        [],
        Pattern.OFF,
    ),
    (
        "the backup stick left in after clinic hours: media-left-in once, 30 min after",
        [("2026-06-07 21:50", "in backup"), ("2026-06-08 09:00", "tick")],
        'clinic_hours_allowed = ["バックアップ1"]',
        [("media-left-in", "sdb")],
        Pattern.OFF,
    ),
    (
        "a stick inserted before clinic hours and left in through them: media-left-in",
        [("2026-06-07 12:00", "in backup"), ("2026-06-08 09:00", "tick")],
        'left_in_after = "0s"',
        [("media-left-in", "sdb")],
        Pattern.OFF,
    ),
    (
        "left-in allowed for the backup stick",
        [("2026-06-07 21:50", "in backup"), ("2026-06-08 09:00", "tick")],
        'clinic_hours_allowed = ["バックアップ1"]\nleft_in_allowed = ["バックアップ1"]',
        [],
        Pattern.OFF,
    ),
    (
        "online during clinic hours with a stick: alarm wins the lamp, both alerts",
        [("2026-06-07 18:00", "in backup"), ("2026-06-07 18:05", "up eth0")],
        'clinic_hours_allowed = ["バックアップ1"]',
        [("media-online", "sdb")],
        Pattern.ALARM,
    ),
]


@pytest.mark.parametrize(
    ("name", "script", "media", "expected", "pattern"), CASES, ids=[c[0] for c in CASES]
)
def test_media_rules(name, script, media, expected, pattern):
    d = run(script, media)
    assert alerts(d) == expected
    assert d.state.pattern is pattern


def test_media_online_alert_carries_the_session_and_the_registered_medium():
    d = run([("2026-06-08 10:00", "in backup"), ("2026-06-08 10:05", "up eth0")])
    [a] = [e.alert for e in d.effects if isinstance(e, AlertRaised)]
    assert a.session is not None and a.session.id == d.state.session.id
    assert a.medium is not None and a.medium.label == "バックアップ1"
    assert a.key == f"{a.session.id}/media-online/4C5300012301"


def test_every_insertion_and_removal_is_a_media_change_and_a_repeat_dump_is_not():
    d = run(
        [
            ("2026-06-08 10:00", "present backup"),
            ("2026-06-08 10:00:01", "present backup"),
            ("2026-06-08 10:01", "out backup"),
            ("2026-06-08 10:02", "in stranger"),
            ("2026-06-08 10:03", "out stranger"),
            ("2026-06-08 10:04", "out stranger"),
        ]
    )
    changes = [
        (str(e.observation.action), e.observation.medium.device, e.observation.label)
        for e in d.effects
        if isinstance(e, MediaChanged)
    ]
    assert changes == [
        ("present", "sdb", "バックアップ1"),
        ("removed", "sdb", "バックアップ1"),
        ("inserted", "sdc", ""),
        ("removed", "sdc", ""),
    ]


def test_the_engine_wakes_for_the_left_in_rule_only_while_a_medium_is_present():
    d = run([("2026-06-07 21:50", "in backup")])
    assert d.wake_at == jst("2026-06-07 22:00")
    d.advance(jst("2026-06-07 22:00"))
    assert d.wake_at == jst("2026-06-07 22:30")
    d.feed(observed("backup", OUT, jst("2026-06-07 22:10")), jst("2026-06-07 22:10"))
    assert d.wake_at is None


# ------------------------------------------------------------------ properties

steps = st.lists(
    st.tuples(
        st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
        st.sampled_from(
            [
                "in backup",
                "out backup",
                "in stranger",
                "out stranger",
                "up eth0",
                "down eth0",
                "up wlan0",
                "down wlan0",
            ]
        ),
    ),
    max_size=30,
)
starts = st.sampled_from(["2026-06-07 16:00", "2026-06-08 08:00", "2026-06-07 21:30"])


def _script(start, plan):
    t = jst(start)
    out = []
    for gap, what in plan:
        t += gap
        out.append((t.strftime("%Y-%m-%d %H:%M:%S"), what))
    return out


@settings(max_examples=150, deadline=None)
@given(start=starts, plan=steps)
def test_media_online_is_raised_at_most_once_per_session_and_medium(start, plan):
    d = run(_script(start, plan))
    keys = [e.alert.key for e in d.effects if isinstance(e, AlertRaised)]
    assert len(keys) == len(set(keys))
    for e in d.effects:
        if isinstance(e, AlertRaised) and e.alert.kind is AlertKind.MEDIA_ONLINE:
            assert e.alert.session is not None


@settings(max_examples=150, deadline=None)
@given(start=starts, plan=steps)
def test_lamp_warns_or_alarms_whenever_a_medium_is_in_while_online(start, plan):
    d = Driver(media_config())
    for when, what in _script(start, plan):
        t = jst(when)
        verb, _, name = what.partition(" ")
        if verb in ("in", "out"):
            d.feed(observed(name, IN if verb == "in" else OUT, t), t)
        else:
            (d.up if verb == "up" else d.down)(name, t)
        st_ = d.state
        if st_.online and st_.media.present:
            assert st_.pattern in (Pattern.WARN, Pattern.ALARM)
            sid = st_.session.id
            assert {f"{sid}/{i}" for i, _ in st_.media.present} <= st_.media.online_alerted
        if not st_.online:
            assert st_.pattern is Pattern.OFF


@settings(max_examples=100, deadline=None)
@given(start=starts, plan=steps)
def test_switching_every_media_rule_off_raises_no_media_alert(start, plan):
    off = "online = false\nunregistered = false\nclinic_hours = false\nleft_in = false"
    d = run(_script(start, plan), off)
    assert alerts(d) == []


def test_after_a_restart_the_same_session_and_stick_raise_media_online_under_the_same_key():
    # The outbox drops the second one (same idempotency key): one mail.
    d = run([("2026-06-08 10:00", "in backup"), ("2026-06-08 10:05", "up eth0")])
    first = [e.alert.key for e in d.of(AlertRaised) if e.alert.kind is AlertKind.MEDIA_ONLINE]
    t = jst("2026-06-08 10:20")
    d.restart(t)
    d.feed(observed("backup", PRESENT, t), t)  # the new watcher finds it at start
    again = [e.alert.key for e in d.of(AlertRaised) if e.alert.kind is AlertKind.MEDIA_ONLINE]
    assert len(first) == 1 and again == first * 2
