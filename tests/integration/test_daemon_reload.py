"""The real ``Daemon`` in this process, without root: reload (good and bad config,
over the socket and by SIGHUP), sd_notify, the holiday tables loaded ahead of New
Year, the real wiring, and logging for journald.

See tests/support/daemon_parts.py for the parts (real register, outbox worker and
control socket; a queue-fed watcher, a recording lamp and sender, the test's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.control import DaemonError, request
from monitor.daemon import Daemon
from monitor.daemon.wiring import load_checked
from monitor.domain.enums import Pattern
from monitor.register import Register
from monitor.sdnotify import SystemdNotifier
from tests.support.daemon_parts import (
    FAST,
    ManualClock,
    Running,
    config_text,
    rig,
    until,
)


def run(coro) -> None:
    asyncio.run(coro)


def monitor_bodies(store: Path) -> list[str]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [r.body for r in reg.outbox(include_delivered=True) if str(r.kind) == "monitor"]


async def ask(socket_path: Path, payload: dict) -> dict:
    return await asyncio.to_thread(request, socket_path, payload, timeout=30)


def fault(r, name: str) -> dict:
    return r.daemon.status()["monitor"]["faults"][name]


# ------------------------------------------------------------------------- reload


def test_a_good_config_reloaded_over_the_socket_is_in_force_at_once(tmp_path):
    r = rig(tmp_path)
    store = r.store

    async def scenario():
        async with Running(r):
            assert (await ask(r.socket, {"cmd": "status"}))["period"] == "clinic"
            # Clinic hours move to the afternoon, the register to another file.
            r.clock.advance(timedelta(seconds=1))  # a monitor alert of its own
            r.config_path.write_text(
                config_text(tmp_path, clinic="15:00-18:00", maintenance="09:00-12:00").replace(
                    "state/register.db", "state/other.db"
                )
            )
            reply = await ask(r.socket, {"cmd": "reload"})
            assert reply["reloaded"] == str(r.config_path)
            assert reply["restart_needed"] == ["store.path"]
            status = await ask(r.socket, {"cmd": "status"})
            assert status["period"] == "maintenance"
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["on"], 2, "maintenance: a steady lamp")
            assert r.holidays.ensured[-1] == [2025, 2026, 2027, 2028]

    run(scenario())
    assert any("reloaded" in b.lower() for b in monitor_bodies(store))


def test_a_bad_config_is_rejected_and_the_old_one_stays_in_force(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            r.config_path.write_text(config_text(tmp_path, clinic="25:00-26:00"))
            with pytest.raises(DaemonError):
                await ask(r.socket, {"cmd": "reload"})
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the old clinic hours")

    run(scenario())
    assert not any("reloaded" in b for b in monitor_bodies(r.store))


def test_sighup_reloads_through_the_real_loader_and_a_new_link_rule_rebuilds_the_watcher(tmp_path):
    r = rig(tmp_path, loader=load_checked)

    async def scenario():
        async with Running(r):
            built = r.links.built
            r.config_path.write_text(
                config_text(tmp_path).replace(
                    'interfaces = ["eth*"]', 'interfaces = ["eth*", "en*"]'
                )
            )
            os.kill(os.getpid(), signal.SIGHUP)
            await until(lambda: r.links.built > built, 30, "a new watcher for the new rule")
            assert r.daemon.config.link.interfaces == ("eth*", "en*")

    run(scenario())


def test_the_alerts_changed_by_a_reload_start_a_new_sender(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            first = r.daemon.rt.open_outbox
            r.config_path.write_text(config_text(tmp_path, language="ja"))
            await r.daemon.reload(by="test")
            assert r.daemon.rt.open_outbox is not first
            r.links.plug()
            await until(
                lambda: any("診療時間" in t for t in r.mailbox.titles()),
                5,
                "a Japanese alert from the new worker",
            )

    run(scenario())


# ------------------------------------------------------------------------- systemd


def test_systemd_hears_ready_status_watchdog_and_stopping(tmp_path):
    path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.setblocking(False)
    notifier = SystemdNotifier(
        environ={
            "NOTIFY_SOCKET": str(path),
            "WATCHDOG_USEC": "100000",
            "WATCHDOG_PID": str(os.getpid()),
        }
    )
    r = rig(tmp_path, notifier=notifier)
    got: list[str] = []

    def received() -> list[str]:
        with contextlib.suppress(BlockingIOError):
            while True:
                got.append(server.recv(4096).decode())
        return got

    async def scenario():
        async with Running(r):
            await until(lambda: any("READY=1" in m for m in received()), 2, "READY")
            await until(lambda: any(m == "WATCHDOG=1" for m in received()), 2, "a ping")
            r.links.plug()
            await until(
                lambda: any("online" in m and "ALARM" in m for m in received()),
                2,
                "the status line follows the cable",
            )

    try:
        run(scenario())
        received()
    finally:
        server.close()
    ready = next(m for m in got if m.startswith("READY=1"))
    assert ready.startswith("READY=1\nSTATUS=offline, clinic hours: off")
    assert "STOPPING=1\nSTATUS=stopping" in got


def test_the_status_line_names_the_failing_parts(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            r.lamp.broken = True
            r.links.plug()
            await until(lambda: fault(r, "indicator")["failing"], 2, "the fault")
            line = r.daemon.view.line(r.clock.now())
            assert line.startswith("online") and line.endswith(", fault: indicator")

    run(scenario())


# ------------------------------------------------------------------------- holidays


def test_the_holidays_of_the_coming_years_are_loaded_at_start_and_before_new_year(tmp_path):
    # 31 December, 20:00 in Tokyo: four hours before New Year.
    clock = ManualClock(datetime(2026, 12, 31, 11, 0, tzinfo=UTC))
    timing = replace(FAST, holidays_ahead=timedelta(hours=6), max_sleep=0.05)
    r = rig(tmp_path, clock=clock, timing=timing)

    async def scenario():
        async with Running(r):
            await until(lambda: len(r.holidays.ensured) >= 2, 2, "loaded at start and ahead")
            await asyncio.sleep(0.2)
            assert len(r.holidays.ensured) == 2  # once per New Year, not at every firing
            clock.advance(timedelta(days=365))
            await until(lambda: len(r.holidays.ensured) == 3, 2, "the next New Year")

    run(scenario())
    assert r.holidays.ensured[:2] == [[2025, 2026, 2027, 2028], [2026, 2027, 2028, 2029]]
    assert r.holidays.ensured[2] == [2027, 2028, 2029, 2030]


def test_a_holiday_source_without_ensure_is_asked_year_by_year(tmp_path):
    r = rig(tmp_path)
    asked: list[int] = []
    r.daemon.rt.use(r.daemon.config, "test", lambda year: asked.append(year) or {})

    async def scenario():
        async with Running(r):
            await until(lambda: r.daemon.holidays.loads >= 1, 2, "loaded")

    run(scenario())
    assert {2025, 2026, 2027, 2028} <= set(asked)


def test_a_holiday_source_that_fails_is_logged_and_monitoring_goes_on(tmp_path, caplog):
    class Broken:
        def __call__(self, year):
            return {}

        def ensure(self, years):
            raise OSError("the holiday child died")

    r = rig(tmp_path)
    r.daemon.rt.use(r.daemon.config, "test", Broken())

    async def scenario():
        async with Running(r):
            await until(
                lambda: any("not loaded ahead" in m for m in caplog.messages),
                2,
                "the failure is logged",
            )
            r.links.plug()
            await until(lambda: r.lamp.shown == [(Pattern.ALARM, False)], 2, "monitoring")

    run(scenario())


def test_the_daemon_builds_its_real_parts_from_the_wiring(tmp_path):
    from monitor.daemon import build_parts
    from monitor.daemon.wiring import prewarm

    text = config_text(tmp_path)
    r = rig(tmp_path, text)
    parts = build_parts(clock=ManualClock().clock())
    config = r.daemon.config
    prewarm(config)
    register = parts.register(config)
    try:
        assert register.current_session() is None
        sender = parts.sender(config)
        worker = parts.outbox(register, config, sender, parts.clock, "test-instance")
        assert worker.status()["pending"] == 0
    finally:
        register.close()
    assert parts.traffic(["no-such-interface"]) == {}
    assert isinstance(Daemon(config, parts), Daemon)


def test_run_daemon_on_the_real_parts_refuses_a_control_socket_that_is_not_one(tmp_path):
    from monitor.config import parse_config_text
    from monitor.daemon import run_daemon

    config = parse_config_text(config_text(tmp_path), "test")
    config.control.socket.parent.mkdir(parents=True)
    config.control.socket.write_text("a file")
    assert run_daemon(config, "test", config_path=None) == 1


def test_under_journald_each_log_line_carries_its_syslog_priority(monkeypatch, capsys):
    from monitor.daemon import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    try:
        setup_logging(verbose=True)
        logging.getLogger("monitor.daemon").error("one\ntwo")
        logging.getLogger("pyroute2").info("noise")
        logging.getLogger("monitor.daemon").debug("detail")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert err.splitlines() == ["<3>monitor.daemon: one", "<3>two", "<7>monitor.daemon: detail"]
