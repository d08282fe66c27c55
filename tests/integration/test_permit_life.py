"""The permit's whole life against the real daemon (in-process, real register, real control
socket): a permit waits, is cancelled (recorded, never deleted), covers a session or is
withdrawn from it; after the session the staff record the work report, checked against
the permit's plan; the person recorded is the login behind sudo (the peer's loginuid)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.control import DaemonError, request
from monitor.register import Register
from tests.support.daemon_parts import Running, rig, until

PERMIT = {
    "cmd": "permit",
    "purpose": "fee-update",
    "company": "ACME",
    "staff": "Sato",
    "attendant": "Tanaka",
    "for": "1h",
}


async def ask(socket: Path, payload: dict) -> dict:
    return await asyncio.to_thread(request, socket, payload, timeout=5)


async def refused(socket: Path, payload: dict) -> dict:
    """Return the whole error reply of a request the daemon refuses."""
    with pytest.raises(DaemonError) as caught:
        await ask(socket, payload)
    return caught.value.reply


def permits(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.permits()


def run(coro) -> None:
    asyncio.run(coro)


def test_a_waiting_permit_is_cancelled_kept_in_the_register_and_covers_nothing(tmp_path):
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))  # 14:00 in Tokyo: the maintenance window

    async def scenario():
        async with Running(r):
            granted = await ask(r.socket, PERMIT)
            assert granted["permit"]["attendant"] == "Tanaka"
            status = await ask(r.socket, {"cmd": "status"})
            assert [p["id"] for p in status["pending_permits"]] == [granted["permit"]["id"]]

            reply = await ask(r.socket, {"cmd": "cancel"})
            assert reply["permit"]["id"] == granted["permit"]["id"] and reply["session"] is None
            assert reply["permit"]["cancelled_at"] is not None
            assert (await ask(r.socket, {"cmd": "status"}))["pending_permits"] == []
            nothing = await refused(r.socket, {"cmd": "cancel"})
            assert nothing["text"] == {"key": "cancel.none", "values": {}}

            r.links.plug()  # the next, unrelated connection: no permit attaches to it
            await until(lambda: r.daemon.state.session is not None, 2, "a session")
            assert r.daemon.state.session.permit is None

    run(scenario())
    [permit] = permits(r.store)  # recorded, not deleted
    assert permit.cancelled_at is not None and permit.cancelled_by
    assert permit.attendant == "Tanaka"


def test_a_linked_permit_is_withdrawn_from_the_session_and_stays_away_after_a_restart(tmp_path):
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.daemon.state.session is not None, 2, "a session")
            granted = await ask(r.socket, PERMIT)
            assert granted["session"] == r.daemon.state.session.id
            reply = await ask(r.socket, {"cmd": "cancel", "permit": granted["permit"]["id"]})
            assert reply["session"] == r.daemon.state.session.id
            await until(lambda: r.daemon.state.session.permit is None, 2, "unlinked")
            again = await refused(r.socket, {"cmd": "cancel", "permit": granted["permit"]["id"]})
            assert again["text"]["key"] == "cancel.done"

    run(scenario())
    again = rig(tmp_path, clock=r.clock)

    async def restarted():
        async with Running(again):
            assert again.daemon.state.pending_permits == ()

    run(restarted())


def test_the_work_report_is_recorded_once_after_the_session_against_the_permits_plan(tmp_path):
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))

    async def scenario():
        async with Running(r):
            await ask(r.socket, PERMIT)
            r.links.plug()
            await until(lambda: r.daemon.state.session is not None, 2, "a session")
            sid = r.daemon.state.session.id
            report = {
                "cmd": "report",
                "session": sid,
                "done": "点数表を更新",
                "personal_data": False,
                "erased": "yes",
                "as_planned": True,
            }
            still_open = await refused(r.socket, report)
            assert still_open["text"] == {"key": "report.open", "values": {"session": sid}}
            r.clock.advance(timedelta(minutes=90))  # longer than the permit's hour
            r.links.unplug()
            await until(lambda: r.daemon.state.session is None, 2, "the session ends")
            status = await ask(r.socket, {"cmd": "status"})
            assert [s["id"] for s in status["unreported"]] == [sid]

            reply = await ask(r.socket, {**report, "session": None})
            assert reply["session"]["id"] == sid
            assert reply["report"]["deviations"] == ["longer"]
            assert reply["report"]["reported_by"]
            assert (await ask(r.socket, {"cmd": "status"}))["unreported"] == []
            twice = await refused(r.socket, report)
            assert twice["text"]["key"] == "report.already"
            none_left = await refused(r.socket, {**report, "session": None})
            assert none_left["text"]["key"] == "report.none"

    run(scenario())
    with contextlib.closing(Register.open_readonly(r.store)) as reg:
        [s] = reg.sessions()
        w = reg.work_reports_for([s.id])[s.id]
        assert (w.done, w.erased, w.personal_data) == ("点数表を更新", "yes", False)
        assert reg.verify() > 0  # the report is a chained record


def test_a_report_that_did_not_go_as_planned_needs_its_difference(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            reply = await refused(
                r.socket,
                {
                    "cmd": "report",
                    "done": "x",
                    "personal_data": True,
                    "erased": "no",
                    "as_planned": False,
                },
            )
            assert reply["text"]["key"] == "bad.note_deviation"
            other = await refused(r.socket, {**PERMIT, "purpose": "other"})
            assert other["text"]["key"] == "bad.note_other"

    run(scenario())


CHILD = """
import json, socket, sys
try:
    with open("/proc/self/loginuid", "w") as f:
        f.write(sys.argv[2])
