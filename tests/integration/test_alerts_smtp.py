"""Alert delivery through apprise mailto:// to a real SMTP server (aiosmtpd on 127.0.0.1),
with the real register (SQLite) as the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.alerts.outbox import OutboxWorker
from monitor.alerts.render import render
from monitor.alerts.sender import build_sender
from monitor.compat import UTC
from monitor.config import Alerts
from monitor.domain.enums import AlertKind, Period, Severity, Verdict
from monitor.domain.model import Alert, PeriodInfo, Session
from monitor.register import Register
from tests.support.disk import SmallDisk, require_root_for_mount
from tests.support.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "休日診療所 レセプトPC"


def make_alert(started: datetime, kind: AlertKind = AlertKind.CLINIC_HOURS) -> Alert:
    at = datetime.now(UTC)
    period = PeriodInfo(
        at=at,
        period=Period.CLINIC,
        holiday="憲法記念日",
        rule="clinic[0] sun,holiday 17:00-22:00",
        next_change=at + timedelta(hours=1),
    )
    s = Session(
        id="S" + started.strftime("%Y%m%dT%H%M%S%fZ"),
        started_at=started,
        interfaces=frozenset({"eth0"}),
        verdicts=(Verdict.CLINIC_HOURS,),
    )
    return Alert(kind=kind, severity=Severity.CRITICAL, at=at, session=s, period=period)


def alerts_config(*urls: str, first: str = "300ms", cap: str = "2s") -> Alerts:
    return Alerts(urls=urls, machine=MACHINE, retry_first=first, retry_max=cap)


@contextlib.asynccontextmanager
async def running(worker: OutboxWorker):
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def register(tmp_path):
    with Register(tmp_path / "register.db") as reg:
        yield reg


def test_japanese_subject_decodes_and_the_body_keeps_its_line_breaks(register):
    alert = make_alert(datetime.now(UTC) - timedelta(minutes=65))
    title, body = render(alert, language="ja", machine=MACHINE, zone="Asia/Tokyo")

    async def scenario(smtp):
        worker = OutboxWorker(register, alerts_config(smtp.url), zone="Asia/Tokyo")
        async with running(worker):
            alert_id = worker.enqueue(alert)
            await asyncio.to_thread(smtp.wait_for, 1, 10)
            await until(lambda: register.alert(alert_id).delivered_at is not None, 5, "recorded")
        return alert_id

    with SmtpServer() as smtp:
        alert_id = asyncio.run(scenario(smtp))
    msg = smtp.messages[0].message
    # RFC 2047 on the wire, the exact Japanese title once decoded
    assert b"=?utf-8?" in smtp.messages[0].raw.split(b"\r\n\r\n")[0].lower()
    assert msg["subject"] == title
    assert msg["subject"].startswith("[clinic-hours] 診療時間中にネットワーク接続を検知")
    assert msg.get_content_type() == "text/plain"
    assert [line.rstrip() for line in msg.get_content().splitlines()] == [
        line.rstrip() for line in body.splitlines()
    ]
    assert not msg.is_multipart()  # no attachments
    row = register.alert(alert_id)
    assert row.delivered_at is not None and row.attempts == 1 and row.last_error is None


def test_an_alert_waits_while_the_server_is_down_and_leaves_once_when_it_is_back(register):
    smtp = SmtpServer()  # not started: connection refused
    alert = make_alert(datetime.now(UTC) - timedelta(minutes=3))

    async def scenario():
        worker = OutboxWorker(register, alerts_config(smtp.url))
        async with running(worker):
            alert_id = worker.enqueue(alert)
            await until(lambda: register.alert(alert_id).attempts >= 1, 5, "first attempt")
            row = register.alert(alert_id)
            assert row.delivered_at is None and not row.permanent_failure
            assert "Connection refused" in row.last_error
            status = worker.status()
            assert status["pending"] == 1 and "Connection refused" in status["last_error"]
            smtp.start()  # same port, nobody tells the worker
            try:
                await asyncio.to_thread(smtp.wait_for, 1, 10)
                await asyncio.sleep(1.5)  # time for a duplicate to show up, if any
            finally:
                smtp.stop()
            return alert_id, worker.status()

    alert_id, status = asyncio.run(scenario())
    assert len(smtp.messages) == 1
    row = register.alert(alert_id)
    assert row.delivered_at is not None and row.attempts >= 2
    attempts = register.attempts(alert_id)
    assert [a["ok"] for a in attempts][-1] and not any(a["ok"] for a in attempts[:-1])
    assert all(a["duration_s"] >= 0 for a in attempts)
    assert status["pending"] == 0 and status["last_delivery_at"] is not None


def test_a_burst_of_five_alerts_starts_at_once_and_each_arrives_exactly_once(register):
    base = datetime.now(UTC) - timedelta(minutes=10)
    alerts = [make_alert(base + timedelta(seconds=i)) for i in range(5)]

    async def scenario(smtp):
        worker = OutboxWorker(register, alerts_config(smtp.url))
        async with running(worker):
            await asyncio.sleep(0.2)  # the worker is idle, waiting
            t0 = time.monotonic()
            for alert in alerts:
                worker.enqueue(alert)
            await asyncio.to_thread(smtp.wait_for, 5, 20)
            await asyncio.sleep(1.5)  # time for a duplicate to show up, if any
        return t0

    with SmtpServer() as smtp:
        t0 = asyncio.run(scenario(smtp))
    first = smtp.messages[0].at - t0
    assert first < 1.0, f"first alert of the burst took {first:.2f}s"
    titles = [render(a, language="ja", machine=MACHINE, zone="Asia/Tokyo")[0] for a in alerts]
    assert sorted(m.message["subject"] for m in smtp.messages) == sorted(titles)
    assert all(r.delivered_at is not None for r in register.outbox(include_delivered=True))


def test_a_link_coming_up_sends_waiting_alerts_at_once_instead_of_after_the_backoff(register):
    smtp = SmtpServer()
    alert = make_alert(datetime.now(UTC) - timedelta(minutes=1))

    async def scenario():
        # a retry would only come after a minute: link_up must not wait for it
        worker = OutboxWorker(register, alerts_config(smtp.url, first="60s", cap="5m"))
        async with running(worker):
            alert_id = worker.enqueue(alert)
            await until(lambda: register.alert(alert_id).attempts == 1, 5, "first attempt")
            smtp.start()
            try:
                t0 = time.monotonic()
                worker.link_up()
                await asyncio.to_thread(smtp.wait_for, 1, 10)
                return smtp.messages[0].at - t0
            finally:
                smtp.stop()

    waited = asyncio.run(scenario())
    assert waited < 5, f"link-up retry took {waited:.2f}s"
    assert len(smtp.messages) == 1


def test_a_refused_recipient_is_a_permanent_failure_kept_visible_and_not_retried(register):
    alert = make_alert(datetime.now(UTC) - timedelta(minutes=1))

    async def scenario(smtp):
        worker = OutboxWorker(register, alerts_config(smtp.url, first="200ms", cap="1s"))
        async with running(worker):
            alert_id = worker.enqueue(alert)
            await until(lambda: register.alert(alert_id).attempts >= 1, 5, "first attempt")
            await asyncio.sleep(1.0)  # several retry periods: none may happen
            return alert_id, worker.status()

    with SmtpServer(reject_rcpt="550 5.1.1 no such user") as smtp:
        alert_id, status = asyncio.run(scenario(smtp))
    row = register.alert(alert_id)
    assert row.permanent_failure and row.attempts == 1 and row.delivered_at is None
    assert "550" in row.last_error
    assert status["permanent"] == 1 and "550" in status["last_error"]
    assert smtp.messages == []


def test_a_retry_goes_only_to_the_destinations_that_have_not_accepted_it_yet():
    with SmtpServer() as smtp:
        down = f"mailto://127.0.0.1:{free_port()}?from=a@example.jp&to=b@example.jp"
        sender = build_sender(Alerts(urls=(smtp.url, down)))
        first = sender.deliver("[monitor] t", "b")
        assert [(d.index, d.ok) for d in first] == [(0, True), (1, False)]
        [again] = sender.deliver("[monitor] t", "b", skip={0})
        assert again.index == 1 and not again.ok and "Connection refused" in again.error
        smtp.wait_for(1, timeout=5)
    assert len(smtp.messages) == 1  # the first destination got it once


def test_without_any_destination_an_alert_is_failed_visibly_not_dropped(register):
    alert = make_alert(datetime.now(UTC))

    async def scenario():
        worker = OutboxWorker(register, Alerts(machine=MACHINE))
        async with running(worker):
            alert_id = worker.enqueue(alert)
            await until(lambda: register.alert(alert_id).attempts == 1, 5, "attempt")
            return alert_id, worker.status()

    alert_id, status = asyncio.run(scenario())
    assert register.alert(alert_id).permanent_failure
    assert "no alert destination configured" in status["last_error"]
    assert status["destinations"] == 0


# The child: an outbox worker that enqueues one alert and then waits to be killed.
CHILD = r"""
import asyncio, sys
from datetime import datetime, timedelta
from monitor.compat import UTC
from monitor.config import Alerts
from monitor.alerts.outbox import OutboxWorker
from monitor.register import Register
from tests.integration.test_alerts_smtp import make_alert

