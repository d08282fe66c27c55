"""The real ``Daemon`` in this process, without root: a session from plug to unplug,
restore after a restart, permits and acknowledgements, and a clean shutdown.

Real register (SQLite in tmp_path), real outbox worker, real control socket; the
watcher is fed from a queue, the lamp and the sender record what they are given,
and the wall clock is the test's (see tests/support/daemon_parts.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from monitor.control import request
from monitor.domain.enums import AlertKind, Pattern
from monitor.register import Register
from tests.support.daemon_parts import FAST, Running, rig, until


def run(coro) -> None:
    asyncio.run(coro)


def outbox(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.outbox(include_delivered=True)


def kinds(store: Path) -> list[str]:
    return [str(r.kind) for r in outbox(store)]


def sessions(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.sessions()


def acks(store: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT by, source, session_id FROM acks ORDER BY id").fetchall()


def last_seen(store: Path):
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.last_seen()


async def ask(socket: Path, payload: dict) -> dict:
    return await asyncio.to_thread(request, socket, payload, timeout=5)


def test_a_cable_plugged_in_clinic_hours_sounds_the_alarm_records_the_session_and_mails(tmp_path):
    r = rig(tmp_path)
    r.counters["eth0"] = (1000, 5000)

    async def scenario():
        async with Running(r):
            assert r.lamp.patterns == []
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the lamp sounds the alarm")
            [open_] = sessions(r.store)
            assert open_.ended_at is None and open_.interfaces == frozenset({"eth0"})
            await until(
                lambda: any("clinic" in t.lower() for t in r.mailbox.titles()),
                5,
                "the clinic-hours alert is mailed",
            )
            status = await ask(r.socket, {"cmd": "status"})
            assert status["pattern"] == "alarm" and status["online"] is True
            assert status["session"]["id"] == open_.id
            assert status["interfaces"]["eth0"]["state"] == "online"

            r.counters["eth0"] = (1000 + 300, 5000 + 7000)
            r.clock.advance(timedelta(minutes=3))
            r.links.unplug()
            await until(lambda: r.lamp.patterns[-1:] == ["off"], 2, "the lamp goes off")
            [closed] = await until(
                lambda: [s for s in sessions(r.store) if s.ended_at],
                2,
                "the session is closed in the register",
            )
            assert (closed.bytes_sent, closed.bytes_received) == (300, 7000)
            assert closed.ended_at == r.clock.now()

    run(scenario())
    assert kinds(r.store).count(str(AlertKind.CLINIC_HOURS)) == 1
    assert r.lamp.closed


def test_a_restarted_daemon_continues_the_open_session_without_alerting_twice(tmp_path):
    first = rig(tmp_path)
    first.counters["eth0"] = (0, 0)

    async def before_restart():
        async with Running(first):
            first.links.plug()
            await until(lambda: sessions(first.store), 2, "a session is opened")
            await until(lambda: first.mailbox.mails, 5, "the alert is mailed")
            first.counters["eth0"] = (40, 60)
            first.clock.advance(timedelta(minutes=1))
        return sessions(first.store)[0]

    before = asyncio.run(before_restart())
    assert before.ended_at is None and before.last_seen == first.clock.now()
    assert (before.bytes_sent, before.bytes_received) == (0, 0)

    second = rig(tmp_path, clock=first.clock)
    second.links.present = dict(first.links.present)  # still plugged in
    second.counters["eth0"] = (500, 500)  # the counters after the restart

    async def after_restart():
        async with Running(second):
            await until(lambda: second.lamp.patterns == ["alarm"], 2, "the alarm again")
            assert second.daemon.state.session.id == before.id
            second.clock.advance(timedelta(minutes=1))
            second.counters["eth0"] = (510, 530)
            second.links.unplug()
            await until(lambda: sessions(second.store)[0].ended_at, 2, "the session closes")

    run(after_restart())
    [after] = sessions(second.store)
    assert after.id == before.id
    # The session's baselines survive the restart (issue 15): the counters went on
    # (same boot), so every byte since the session started counts, not only since the
    # restart (10, 30).
    assert (after.bytes_sent, after.bytes_received) == (510, 530)
    assert kinds(second.store).count(str(AlertKind.CLINIC_HOURS)) == 1  # no second alert


def test_a_session_whose_cable_was_pulled_while_stopped_closes_at_its_last_seen(tmp_path):
    first = rig(tmp_path)

    async def plugged():
        async with Running(first):
            first.links.plug()
            await until(lambda: sessions(first.store), 2, "a session is opened")

    run(plugged())
    stopped_at = first.clock.now()
    clock = first.clock
    clock.advance(timedelta(hours=2))
    second = rig(tmp_path, clock=clock)  # nothing plugged in any more

    async def unplugged():
        async with Running(second):
            await until(lambda: sessions(second.store)[0].ended_at, 2, "the session closes")

    run(unplugged())
    [s] = sessions(second.store)
    assert s.ended_at == stopped_at
    assert second.lamp.patterns in (["off"], [])


def test_a_permit_granted_over_the_socket_is_recorded_and_covers_a_maintenance_connection(tmp_path):
    # 14:00 in Tokyo: inside the maintenance window 13:00-17:00.
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))

    async def scenario():
        async with Running(r):
            reply = await ask(
                r.socket,
                {
                    "cmd": "permit",
                    "purpose": "fee-update",
                    "company": "ACME",
                    "staff": "Sato",
                    "for": "1h",
                },
            )
            assert reply["ok"] and reply["session"] is None
            assert reply["permit"]["company"] == "ACME"
            with contextlib.closing(Register.open_readonly(r.store)) as reg:
                [permit] = reg.permits()
            assert permit.staff == "Sato" and permit.expected == timedelta(hours=1)
            status = await ask(r.socket, {"cmd": "status"})
            assert [p["id"] for p in status["pending_permits"]] == [permit.id]

            r.links.plug()
            await until(lambda: r.lamp.patterns == ["on"], 2, "a steady lamp: permitted")
            [s] = sessions(r.store)
            assert s.permit is not None and s.permit.id == permit.id

    run(scenario())
    assert str(AlertKind.NO_PERMIT) not in kinds(r.store)


def test_a_restarted_daemon_re_arms_a_valid_permit(tmp_path):
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))

    async def grant():
        async with Running(r):
            await ask(
                r.socket,
                {
                    "cmd": "permit",
                    "purpose": "other",
                    "company": "ACME",
                    "staff": "Sato",
                    "for": "2h",
                    "note": "a test",
                },
            )

    run(grant())
    again = rig(tmp_path, clock=r.clock)

    async def plug():
        async with Running(again):
            assert len(again.daemon.state.pending_permits) == 1
            again.links.plug()
            await until(lambda: again.lamp.patterns == ["on"], 2, "permitted")

    run(plug())


def test_the_alarm_is_acknowledged_over_the_socket_and_by_the_button(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            reply = await ask(r.socket, {"cmd": "ack"})
            assert reply["silenced"] is False  # nothing sounding
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the alarm")
            reply = await ask(r.socket, {"cmd": "ack"})
            assert reply["silenced"] is True and reply["pattern"] == "alarm"
            assert r.lamp.shown[-1] == (Pattern.ALARM, True)
            sid = r.daemon.state.session.id
            await until(lambda: acks(r.store), 2, "the acknowledgement is recorded")
            assert acks(r.store)[0][1:] == ("cli", sid)
            assert (await ask(r.socket, {"cmd": "status"}))["silenced"] is True

            r.clock.advance(timedelta(minutes=1))
            r.links.unplug()
            await until(lambda: r.lamp.patterns[-1] == "off", 2, "off")
            r.clock.advance(timedelta(minutes=1))  # a new session: a new id
            r.links.plug()
            await until(lambda: r.lamp.shown[-1] == (Pattern.ALARM, False), 2, "a new alarm")
            # The button, from the indicator's own thread.
            await asyncio.to_thread(r.lamp.hooks.on_ack, "button")
            await until(lambda: len(acks(r.store)) == 2, 2, "the button's ack is recorded")
            assert acks(r.store)[1][:2] == ("button", "button")

    run(scenario())


def test_stopping_leaves_the_session_open_mails_stopped_and_releases_every_part(tmp_path):
    r = rig(tmp_path)
    running = Running(r)

    async def scenario():
        async with running:
            r.links.plug()
            await until(lambda: sessions(r.store), 2, "a session")
            assert r.lamp.heartbeat
            r.clock.advance(timedelta(seconds=30))

    run(scenario())
    assert running.code == 0
    [s] = sessions(r.store)
    assert s.ended_at is None and s.last_seen == r.clock.now()
    title, body, _ = r.mailbox.mails[-1]  # mailed in the grace period before the exit
    assert title.startswith("[monitor]") and "stopped" in body, body
    assert r.mailbox.killed and r.lamp.closed and not r.lamp.heartbeat
    assert not r.socket.exists()
    with contextlib.closing(Register.open_readonly(r.store)) as reg:
        assert reg.last_seen() == r.clock.now()


def test_a_timer_that_sleeps_past_a_clock_jump_still_wakes_the_engine_and_heartbeats(tmp_path):
    # Timers sleep at most max_sleep: a wall clock that jumps is caught by the next one.
    r = rig(tmp_path, timing=replace(FAST, max_sleep=0.05))

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the alarm")
            wake_at = r.daemon.rt.wake_at
            assert wake_at is not None and wake_at > r.clock.now()
            r.clock.advance(timedelta(hours=2, minutes=30))  # 12:30: clinic hours are over
            await until(
                lambda: r.daemon.rt.wake_at > r.clock.now(),
                2,
                "the engine woke up and asked for its next wake-up",
            )
            assert r.daemon.rt.wake_at > wake_at
            status = await ask(r.socket, {"cmd": "status"})
            assert status["period"] == "off-hours"
            assert status["pattern"] == "alarm"  # the session touched clinic hours
            await until(
                lambda: last_seen(r.store) == r.clock.now(), 2, "last_seen stored by the heartbeat"
            )

    run(scenario())
