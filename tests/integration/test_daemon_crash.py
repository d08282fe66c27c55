"""A crash is a fact people read (issue 15): the real ``Daemon`` in this process.

A process cannot kill -9 itself here; a crash leaves the register as a clean stop
does, except that no clean stop is recorded after the last heartbeat (and the open
session keeps the last_seen of its last write). ``crash_after`` makes exactly that
register, from a clean run, with SQL on the unchained ``meta`` table. The e2e test
``test_daemon_e2e.py`` kills a real daemon with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta
from pathlib import Path

from monitor.compat import UTC
from monitor.register import Register, to_iso
from monitor.reports.export import export_rows
from monitor.reports.log import log_table
from tests.support.daemon_parts import Running, rig, until

HEARTBEAT = timedelta(seconds=20)  # the crash: this long after the last heartbeat


def run(coro) -> None:
    asyncio.run(coro)


def sessions(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.sessions()


def crash_after(store: Path, heartbeat) -> None:
    """Make the register a crash at ``heartbeat`` would have left: no clean stop."""
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        db.execute("DELETE FROM meta WHERE key = 'stopped_at'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'last_seen'", (to_iso(heartbeat),))


def start_notice(r) -> tuple[str, str, str]:
    return next(m for m in r.mailbox.mails if "[monitor]" in m[0] and "started" in m[1].lower())


def test_the_start_after_a_crash_says_so_with_the_blind_interval(tmp_path):
    first = rig(tmp_path)

    async def running():
        async with Running(first):
            await until(lambda: first.daemon.rt.synced, 2, "the first dump")

    run(running())
    heartbeat = first.clock.now()
    crash_after(first.store, heartbeat)
    restart = first.clock.advance(timedelta(minutes=59))
    second = rig(tmp_path, clock=first.clock)

    async def restarted():
        async with Running(second):
            await until(lambda: second.mailbox.mails, 5, "the start notice is mailed")

    run(restarted())
    _, body, severity = start_notice(second)
    assert severity == "warning"
    assert (
        "Monitoring started. The previous run did not stop cleanly (killed, power cut): "
        "connections could not be detected from 2026-03-04 (Wed) 10:00:00 JST to "
        "2026-03-04 (Wed) 10:59:00 JST."
    ) in body, body
    assert "No action is needed" not in body and "Check the monitor" in body
    assert restart - heartbeat == timedelta(minutes=59)


def test_the_start_after_a_clean_stop_is_a_plain_notice(tmp_path):
    first = rig(tmp_path)

    async def running(r):
        async with Running(r):
            await until(lambda: r.mailbox.mails, 5, "the start notice is mailed")

    run(running(first))
    first.clock.advance(timedelta(minutes=5))
    second = rig(tmp_path, clock=first.clock)
    run(running(second))
    _, body, severity = start_notice(second)
    assert severity == "info" and "did not stop cleanly" not in body


def test_a_session_that_ended_while_the_monitor_was_down_ends_between_two_times(tmp_path):
    first = rig(tmp_path)

    async def plugged():
        async with Running(first):
            first.links.plug()
            await until(lambda: sessions(first.store), 2, "a session is opened")
            first.clock.advance(timedelta(minutes=3))
            first.daemon._heartbeat()  # the last heartbeat before the crash
            await until(lambda: not len(first.daemon.writes), 2, "written")

    run(plugged())
    last_heartbeat = first.clock.now()
    crash_after(first.store, last_heartbeat)
    first.clock.advance(timedelta(hours=2))  # the cable was pulled meanwhile
    second = rig(tmp_path, clock=first.clock)

    async def unplugged():
        async with Running(second):
            await until(lambda: sessions(second.store)[0].ended_at, 2, "the session closes")
            await until(
                lambda: any("[resolved]" in t for t in second.mailbox.titles()), 5, "resolved"
            )

    run(unplugged())
    [s] = sessions(second.store)
    assert s.end_reason == "ended-while-monitor-down"
    assert (s.ended_at, s.ended_by) == (last_heartbeat, first.clock.now())
    [(_, body, _)] = [m for m in second.mailbox.mails if "[resolved]" in m[0]]
    assert (
        "Ended: between 2026-03-04 (Wed) 10:03:00 JST and 2026-03-04 (Wed) 12:03:00 JST (the "
        "monitor was down: the exact time is unknown)"
    ) in body, body
    assert body.startswith(
        "A network connection that raised an alert ended while the monitor was down (when "
        "and why is unknown)."
    )
    assert "Duration: at least 3m" in body
    assert "How it ended: ended while the monitor was down (exact time unknown)" in body
    assert "unplugged" not in body and "LAN cable" not in body
    table = log_table([s], {}, UTC)
    assert "01:03〜03:03の間" in table and "3分以上" in table
    table = log_table([s], {}, UTC, language="en")
    assert "between 01:03 and 03:03" in table and ">=3m" in table
    _, row = export_rows([s], {}, UTC, "en")
    assert "between 2026/03/04 01:03:00 and 2026/03/04 03:03:00" in row


def _session_bytes_after_a_crash(tmp_path, after_restart: tuple[int, int]) -> tuple[int, int]:
    first = rig(tmp_path)
    first.counters["eth0"] = (1000, 2000)

    async def plugged():
        async with Running(first):
            first.links.plug()
            await until(lambda: sessions(first.store), 2, "a session is opened")
            first.counters["eth0"] = (1040, 2060)  # 40 sent, 60 received
            first.clock.advance(timedelta(seconds=30))
            first.daemon._heartbeat()
            await until(lambda: not len(first.daemon.writes), 2, "written")

    run(plugged())
    crash_after(first.store, first.clock.now())
    first.clock.advance(timedelta(minutes=1))
    second = rig(tmp_path, clock=first.clock)
    second.links.present = dict(first.links.present)  # still plugged in
    second.counters["eth0"] = after_restart

    async def then_unplugged():
        async with Running(second):
            await until(lambda: second.lamp.patterns == ["alarm"], 2, "the session goes on")
            second.counters["eth0"] = (after_restart[0] + 10, after_restart[1] + 30)
            second.links.unplug()
            await until(lambda: sessions(second.store)[0].ended_at, 2, "the session closes")

    run(then_unplugged())
    [s] = sessions(second.store)
    return s.bytes_sent, s.bytes_received


def test_traffic_counted_before_a_crash_is_kept_when_the_counters_went_on(tmp_path):
    # Same boot: the counters went on (1100, 2100 at the restart); every byte since the
    # session started counts: 100 + 10 sent, 100 + 30 received. Before issue 15: (10, 30).
    assert _session_bytes_after_a_crash(tmp_path, (1100, 2100)) == (110, 130)


def test_traffic_counted_before_a_crash_is_kept_when_the_counters_started_again(tmp_path):
    # A reboot: the counters start again from (5, 5); what was counted before the crash
    # (40, 60) is carried and the rest counted from (5, 5).
    assert _session_bytes_after_a_crash(tmp_path, (5, 5)) == (50, 90)