async def main(db, url):
    reg = Register(db)
    worker = OutboxWorker(reg, Alerts(urls=(url,), retry_first="30s", retry_max="5m"),
                          lease=timedelta(seconds=1))
    task = asyncio.create_task(worker.run())
    worker.enqueue(make_alert(datetime(2026, 5, 3, 8, 0, tzinfo=UTC)))
    print("queued", flush=True)
    await task

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.parametrize("server", ["refusing", "silent"])
def test_no_alert_is_lost_when_the_process_is_killed_between_enqueue_and_delivery(tmp_path, server):
    """refusing: the child's attempt fails and it is killed while waiting to retry.
    silent: the server accepts the connection but never answers, so the child is
    killed in the middle of a send, holding the row's claim."""
    port = free_port()
    db = tmp_path / "register.db"
    silent = None
    if server == "silent":
        silent = socket.create_server(("127.0.0.1", port))
    smtp = SmtpServer(port)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), smtp.url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout.readline().strip() == b"queued"
        with Register(db) as reg:
            if silent is not None:
                silent.settimeout(10)
                conn, _ = silent.accept()  # the child is now inside its send
                conn.close()
            else:
                deadline = time.monotonic() + 10
                while reg.outbox()[0].attempts < 1:
                    assert time.monotonic() < deadline, "the child never tried"
                    time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()
        child.stderr.close()
        if silent is not None:
            silent.close()

    with Register(db) as reg:
        (row,) = reg.outbox()
        assert row.delivered_at is None  # queued, not lost, not delivered

        async def scenario():
            worker = OutboxWorker(reg, alerts_config(smtp.url))
            async with running(worker):
                worker.link_up()  # what the daemon does when the cable comes up
                await asyncio.to_thread(smtp.wait_for, 1, 15)
                await asyncio.sleep(1.5)

        with smtp:
            asyncio.run(scenario())
        assert len(smtp.messages) == 1
        assert smtp.messages[0].message["subject"].startswith("[clinic-hours] ")
        assert reg.alert(row.id).delivered_at is not None


