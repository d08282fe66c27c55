"""The real ``Daemon`` in this process under a wall clock the test sets (the parts'
``Clock`` seam: monotonic time is real), issue 13:

- the clock set back two hours during a session and forward again: each jump is a
  ``clock`` transition (old and new wall time), a ``monitor`` alert and in
  ``status``; the session's stored duration is what passed, never negative;
- an acknowledgement inside ``link.settle`` keeps the buzzer silent for the
  clinic-hours alarm raised at settle (the CLI and the button alike), recorded once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.control import request
from monitor.domain.enums import Pattern
from monitor.reports.status import format_status_report
from tests.support.daemon_parts import FAST, Running, config_text, rig, until


def rows(store: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute(sql).fetchall()


async def ask(socket: Path, payload: dict) -> dict:
    return await asyncio.to_thread(request, socket, payload, timeout=5)


def test_a_clock_set_back_and_forward_during_a_session_is_recorded_and_no_duration_is_negative(
    tmp_path,
):
    r = rig(tmp_path)
    jumps = r.daemon.jumps.jumps

    async def scenario():
        async with Running(r):
            began = time.monotonic()
            r.links.plug()
            await until(lambda: any("clinic" in t.lower() for t in r.mailbox.titles()), 5, "mail")
            r.clock.jump(timedelta(hours=-2))  # someone sets the clock back
            await until(lambda: len(jumps) == 1, 2, "the jump back is seen")
            r.links.unplug()  # the session ends while the clock is two hours behind
            await until(
                lambda: rows(r.store, "SELECT duration_s FROM sessions WHERE ended_at IS NOT NULL"),
                2,
                "the session closes",
            )
            took = time.monotonic() - began
            r.clock.jump(timedelta(hours=2))  # and forward again
            await until(lambda: len(jumps) == 2, 2, "the jump forward is seen")
            status = await ask(r.socket, {"cmd": "status"})
            # Six mails, one a second (the worker's pace): started, clinic-hours, the
            # jump back, outside-window, resolved, the jump forward.
            await until(
                lambda: sum("clock was changed" in b for b in mails_now(r)) == 2, 10, "two mails"
            )
            return took, status, mails_now(r)

    def mails_now(r):
        return [body for title, body, _ in r.mailbox.mails if title.startswith("[monitor]")]

    took, status, _ = asyncio.run(scenario())
    [(duration,)] = rows(r.store, "SELECT duration_s FROM sessions")
    assert 0 <= duration <= took + 0.5, duration  # what passed, not -7,200 s
    back, forward = rows(
        r.store, "SELECT old, new, reason FROM transitions WHERE entity = 'clock' ORDER BY id"
    )
    assert back[1] < back[0] and "-7200 s" in back[2]  # new wall time two hours before old
    assert forward[1] > forward[0] and "+7200 s" in forward[2]
    assert status["clock_jumps"]["jumps"] == 2 and status["clock_jumps"]["last_jump"][
        "by_s"
    ] == pytest.approx(7200, abs=2)
    assert all(d >= 0 for (d,) in rows(r.store, "SELECT duration_s FROM alert_attempts"))
    text = format_status_report(status, "en", ZoneInfo("Asia/Tokyo"))
    assert "Clock changed 2 time(s) (last: +7200 s)" in text


@pytest.mark.parametrize("source", ["cli", "button"])
def test_an_ack_inside_settle_keeps_the_buzzer_silent_for_the_clinic_hours_alarm(tmp_path, source):
    text = config_text(tmp_path).replace('settle = "0s"', 'settle = "60s"')
    r = rig(tmp_path, text, timing=replace(FAST, max_sleep=0.05))  # timers see the clock

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the lamp clicks: the alarm")
            # At once, inside link.settle: no clinic-hours alert is raised yet.
            if source == "cli":
                assert (await ask(r.socket, {"cmd": "ack"}))["silenced"] is True
            else:
                await asyncio.to_thread(r.lamp.hooks.on_ack, "button")
            await until(lambda: r.lamp.shown[-1] == (Pattern.ALARM, True), 2, "silenced")
            acked_at = len(r.lamp.shown)
            assert not any("clinic" in t.lower() for t in r.mailbox.titles())
            r.clock.advance(timedelta(seconds=61))  # settled: the clinic-hours alarm
            await until(lambda: any("clinic" in t.lower() for t in r.mailbox.titles()), 5, "mail")
            await asyncio.sleep(0.2)
            # The buzzer never sounded again.
            assert (Pattern.ALARM, False) not in r.lamp.shown[acked_at:]
            assert r.daemon.state.silenced is True
            if source == "cli":  # a second ack is no new one
                assert (await ask(r.socket, {"cmd": "ack"}))["silenced"] is False
            else:
                await asyncio.to_thread(r.lamp.hooks.on_ack, "button")
            await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert len(rows(r.store, "SELECT id FROM acks")) == 1  # recorded once
