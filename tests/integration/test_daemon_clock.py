"""Clock trust (issue 15): the kernel's word on the clock (``adjtimex``) recorded at
each session start and end, a note in a session started on an unsynchronised clock
and in its mails, and a critical alert when the clock is behind the register."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from monitor.domain.clock import ClockReading
from monitor.register import Register
from monitor.timesync import read_clock
from tests.support.daemon_parts import Running, rig, until


def run(coro) -> None:
    asyncio.run(coro)


def clock_checks(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.clock_checks()


def sessions(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.sessions()


def monitor_alerts(store: Path) -> list[tuple[str, str]]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [
            (str(r.severity), r.body)
            for r in reg.outbox(include_delivered=True)
            if str(r.kind) == "monitor"
        ]


def test_the_kernel_is_asked_through_adjtimex_without_privilege_or_network():
    reading = read_clock()
    assert isinstance(reading.synchronised, bool)  # Linux answers: never "unknown" here
    assert reading.est_error_s is not None and reading.max_error_s is not None
    assert 0 <= reading.est_error_s <= reading.max_error_s


def test_a_session_on_an_unsynchronised_clock_is_noted_recorded_and_mailed(tmp_path):
    unsynced = ClockReading(False, 16.0, 16.0)
    r = rig(tmp_path, clock_reading=lambda: unsynced)

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: sessions(r.store), 2, "a session is opened")
            await until(lambda: r.mailbox.titles()[1:], 5, "the clinic-hours mail")
            r.clock.jump(timedelta(minutes=5))  # the wall clock moves, monotonic not
            r.links.unplug()
            await until(lambda: sessions(r.store)[0].ended_at, 2, "the session closes")

    run(scenario())
    [s] = sessions(r.store)
    assert s.clock_note == "unsynchronised 16"
    [(_, body, _)] = [m for m in r.mailbox.mails if "[clinic-hours]" in m[0]]
    assert (
        "Clock: not synchronised when the connection started (estimated error 16 s): times "
        "and period verdicts may be off"
    ) in body
    checks = clock_checks(r.store)
    assert [(c.event, c.session_id) for c in checks] == [
        ("start", None),
        ("session-start", s.id),
        ("session-end", s.id),
    ]
    assert all(c.reading == unsynced for c in checks)
    assert checks[0].jump_s is None
    assert checks[2].jump_s is not None and 290 < checks[2].jump_s <= 300  # +5 min of wall


def test_a_session_on_a_synchronised_clock_has_no_note(tmp_path):
    r = rig(tmp_path, clock_reading=lambda: ClockReading(True, 0.002, 0.1))

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.mailbox.titles()[1:], 5, "the clinic-hours mail")

    run(scenario())
    [s] = sessions(r.store)
    assert s.clock_note is None
    assert all("Clock:" not in body for _, body, _ in r.mailbox.mails)
    assert [c.reading.synchronised for c in clock_checks(r.store)] == [True, True]


def test_a_clock_earlier_than_the_registers_newest_record_is_a_critical_alert(tmp_path):
    first = rig(tmp_path)

    async def running(r):
        async with Running(r):
            await until(lambda: r.mailbox.mails, 5, "the start notice")

    run(running(first))
    first.clock.advance(timedelta(hours=-3))  # the clock was set back (or the RTC lost it)
    second = rig(tmp_path, clock=first.clock)
    run(running(second))
    alerts = monitor_alerts(second.store)
    [(severity, body)] = [a for a in alerts if "earlier than the register" in a[1]]
    assert severity == "critical"
    assert "The PC's clock is earlier than the register's newest record" in body
    assert "Check the monitor" in body
    # A clock that went forward is no alarm.
    first.clock.advance(timedelta(hours=6))
    third = rig(tmp_path, clock=first.clock)
    run(running(third))
    assert sum("earlier than the register" in b for _, b in monitor_alerts(third.store)) == 1
