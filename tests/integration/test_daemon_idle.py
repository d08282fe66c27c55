"""The real ``Daemon`` in this process while nothing happens: no register write while
no session is open (the alive mark instead), ``last_seen`` again once one is, the
send child got ready when a link comes up and let go when no alert came, and the
objects of start-up frozen out of the garbage collector's sight.

Real register (SQLite in tmp_path), real outbox worker; the watcher, lamp, sender
and clock are the test's (see tests/support/daemon_parts.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from monitor.compat import UTC
from monitor.register import Register, to_iso
from tests.integration.test_daemon_crash import crash_after, start_notice
from tests.support.daemon_parts import FAST, Running, rig, until


def stored_last_seen(store: Path) -> str | None:
    """The ``last_seen`` row itself (not the alive mark)."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'last_seen'").fetchone()
    return row[0] if row else None


def alive_mark(store: Path) -> datetime | None:
    path = store.with_name(store.name + ".alive")
    return datetime.fromtimestamp(path.stat().st_mtime, UTC) if path.exists() else None


def test_an_idle_daemon_writes_nothing_to_the_register_and_marks_itself_alive(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            await until(lambda: r.mailbox.titles(), 5, "the start notice sent")
            await until(lambda: r.daemon.status()["outbox"]["pending"] == 0, 5, "it recorded")
            with contextlib.closing(sqlite3.connect(r.store)) as watcher:
                version = watcher.execute("PRAGMA data_version").fetchone()[0]
                for _ in range(3):  # heartbeats, each past alive_every on the test's clock
                    r.clock.advance(timedelta(seconds=1))
                    await until(lambda: alive_mark(r.store) == r.clock.now(), 2, "the mark")
                # Another connection sees a new data_version after any commit.
                assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
            assert stored_last_seen(r.store) is None
            with contextlib.closing(Register.open_readonly(r.store)) as reg:
                assert reg.last_seen() == r.clock.now()  # the mark, for a blind interval

            r.links.plug()  # a session: last_seen is stored again (a crash ends it there)
            await until(lambda: r.daemon.state.session is not None, 2, "the session")
            r.clock.advance(timedelta(seconds=5))
            stamp = to_iso(r.clock.now())
            await until(lambda: stored_last_seen(r.store) == stamp, 2, "last_seen at a beat")

    asyncio.run(scenario())


def test_a_link_coming_up_gets_a_send_child_ready_and_lets_it_go_when_no_alert_comes(tmp_path):
    r = rig(tmp_path, timing=replace(FAST, warm_for=0.2))

    async def scenario():
        async with Running(r):
            assert r.mailbox.warmed == 0  # none while nothing is linked
            r.links.plug()
            await until(lambda: r.mailbox.warmed == 1, 2, "a child got ready at link-up")
            await until(lambda: r.mailbox.cooled >= 1, 3, "let go after warm_for")

    asyncio.run(scenario())


def test_the_objects_of_start_up_are_frozen_out_of_the_collector_once_ready(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            # READY follows the first link dump; the objects of start-up go with it.
            await until(lambda: gc.get_freeze_count() > 10_000, 5, "start-up frozen")

    asyncio.run(scenario())


def test_after_a_crash_while_idle_the_blind_interval_starts_at_the_alive_mark(tmp_path):
    first = rig(tmp_path)
    started = first.clock.now()

    async def idle_for_hours():
        async with Running(first):
            first.clock.advance(timedelta(hours=3))  # idle: only the mark follows
            await until(lambda: alive_mark(first.store) == first.clock.now(), 2, "the mark")

    asyncio.run(idle_for_hours())
    marked = first.clock.now()
    crash_after(first.store, started)  # last_seen as the idle run left it: its start
    first.clock.advance(timedelta(minutes=10))
    second = rig(tmp_path, clock=first.clock)

    async def restarted():
        async with Running(second):
            await until(lambda: second.mailbox.mails, 5, "the start notice is mailed")

    asyncio.run(restarted())
    assert second.daemon.continuity.blind == (marked, first.clock.now())
    _, body, severity = start_notice(second)
    assert severity == "warning" and "13:00:00 JST to" in body, body  # 10:00 + 3 h


def test_without_a_watchdog_a_session_brings_the_slow_idle_heartbeat_forward(tmp_path):
    r = rig(tmp_path, timing=replace(FAST, alive_every=3600.0))  # idle: a beat an hour

    async def scenario():
        async with Running(r):
            assert r.daemon.timers.heartbeat_interval() == 3600.0
            r.links.plug()
            await until(lambda: r.daemon.state.session is not None, 2, "the session")
            assert r.daemon.timers.heartbeat_interval() == FAST.heartbeat
            r.clock.advance(timedelta(seconds=5))
            stamp = to_iso(r.clock.now())
            await until(lambda: stored_last_seen(r.store) == stamp, 2, "a beat within seconds")

    asyncio.run(scenario())