def test_stopping_the_worker_just_as_it_is_kicked_always_ends_it_at_once(register):
    # A kick and a stop in the same instant (an alert written as the daemon shuts
    # down): the cancellation must never be lost to the wake-up, 200 times over and
    # at each step of the worker's first round.
    worker = OutboxWorker(register, Alerts(machine=MACHINE))

    async def scenario():
        for i in range(200):
            task = asyncio.create_task(worker.run())
            for _ in range(i % 5):  # 0..4 loop turns: from not started to asleep
                await asyncio.sleep(0)
            worker.kick()
            task.cancel()
            await asyncio.wait({task}, timeout=5)
            if not (task.done() and task.cancelled()):
                task.cancel()  # clean up, then report the first lost stop
                await asyncio.wait({task}, timeout=5)
                return f"iteration {i}: not ended as cancelled 5 s after cancel()"
        return None

    assert asyncio.run(scenario()) is None


@require_root_for_mount
def test_a_full_disk_under_the_outbox_is_one_traceback_then_short_lines_then_delivery(
    tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="monitor.alerts.outbox")

    async def scenario(smtp, disk, reg):
        worker = OutboxWorker(reg, alerts_config(smtp.url), machine=MACHINE)
        worker.enqueue(make_alert(datetime.now(UTC)))  # a due row: claiming it writes
        filler = disk.fill()
        async with running(worker):
            await until(lambda: len(failed()) >= 3, 10, "three failed rounds (0.3, 0.6, 1.2 s)")
            assert worker.status()["last_error"].endswith("database or disk is full")
            filler.unlink()
            await until(lambda: len(smtp.messages) == 1, 15, "the alert once there is space")
            await until(lambda: worker.status()["pending"] == 0, 5, "recorded as delivered")
        assert len(smtp.messages) == 1 and worker.status()["last_error"] is None

    def failed():
        return [
            r for r in caplog.records if r.getMessage().startswith("outbox worker round failed")
        ]

    with (
        SmtpServer() as smtp,
        SmallDisk(tmp_path / "disk") as disk,
        Register(disk.path / "register.db") as reg,
    ):
        asyncio.run(scenario(smtp, disk, reg))
    assert [bool(r.exc_info) for r in failed()][:3] == [True, False, False]
    assert "database or disk is full" in failed()[1].getMessage()