except OSError as exc:
    print("SKIP", exc.strerror or exc)
    sys.exit(0)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps(json.loads(sys.argv[3])).encode() + b"\\n")
print(s.makefile().readline())
"""


def _login_user() -> pwd.struct_passwd:
    return pwd.getpwnam("nobody")


@pytest.mark.skipif(os.geteuid() != 0, reason="setting a login uid needs root")
def test_the_person_recorded_is_the_login_behind_sudo_with_the_effective_user_beside(tmp_path):
    if not Path("/proc/self/loginuid").exists():
        pytest.skip("this kernel has no audit login uid (/proc/self/loginuid)")
    with open("/proc/self/loginuid") as f:
        if f.read().strip() != "4294967295":
            pytest.skip("this test's process already has a login uid: a child cannot set another")
    login = _login_user()
    r = rig(tmp_path)
    r.clock.advance(timedelta(hours=4))

    async def scenario():
        async with Running(r):
            # A child as root (like `sudo link-monitor permit`) whose login is `nobody`.
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-c", CHILD, str(r.socket), str(login.pw_uid), _json(PERMIT)],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            if done.stdout.startswith("SKIP"):
                pytest.skip(f"the kernel refused to set a login uid: {done.stdout[5:].strip()}")
            assert '"ok": true' in done.stdout

    run(scenario())
    [permit] = permits(r.store)
    assert (permit.granted_by, permit.granted_as) == (login.pw_name, "root")


def _json(obj: dict) -> str:
    import json

    return json.dumps(obj)


def test_the_resolved_mail_says_who_silenced_the_alarm_when_and_from_where(tmp_path):
    r = rig(tmp_path)  # 10:00 in Tokyo: clinic hours

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.lamp.patterns == ["alarm"], 2, "the alarm")
            assert (await ask(r.socket, {"cmd": "ack"}))["silenced"] is True
            r.clock.advance(timedelta(minutes=2))
            r.links.unplug()

            def resolved():
                return [m for m in r.mailbox.mails if m[0].startswith("[resolved]")]

            await until(resolved, 5, "the resolved mail")
            _, body, _ = resolved()[0]
            login = pwd.getpwuid(os.geteuid()).pw_name  # no login uid here: the user
            assert f"Alarm silenced by: 2026-03-04 (Wed) 10:00:00 JST {login} (the command)" in (
                body.splitlines()
            ), body
            assert "link-monitor work-report" in body

    run(scenario())
