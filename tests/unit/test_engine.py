"""The policy engine under a fixed clock: real Config, real Schedule, no mocks.

The test week (tests.support.engine_driver.py): clinic Sun 17:00-22:00, maintenance
weekdays 08:30-17:15, Asia/Tokyo, no holidays; settle 2s, max_session 2h,
remind_every 30m. 2026-06-07 is a Sunday, 2026-06-08 a Monday.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from monitor.compat import UTC
from monitor.domain.enums import (
    AlertKind,
    EndReason,
    Entity,
    MachineState,
    Pattern,
    Period,
    Severity,
    Verdict,
)
from monitor.domain.events import (
    Acknowledged,
    LinkChanged,
    PatternChanged,
    Restored,
    SessionChanged,
    SessionClosed,
    SessionOpened,
    Synced,
    Tick,
)
from monitor.domain.model import AlertRecord, Session, Transition, session_id
from monitor.engine import Engine
from tests.support.engine_driver import Driver, jst, link, make_config, permit, schedule_of

CLINIC = AlertKind.CLINIC_HOURS
OUTSIDE = AlertKind.OUTSIDE_WINDOW
NO_PERMIT = AlertKind.NO_PERMIT
OVERDUE = AlertKind.OVERDUE
RESOLVED = AlertKind.RESOLVED


# ----------------------------------------------------------------------------- the table
#
# Each scenario: config options, a script of (local time, action, argument), the alerts
# expected as (kind, reminder, local time), the final pattern and how many sessions
# opened and closed. "run" only lets the engine's own wake-ups happen up to that time.


@dataclass(frozen=True)
class Scenario:
    script: list
    alerts: list
    pattern: Pattern
    sessions: tuple[int, int]  # opened, closed
    options: dict = field(default_factory=dict)


SCENARIOS = {
    "link up in clinic hours raises one critical alert after settle": Scenario(
        script=[("2026-06-07 18:00:00", "up", "eth0"), ("2026-06-07 18:30:00", "run", None)],
        alerts=[(CLINIC, 0, "2026-06-07 18:00:02")],
        pattern=Pattern.ALARM,
        sessions=(1, 0),
    ),
    "a wiggle shorter than settle alerts nobody and is one session": Scenario(
        script=[
            ("2026-06-07 18:00:00.000", "up", "eth0"),
            ("2026-06-07 18:00:00.500", "down", "eth0"),
            ("2026-06-07 18:00:01.000", "up", "eth0"),
            ("2026-06-07 18:00:01.500", "down", "eth0"),
            ("2026-06-07 18:10:00", "run", None),
        ],
        alerts=[],
        pattern=Pattern.OFF,
        sessions=(1, 1),
    ),
    "a connection inside a maintenance window stays on and raises nothing": Scenario(
        script=[
            ("2026-06-08 10:00:00", "up", "eth0"),
            ("2026-06-08 11:00:00", "down", "eth0"),
            ("2026-06-08 12:00:00", "run", None),
        ],
        alerts=[],
        pattern=Pattern.OFF,
        sessions=(1, 1),
    ),
    "crossing from maintenance into off-hours alerts at the boundary": Scenario(
        script=[("2026-06-08 17:00:00", "up", "eth0"), ("2026-06-08 17:20:00", "run", None)],
        alerts=[(OUTSIDE, 0, "2026-06-08 17:15:00")],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "crossing from off-hours into clinic hours raises the alarm at 17:00": Scenario(
        script=[("2026-06-07 16:50:00", "up", "eth0"), ("2026-06-07 17:10:00", "run", None)],
        alerts=[(OUTSIDE, 0, "2026-06-07 16:50:02"), (CLINIC, 0, "2026-06-07 17:00:00")],
        pattern=Pattern.ALARM,
        sessions=(1, 0),
    ),
    "an overdue session is reminded every remind_every": Scenario(
        script=[("2026-06-08 09:00:00", "up", "eth0"), ("2026-06-08 12:10:00", "run", None)],
        alerts=[
            (OVERDUE, 0, "2026-06-08 11:00:00"),
            (OVERDUE, 1, "2026-06-08 11:30:00"),
            (OVERDUE, 2, "2026-06-08 12:00:00"),
        ],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "unplugging after an alert closes the session and raises resolved": Scenario(
        script=[
            ("2026-06-08 09:00:00", "up", "eth0"),
            ("2026-06-08 11:10:00", "down", "eth0"),
            ("2026-06-08 11:20:00", "run", None),
        ],
        alerts=[(OVERDUE, 0, "2026-06-08 11:00:00"), (RESOLVED, 0, "2026-06-08 11:10:02")],
        pattern=Pattern.OFF,
        sessions=(1, 1),
    ),
    "a permit granted before plugging satisfies require_permit": Scenario(
        options={"require_permit": True},
        script=[
            ("2026-06-08 09:55:00", "permit", 60),
            ("2026-06-08 10:00:00", "up", "eth0"),
            ("2026-06-08 10:30:00", "run", None),
        ],
        alerts=[],
        pattern=Pattern.ON,
        sessions=(1, 0),
    ),
    "require_permit without a permit warns after settle": Scenario(
        options={"require_permit": True},
        script=[("2026-06-08 10:00:00", "up", "eth0"), ("2026-06-08 10:30:00", "run", None)],
        alerts=[(NO_PERMIT, 0, "2026-06-08 10:00:02")],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "a permit that expired before plugging is not linked": Scenario(
        options={"require_permit": True},
        script=[
            ("2026-06-08 09:00:00", "permit", 30),
            ("2026-06-08 10:00:00", "up", "eth0"),
            ("2026-06-08 10:30:00", "run", None),
        ],
        alerts=[(NO_PERMIT, 0, "2026-06-08 10:00:02")],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "permit_extends lengthens max_session to the permit's expected duration": Scenario(
        options={"permit_extends": True},
        script=[
            ("2026-06-08 08:55:00", "permit", 180),
            ("2026-06-08 09:00:00", "up", "eth0"),
            ("2026-06-08 12:10:00", "run", None),
        ],
        alerts=[(OVERDUE, 0, "2026-06-08 12:00:00")],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "without permit_extends a long permit changes nothing": Scenario(
        script=[
            ("2026-06-08 08:55:00", "permit", 180),
            ("2026-06-08 09:00:00", "up", "eth0"),
            ("2026-06-08 11:10:00", "run", None),
        ],
        alerts=[(OVERDUE, 0, "2026-06-08 11:00:00")],
        pattern=Pattern.WARN,
        sessions=(1, 0),
    ),
    "a second interface joins the open session": Scenario(
        script=[
            ("2026-06-08 10:00:00", "up", "eth0"),
            ("2026-06-08 10:05:00", "up", "usb0"),
            ("2026-06-08 10:10:00", "down", "eth0"),
            ("2026-06-08 10:20:00", "down", "usb0"),
            ("2026-06-08 10:30:00", "run", None),
        ],
        alerts=[],
        pattern=Pattern.OFF,
        sessions=(1, 1),
    ),
    "ignored and unwatched interfaces never count": Scenario(
        script=[
            ("2026-06-07 18:00:00", "up", "lo"),
            ("2026-06-07 18:00:01", "up", "docker0"),
            ("2026-06-07 18:10:00", "run", None),
        ],
        alerts=[],
        pattern=Pattern.OFF,
        sessions=(0, 0),
    ),
}


def play(script, options=None) -> Driver:
    d = Driver(make_config(**(options or {})))
    for when, action, arg in script:
        t = jst(when)
        if action == "up":
            d.up(arg, t)
        elif action == "down":
            d.down(arg, t)
        elif action == "permit":
            d.grant(permit(t, timedelta(minutes=arg)), t)
        elif action == "run":
            d.advance(t)
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(action)
    return d


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name):
    sc = SCENARIOS[name]
    d = play(sc.script, sc.options)
    assert d.alert_keys() == [(k, r, jst(t)) for k, r, t in sc.alerts]
    assert d.state.pattern is sc.pattern
    assert (len(d.opened), len(d.closed)) == sc.sessions


# ----------------------------------------------------------------------------- links, sessions


def test_clinic_hours_link_raises_critical_alert_with_session_and_period():
    d = Driver(make_config())
    first = d.up("eth0", jst("2026-06-07 18:00:00"))
    # The indicator follows the cable at once; the alert waits for settle.
    assert [e.pattern for e in first.effects if isinstance(e, PatternChanged)] == [Pattern.ALARM]
    assert d.alerts == []
    assert first.wake_at == jst("2026-06-07 18:00:02")
    d.advance(jst("2026-06-07 18:00:02"))
    [alert] = d.alerts
    assert alert.severity is Severity.CRITICAL
    assert alert.at == jst("2026-06-07 18:00:02")
    assert alert.period.period is Period.CLINIC
    assert alert.session.verdicts == (Verdict.CLINIC_HOURS,)
    assert alert.session.alerts == (AlertRecord(CLINIC, 0, alert.at),)
    assert alert.key == f"{alert.session.id}/clinic-hours/0"
    assert d.state.session.worst is Verdict.CLINIC_HOURS


def test_session_id_is_the_utc_start_instant():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00.123456"))
    assert d.state.session.id == "S20260608T010000123456Z"
    assert d.state.session.id == session_id(jst("2026-06-08 10:00:00.123456"))
    assert d.state.session.started_at.tzinfo is UTC


def test_repeated_link_messages_produce_no_effects():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00"))
    again = d.up("eth0", jst("2026-06-08 10:00:00.001"))
    assert again.effects == ()
    d.down("eth0", jst("2026-06-08 10:05:00"))
    again = d.down("eth0", jst("2026-06-08 10:05:00.001"))
    assert again.effects == ()
    assert len(d.of(LinkChanged)) == 2


def test_link_up_emits_link_machine_session_and_pattern_records_in_order():
    d = Driver(make_config())
    step = d.up("eth0", jst("2026-06-08 10:00:00"))
    kinds = [type(e).__name__ for e in step.effects]
    assert kinds == [
        "LinkChanged",
        "Transition",
        "SessionOpened",
        "Transition",
        "PatternChanged",
        "Transition",
    ]
    transitions = [(e.entity, e.old, e.new) for e in step.effects if isinstance(e, Transition)]
    sid = d.state.session.id
    assert transitions == [
        ("machine", "offline", "online"),
        (f"session:{sid}", None, "permitted"),
        ("pattern", "off", "on"),
    ]
    assert all(
        e.at == jst("2026-06-08 10:00:00") for e in step.effects if isinstance(e, Transition)
    )


def test_transitions_carry_the_state_enums_whose_values_are_stored():
    d = Driver(make_config())
    step = d.up("eth0", jst("2026-06-08 10:00:00"))
    machine, session, pattern = [e for e in step.effects if isinstance(e, Transition)]
    assert (machine.entity, machine.old, machine.new) == (
        Entity.MACHINE,
        MachineState.OFFLINE,
        MachineState.ONLINE,
    )
    assert machine.kind is Entity.MACHINE and session.kind is Entity.SESSION
    assert session.new is Verdict.PERMITTED
    assert (pattern.entity, pattern.old, pattern.new) == (Entity.PATTERN, Pattern.OFF, Pattern.ON)
    assert type(pattern.old) is Pattern and type(pattern.new) is Pattern


def test_session_closes_after_settle_with_ended_at_the_last_link_down():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00"))
    step = d.down("eth0", jst("2026-06-08 10:30:00"))
    assert d.state.pattern is Pattern.OFF  # at once
    assert d.closed == []
    assert step.wake_at == jst("2026-06-08 10:30:02")
    d.advance(jst("2026-06-08 11:00:00"))
    [closed] = d.closed
    assert closed.ended_at == jst("2026-06-08 10:30:00")
    assert closed.end_reason is EndReason.UNPLUGGED
    assert closed.duration() == timedelta(minutes=30)
    assert closed.worst is Verdict.PERMITTED
    assert closed.verdicts == (Verdict.PERMITTED,)
    assert closed.periods == {Period.MAINTENANCE}
    assert d.wake_at is None  # an idle monitor does no periodic work


def test_link_back_within_settle_continues_the_same_session():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00"))
    d.down("eth0", jst("2026-06-08 10:30:00"))
    step = d.up("usb0", jst("2026-06-08 10:30:01.9"))
    assert not any(isinstance(e, SessionOpened | SessionClosed) for e in step.effects)
    assert d.state.session.interfaces == {"eth0", "usb0"}
    assert len(d.opened) == 1


def test_link_back_after_a_missed_settle_wake_up_closes_then_opens():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00"))
    d.down("eth0", jst("2026-06-08 10:30:00"))
    # The daemon was busy: no Tick at 10:30:02. The next input settles the old session first.
    step = d.engine.step(
        d.state, link("eth0", True, jst("2026-06-08 10:45:00")), jst("2026-06-08 10:45:00")
    )
    closed = [e.session for e in step.effects if isinstance(e, SessionClosed)]
    opened = [e.session for e in step.effects if isinstance(e, SessionOpened)]
    assert [s.ended_at for s in closed] == [jst("2026-06-08 10:30:00")]
    assert [s.started_at for s in opened] == [jst("2026-06-08 10:45:00")]


def test_a_late_wake_up_still_records_clinic_hours_crossed_in_between():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 16:00:00"))
    # No wake-up delivered until 23:00: the clinic period 17:00-22:00 still counts.
    step = d.engine.step(d.state, Tick(), jst("2026-06-07 23:00:00"))
    assert step.state.session.periods == {Period.OFF_HOURS, Period.CLINIC}
    kinds = [e.alert.kind for e in step.effects if hasattr(e, "alert")]
    assert kinds == [CLINIC, OUTSIDE, OVERDUE]
    assert step.state.pattern is Pattern.ALARM


def test_wake_at_covers_settle_schedule_and_overdue():
    d = Driver(make_config())
    step = d.up("eth0", jst("2026-06-08 16:00:00"))
    assert step.wake_at == jst("2026-06-08 16:00:02")  # settle
    step = d.feed(Tick(), jst("2026-06-08 16:00:02"))
    assert step.wake_at == jst("2026-06-08 17:15:00")  # maintenance ends
    d.advance(jst("2026-06-08 17:15:00"))
    assert d.wake_at == jst("2026-06-08 18:00:00")  # overdue (2h)
    d.advance(jst("2026-06-08 18:00:00"))
    assert d.wake_at == jst("2026-06-08 18:30:00")  # first reminder


def test_tick_at_any_time_is_harmless():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))
    d.advance(jst("2026-06-07 18:05:00"))
    for t in ("2026-06-07 18:05:00", "2026-06-07 18:05:00", "2026-06-07 18:05:01"):
        before = d.state
        step = d.feed(Tick(), jst(t))
        assert step.effects == ()
        assert step.state.session == before.session
        assert step.state.pattern is before.pattern


def test_tick_while_idle_does_nothing_and_asks_for_no_wake_up():
    engine = Engine(make_config(), schedule_of(make_config()))
    step = engine.step(engine.initial(), Tick(), jst("2026-06-08 10:00:00"))
    assert step.effects == ()
    assert step.wake_at is None
    assert step.state == engine.initial()


def test_a_naive_now_is_refused():
    engine = Engine(make_config(), schedule_of(make_config()))
    with pytest.raises(ValueError, match="aware"):
        engine.step(engine.initial(), Tick(), datetime(2026, 6, 8, 10, 0))


def test_settle_zero_alerts_and_closes_at_once():
    d = Driver(make_config(settle="0s"))
    d.up("eth0", jst("2026-06-07 18:00:00"))
    assert d.alert_keys() == [(CLINIC, 0, jst("2026-06-07 18:00:00"))]
    d.down("eth0", jst("2026-06-07 18:01:00"))
    assert [s.ended_at for s in d.closed] == [jst("2026-06-07 18:01:00")]
    assert [a.kind for a in d.alerts] == [CLINIC, RESOLVED]


# ----------------------------------------------------------------------------- permits


def test_after_the_fact_permit_links_to_the_open_session_and_ends_the_warning():
    d = Driver(make_config(require_permit=True))
    d.up("eth0", jst("2026-06-08 10:00:00"))
    d.advance(jst("2026-06-08 10:01:00"))
    assert d.state.pattern is Pattern.WARN
    p = replace(permit(jst("2026-06-08 10:02:00")), after_the_fact=True)
    step = d.grant(p, jst("2026-06-08 10:02:00"))
    changed = [e for e in step.effects if isinstance(e, SessionChanged)]
    assert [c.reason for c in changed] == ["permit linked"]
    assert d.state.session.permit == p
    assert d.state.pattern is Pattern.ON
    # The history keeps that it started without one.
    assert d.state.session.verdicts == (Verdict.NO_PERMIT,)
    assert [a.kind for a in d.alerts] == [NO_PERMIT]


def test_a_permit_granted_during_a_permitted_session_waits_for_the_next_one():
    d = Driver(make_config())
    first = permit(jst("2026-06-08 09:55:00"), pid=1)
    second = permit(jst("2026-06-08 10:10:00"), pid=2)
    d.grant(first, jst("2026-06-08 09:55:00"))
    d.up("eth0", jst("2026-06-08 10:00:00"))
    d.grant(second, jst("2026-06-08 10:10:00"))
    assert d.state.session.permit == first
    assert d.state.pending_permits == (second,)
    d.down("eth0", jst("2026-06-08 10:20:00"))
    d.up("eth0", jst("2026-06-08 10:30:00"))
    assert d.state.session.permit == second
    assert d.state.pending_permits == ()


def test_granting_the_same_permit_twice_links_it_once():
    d = Driver(make_config())
    p = permit(jst("2026-06-08 09:55:00"))
    d.grant(p, jst("2026-06-08 09:55:00"))
    step = d.grant(p, jst("2026-06-08 09:56:00"))
    assert step.effects == ()
    assert d.state.pending_permits == (p,)


# ----------------------------------------------------------------------------- acknowledge


def test_acknowledge_silences_the_buzzer_and_a_new_alarm_sounds_again():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))
    d.advance(jst("2026-06-07 18:01:00"))
    step = d.ack(jst("2026-06-07 18:01:00"))
    assert [(e.pattern, e.silenced) for e in step.effects if isinstance(e, PatternChanged)] == [
        (Pattern.ALARM, True)
    ]
    [buzzer] = [e for e in step.effects if isinstance(e, Transition)]
    assert (buzzer.entity, buzzer.old, buzzer.new) == ("buzzer", "sounding", "silenced")
    assert "kenko" in buzzer.reason
    assert d.ack(jst("2026-06-07 18:01:05")).effects == ()  # already silenced
    d.down("eth0", jst("2026-06-07 18:10:00"))
    d.advance(jst("2026-06-07 18:20:00"))
    step = d.up("eth0", jst("2026-06-07 18:20:00"))
    assert [(e.pattern, e.silenced) for e in step.effects if isinstance(e, PatternChanged)] == [
        (Pattern.ALARM, False)
    ]
    d.advance(jst("2026-06-07 18:21:00"))
    assert [a.kind for a in d.alerts] == [CLINIC, RESOLVED, CLINIC]


def test_acknowledge_without_a_connection_does_nothing():
    d = Driver(make_config())
    assert d.ack(jst("2026-06-08 10:01:00")).effects == ()
    assert d.state.silenced is False and d.state.acked is False


def _patterns(step) -> list[tuple[Pattern, bool]]:
    return [(e.pattern, e.silenced) for e in step.effects if isinstance(e, PatternChanged)]


@pytest.mark.parametrize("source", ["cli", "box button", "gpio button"])
def test_an_ack_inside_settle_keeps_the_buzzer_silent_for_the_clinic_hours_alarm(source):
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))  # clinic hours: the lamp clicks, the alarm
    step = d.feed(Acknowledged(by="", source=source), jst("2026-06-07 18:00:01"))  # in settle
    assert _patterns(step) == [(Pattern.ALARM, True)]
    [buzzer] = [e for e in step.effects if isinstance(e, Transition)]
    assert (buzzer.entity, buzzer.old, buzzer.new) == ("buzzer", "sounding", "silenced")
    assert source in buzzer.reason
    before = len(d.log)
    d.feed(Tick(), jst("2026-06-07 18:00:05"))  # settled: the clinic-hours alert
    assert [a.kind for a in d.alerts] == [CLINIC]
    later = [p for r in d.log[before:] for p in _patterns(r.step)]
    assert later == []  # no (ALARM, False): the buzzer stays silent
    assert d.state.silenced is True
    # Recorded once: a second press in the same session is no new acknowledgement.
    assert d.feed(Acknowledged(by="", source=source), jst("2026-06-07 18:00:06")).effects == ()


def test_an_ack_while_online_holds_for_the_clinic_hours_alarm_that_begins_later():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 16:50:00"))  # Sunday, off-hours: a warning, no alarm
    step = d.ack(jst("2026-06-07 16:51:00"))
    [buzzer] = [e for e in step.effects if isinstance(e, Transition)]
    assert (buzzer.old, buzzer.new) == (None, "silenced")
    before = len(d.log)
    d.feed(Tick(), jst("2026-06-07 17:00:30"))  # clinic hours begin in the session
    later = [p for r in d.log[before:] for p in _patterns(r.step)]
    assert later == [(Pattern.ALARM, True)]  # the alarm, silent from the start
    assert CLINIC in [a.kind for a in d.alerts]


def test_a_new_session_after_an_ack_sounds_again():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))
    d.ack(jst("2026-06-07 18:00:01"))
    d.down("eth0", jst("2026-06-07 18:00:10"))
    d.advance(jst("2026-06-07 18:00:20"))  # closed
    step = d.up("eth0", jst("2026-06-07 18:05:00"))
    assert _patterns(step) == [(Pattern.ALARM, False)]
    assert d.state.acked is False


def test_silence_holds_while_the_same_session_flaps():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))
    d.advance(jst("2026-06-07 18:01:00"))
    d.ack(jst("2026-06-07 18:01:00"))
    d.down("eth0", jst("2026-06-07 18:02:00"))
    step = d.up("eth0", jst("2026-06-07 18:02:01"))
    assert [(e.pattern, e.silenced) for e in step.effects if isinstance(e, PatternChanged)] == [
        (Pattern.ALARM, True)
    ]


# ----------------------------------------------------------------------------- restore


def _restored_overdue_session() -> Session:
    start = jst("2026-06-08 09:00:00").astimezone(UTC)
    return Session(
        id=session_id(start),
        started_at=start,
        interfaces=frozenset({"eth0"}),
        periods=frozenset({Period.MAINTENANCE}),
        verdicts=(Verdict.OVERDUE,),
        alerts=(
            AlertRecord(OVERDUE, 0, jst("2026-06-08 11:00:00")),
            AlertRecord(OVERDUE, 1, jst("2026-06-08 11:30:00")),
        ),
    )


def test_a_restored_session_raises_nothing_twice_and_reminders_continue():
    d = Driver(make_config())
    s = _restored_overdue_session()
    d.feed(Restored(s, last_seen=jst("2026-06-08 11:40:00")), jst("2026-06-08 11:40:05"))
    d.up("eth0", jst("2026-06-08 11:40:06"))
    d.feed(Synced(), jst("2026-06-08 11:40:06"))
    assert d.alerts == []
    assert d.state.session.id == s.id
    assert d.state.session.started_at == s.started_at
    assert d.wake_at == jst("2026-06-08 12:00:00")
    d.advance(jst("2026-06-08 12:40:00"))
    assert d.alert_keys() == [
        (OVERDUE, 2, jst("2026-06-08 12:00:00")),
        (OVERDUE, 3, jst("2026-06-08 12:30:00")),
    ]
    assert d.opened == []


def test_a_restored_clinic_session_does_not_alert_again():
    d = Driver(make_config())
    start = jst("2026-06-07 18:00:00").astimezone(UTC)
    s = Session(
        id=session_id(start),
        started_at=start,
        interfaces=frozenset({"eth0"}),
        periods=frozenset({Period.CLINIC}),
        verdicts=(Verdict.CLINIC_HOURS,),
        alerts=(AlertRecord(CLINIC, 0, jst("2026-06-07 18:00:02")),),
    )
    d.feed(Restored(s, last_seen=jst("2026-06-07 18:05:00")), jst("2026-06-07 18:05:03"))
    d.up("eth0", jst("2026-06-07 18:05:04"))
    d.feed(Synced(), jst("2026-06-07 18:05:04"))
    d.advance(jst("2026-06-07 18:30:00"))
    assert d.alerts == []
    assert d.state.pattern is Pattern.ALARM


def test_restored_session_with_no_link_after_sync_is_closed_as_recovered():
    d = Driver(make_config())
    s = _restored_overdue_session()
    d.feed(Restored(s, last_seen=jst("2026-06-08 11:40:00")), jst("2026-06-08 13:00:00"))
    d.down("eth0", jst("2026-06-08 13:00:00"))  # the dump says: down
    step = d.feed(Synced(), jst("2026-06-08 13:00:00"))
    [closed] = [e.session for e in step.effects if isinstance(e, SessionClosed)]
    assert closed.end_reason is EndReason.RECOVERED
    assert closed.ended_at == jst("2026-06-08 11:40:00")
    assert d.alert_keys() == [(RESOLVED, 0, jst("2026-06-08 13:00:00"))]
    assert d.alerts[0].session == closed
    assert d.state.session is None and d.wake_at is None


def test_restored_session_without_alerts_closes_without_resolved():
    d = Driver(make_config())
    start = jst("2026-06-08 10:00:00").astimezone(UTC)
    s = Session(
        id=session_id(start),
        started_at=start,
        interfaces=frozenset({"eth0"}),
        periods=frozenset({Period.MAINTENANCE}),
    )
    d.feed(Synced(), jst("2026-06-08 10:30:00"))  # Synced first: Restored then closes at once
    step = d.feed(Restored(s, last_seen=jst("2026-06-08 10:20:00")), jst("2026-06-08 10:30:00"))
    assert [type(e) for e in step.effects] == [SessionClosed]
    assert step.effects[0].session.ended_at == jst("2026-06-08 10:20:00")
    assert d.alerts == []


def test_restored_session_counts_the_periods_the_monitor_missed():
    d = Driver(make_config())
    start = jst("2026-06-08 17:00:00").astimezone(UTC)
    s = Session(
        id=session_id(start),
        started_at=start,
        interfaces=frozenset({"eth0"}),
        periods=frozenset({Period.MAINTENANCE}),
    )
    d.feed(Restored(s, last_seen=jst("2026-06-08 17:10:00")), jst("2026-06-08 17:20:00"))
    d.up("eth0", jst("2026-06-08 17:20:00"))
    d.feed(Synced(), jst("2026-06-08 17:20:00"))
    assert d.state.session.periods == {Period.MAINTENANCE, Period.OFF_HOURS}
    assert d.alert_keys() == [(OUTSIDE, 0, jst("2026-06-08 17:20:00"))]


def test_restored_is_ignored_while_a_session_is_open():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 10:00:00"))
    own = d.state.session
    step = d.feed(
        Restored(_restored_overdue_session(), jst("2026-06-08 09:59:00")),
        jst("2026-06-08 10:00:01"),
    )
    assert step.effects == ()
    assert d.state.session == own


def test_unknown_inputs_are_refused():
    engine = Engine(make_config(), schedule_of(make_config()))
    with pytest.raises(TypeError):
        engine.step(engine.initial(), object(), jst("2026-06-08 10:00:00"))


def test_removed_interface_counts_as_offline():
    d = Driver(make_config())
    d.up("usb0", jst("2026-06-08 10:00:00"))
    gone = link("usb0", True, jst("2026-06-08 10:05:00"), present=False)
    step = d.feed(gone, jst("2026-06-08 10:05:00"))
    assert d.state.online == frozenset()
    assert d.state.pattern is Pattern.OFF
    [t] = [e for e in step.effects if isinstance(e, Transition) and e.entity == "machine"]
    assert t.reason == "usb0 removed"


def test_a_reminder_due_during_a_brief_drop_keeps_its_spacing():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 09:00:00"))
    d.advance(jst("2026-06-08 11:29:59"))
    d.down("eth0", jst("2026-06-08 11:29:59"))
    d.up("eth0", jst("2026-06-08 11:30:00.500"))
    assert d.alert_keys() == [
        (OVERDUE, 0, jst("2026-06-08 11:00:00")),
        (OVERDUE, 1, jst("2026-06-08 11:30:00")),
    ]
    assert len(d.opened) == 1


def test_a_wiggle_never_settles_even_when_its_session_outlives_settle():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-07 18:00:00"))
    d.down("eth0", jst("2026-06-07 18:00:01"))  # settle deadline 18:00:02 passes offline
    d.advance(jst("2026-06-07 18:00:05"))
    assert d.alerts == []
    assert [s.ended_at for s in d.closed] == [jst("2026-06-07 18:00:01")]


def test_verdicts_read_as_a_history_and_a_wiggle_keeps_none():
    d = Driver(make_config())
    d.up("eth0", jst("2026-06-08 16:00:00"))
    d.advance(jst("2026-06-08 18:05:00"))
    s = d.state.session
    assert s.verdicts == (Verdict.PERMITTED, Verdict.OUTSIDE_WINDOW, Verdict.OVERDUE)
    assert s.worst is Verdict.OUTSIDE_WINDOW
    verdicts = [(t.old, t.new) for t in d.of(Transition) if t.entity == f"session:{s.id}"]
    assert verdicts == [(None, "permitted"), ("permitted", "outside-window")]
    d.down("eth0", jst("2026-06-08 18:05:00"))
    d.up("eth0", jst("2026-06-08 18:10:00"))
    d.down("eth0", jst("2026-06-08 18:10:01"))
    d.advance(jst("2026-06-08 18:20:00"))
    assert [c.verdicts for c in d.closed][1] == ()
