"""The real ``Daemon`` in this process, without root: faults and their backoff and
recovery (lamp, watcher, register), and a start-up that must refuse.

See tests/support/daemon_parts.py for the parts (real register, outbox worker and
control socket; a queue-fed watcher, a recording lamp and sender, the test's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path

from monitor.daemon import Fault, Timing
from monitor.errors import IndicatorError
from monitor.register import Register
from tests.support.daemon_parts import (
    Running,
    rig,
    until,
)


def run(coro) -> None:
    asyncio.run(coro)


def monitor_bodies(store: Path) -> list[str]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [r.body for r in reg.outbox(include_delivered=True) if str(r.kind) == "monitor"]


def link_events(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.link_events()


def fault(r, name: str) -> dict:
    return r.daemon.status()["monitor"]["faults"][name]


# ------------------------------------------------------------------------- faults


def test_a_fault_backs_off_doubling_up_to_its_limit_and_ends_at_the_next_success():
    f = Fault("register", Timing(backoff_first=1.0, backoff_max=4.0))
    assert f.failed(OSError("disk")) is True  # a new episode
    assert [f.failed(OSError("disk")) for _ in range(3)] == [False, False, False]
    assert f.delay == 4.0 and f.count == 4
    assert f.as_dict() == {"failing": True, "errors": 4, "last_error": "OSError: disk"}
    assert f.ok() is True and f.delay == 1.0
    assert f.ok() is False


def test_a_lamp_that_fails_is_alerted_once_retried_with_backoff_and_recovers(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            r.clock.advance(timedelta(seconds=1))  # a monitor alert of its own
            r.lamp.broken = True
            r.links.plug()
            await until(lambda: fault(r, "indicator")["errors"] >= 3, 3, "two retries")
            assert fault(r, "indicator")["failing"]
            assert "GPIO17 does not answer" in fault(r, "indicator")["last_error"]
            assert r.lamp.shown == []
            r.lamp.broken = False
            await until(lambda: r.lamp.patterns == ["alarm"], 3, "a retry shows the alarm")
            assert not fault(r, "indicator")["failing"]

    run(scenario())
    bodies = [b for b in monitor_bodies(r.store) if "GPIO17" in b]
    assert len(bodies) == 1  # one alert per episode
    failed = [m for m in caplog.messages if m.startswith("indicator failed to show")]
    assert len(failed) >= 3
    assert "indicator works again" in caplog.messages


def test_an_indicator_that_reports_itself_unreachable_is_a_fault_until_it_is_back(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            r.clock.advance(timedelta(seconds=1))  # a monitor alert of its own
            await asyncio.to_thread(r.lamp.hooks.on_fault, "the box does not answer")
            await until(lambda: fault(r, "indicator")["failing"], 2, "the fault")
            r.links.plug()
            await until(lambda: r.lamp.patterns[-1:] == ["alarm"], 2, "shown meanwhile")
            assert fault(r, "indicator")["failing"]  # a show is not the box coming back
            await asyncio.to_thread(r.lamp.hooks.on_restore, "the box is back")
            await until(lambda: not fault(r, "indicator")["failing"], 2, "the box is back")

    run(scenario())
    assert [b for b in monitor_bodies(r.store) if "the box does not answer" in b]


def test_a_watcher_that_fails_is_alerted_rebuilt_after_a_backoff_and_recovers(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    r = rig(tmp_path)
    r.links.fail_builds = 1  # the first watcher cannot even be built

    async def scenario():
        async with Running(r):
            assert r.links.built == 2 and not fault(r, "watcher")["failing"]
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the alarm")
            r.clock.advance(timedelta(seconds=1))  # a monitor alert of its own
            r.links.fail("netlink socket closed")
            await until(lambda: r.links.built == 3, 2, "a new watcher")
            await until(lambda: not fault(r, "watcher")["failing"], 2, "recovered")
            r.links.unplug()
            await until(lambda: r.lamp.patterns[-1:] == ["off"], 2, "the new one is followed")

    run(scenario())
    assert caplog.messages.count("watcher recovered") == 2
    # The failure at start shares the "started" alert's instant but not its key (a
    # monitor alert's key holds its detail code): both failures are alerted.
    bodies = [b for b in monitor_bodies(r.store) if "The network link cannot be watched" in b]
    assert len(bodies) == 2 and "netlink socket closed" in bodies[1]


def test_register_writes_that_fail_wait_in_order_and_are_written_when_it_works_again(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            # The register's file turns read-only (as a disk that failed does): every
            # write fails now, with SQLite's own error.
            db = r.daemon.rt.register._db
            db.execute("PRAGMA query_only = ON")
            r.clock.advance(timedelta(seconds=1))
            r.links.plug()
            await until(lambda: fault(r, "register")["failing"], 2, "the register fault")
            status = r.daemon.status()
            assert status["monitor"]["unsaved_writes"] >= 2
            await until(lambda: fault(r, "register")["errors"] >= 3, 3, "retried, backing off")
            db.execute("PRAGMA query_only = OFF")  # the disk is back
            await until(lambda: not fault(r, "register")["failing"], 3, "written at last")
            assert r.daemon.status()["monitor"]["unsaved_writes"] == 0

    run(scenario())
    [event] = link_events(r.store)
    assert event.interface == "eth0" and event.online
    [body] = [b for b in monitor_bodies(r.store) if "The register cannot be written" in b]
    assert "readonly database" in body


def test_an_open_session_that_cannot_be_read_at_start_is_a_register_fault(tmp_path):
    r = rig(tmp_path)
    parts = r.daemon.rt.parts
    real = parts.register

    def unreadable(config):
        register = real(config)
        register.close()  # opened, but nothing can be read from it
        return register

    parts.register = unreadable

    async def scenario():
        async with Running(r):
            assert fault(r, "register")["failing"]
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "monitoring goes on")

    run(scenario())


# ------------------------------------------------------------------------- start-up


def test_a_control_socket_path_that_is_not_a_socket_refuses_to_start(tmp_path, caplog):
    r = rig(tmp_path)
    r.socket.parent.mkdir(parents=True)
    r.socket.write_text("not a socket")
    assert asyncio.run(r.daemon.run()) == 1
    assert any(m.startswith("cannot start:") for m in caplog.messages)
    assert r.lamp.closed


def test_an_indicator_that_cannot_be_opened_refuses_to_start(tmp_path):
    r = rig(tmp_path)

    def no_gpio(config, hooks):
        raise IndicatorError('indicator kind "gpio": no GPIO')

    r.daemon.rt.parts.indicator = no_gpio
    assert asyncio.run(r.daemon.run()) == 1
    assert not r.socket.exists()


def test_an_alert_sender_that_cannot_be_built_refuses_to_start(tmp_path, caplog):
    r = rig(tmp_path)

    def no_sender(config):
        raise RuntimeError("no apprise")

    r.daemon.rt.parts.sender = no_sender
    assert asyncio.run(r.daemon.run()) == 1
    assert any("the alert sender" in m for m in caplog.messages)
    assert r.lamp.closed and not r.socket.exists()
