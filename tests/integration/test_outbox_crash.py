"""Every alert once, across a ``kill -9`` (issue 13): the daemon's outbox worker with its
real send children (``ChildSender``, ``python -m monitor.jobs``) in a process of its
own, a real SMTP server on loopback that holds the client at a chosen point, and a
``kill -9`` there. Then a new process (a new daemon instance) takes over.

- after the server accepted: the old send child finishes and records the delivery
  itself; the new instance waits for it and sends nothing: exactly one mail;
- before the server accepted: the new instance sends it at once after its start
  (no lease to wait for): exactly one mail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.alerts.claims import proc_alive
from monitor.register import Register
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]

# A daemon's outbox: a worker with the daemon's sender (a child process per send),
# enqueueing one alert if asked, printing its instance, running until killed.
WORKER = r"""
import asyncio, sys
from datetime import datetime
from monitor.alerts.outbox import OutboxWorker
from monitor.children.sender import ChildSender
from monitor.compat import UTC
from monitor.config import Alerts
from monitor.register import Register
from tests.integration.test_alerts_smtp import make_alert

async def main(db, urls, enqueue):
    alerts = Alerts(urls=tuple(urls.split()), retry_first="300ms", retry_max="2s")
    worker = OutboxWorker(Register(db), alerts, sender=ChildSender(alerts))
    task = asyncio.create_task(worker.run())
    if enqueue == "yes":
        worker.enqueue(make_alert(datetime(2026, 5, 3, 8, 0, tzinfo=UTC)))
    print(worker.instance, flush=True)
    await task

asyncio.run(main(*sys.argv[1:]))
"""


@contextlib.contextmanager
def worker(db: Path, url: str, *, enqueue: bool):
    """A worker process (a daemon instance); yield ``(process, instance)``; kill it at
    the end if it still runs."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(db), url, "yes" if enqueue else "no"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        instance = proc.stdout.readline().decode().strip()
        assert instance, "the worker process did not start"
        yield proc, instance
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def wait_until(fn, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := fn()):
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.02)
    return value


def row(db: Path):
    with contextlib.closing(Register.open_readonly(db)) as reg:
        (r,) = reg.outbox(include_delivered=True)
        return r


def deliveries(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT alert_id, destination FROM alert_deliveries").fetchall()


def attempts(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT ok FROM alert_attempts").fetchall()


def test_a_kill_9_during_the_send_after_the_server_accepted_leaves_exactly_one_mail(tmp_path):
    db = tmp_path / "register.db"
    with SmtpServer(hold="quit") as smtp:
        with worker(db, smtp.url, enqueue=True) as (first, _):
            assert smtp.held.wait(20), "the send never reached the server"
            assert len(smtp.messages) == 1  # accepted; the client waits for QUIT's answer
            child = row(db).claim_pid
            assert child is not None and proc_alive(child)
            kill9(first)
        assert proc_alive(child)  # the send child outlived its daemon ...
        with worker(db, smtp.url, enqueue=False) as (second, instance):
            time.sleep(1.0)
            r = row(db)
            # ... observed: the new instance waits for it instead of sending again
            assert r.delivered_at is None and r.claim_pid == child and r.claim_token != instance
            assert len(smtp.messages) == 1
            smtp.hold = None
            smtp.release.set()
            wait_until(lambda: row(db).delivered_at, 10, "the old child records the delivery")
            time.sleep(1.5)  # time enough for a second copy, if one were to be sent
            assert second.poll() is None
        wait_until(lambda: not proc_alive(child), 5, "the old send child ends")
    assert len(smtp.messages) == 1
    r = row(db)
    assert r.delivered_at is not None and r.attempts == 1 and r.claim_token is None
    [(alert_id, _)] = deliveries(db)  # the destination, recorded once, by the old child
    assert alert_id == r.id
    assert attempts(db) == [(1,)]


@pytest.mark.parametrize("killed", ["daemon and child", "daemon only"])
def test_a_kill_9_before_the_server_accepted_leads_to_exactly_one_mail_after_restart(
    tmp_path, killed
):
    """daemon and child: the whole service dies (power cut, a killed control group);
    daemon only: the child lives on, the server refuses it (451), and the new
    instance sends once the child has ended."""
    db = tmp_path / "register.db"
    with SmtpServer(hold="data") as smtp:
        smtp.refuse_held = True
        with worker(db, smtp.url, enqueue=True) as (first, _):
            assert smtp.held.wait(20), "the send never reached the server"
            child = row(db).claim_pid
            assert child is not None
            kill9(first)
            if killed == "daemon and child":
                os.kill(child, signal.SIGKILL)
                wait_until(lambda: not proc_alive(child), 5, "the child is gone")
        assert smtp.messages == []
        smtp.release.set()  # the held client is refused (or gone)
        if killed == "daemon only":
            wait_until(lambda: not proc_alive(child), 10, "the refused child ends")
        smtp.hold = None
        started = time.monotonic()
        with worker(db, smtp.url, enqueue=False):
            smtp.wait_for(1, timeout=10)
            took = time.monotonic() - started
            time.sleep(1.5)
            wait_until(lambda: row(db).delivered_at, 5, "recorded as delivered")
    assert len(smtp.messages) == 1
    assert took < 5, f"the new instance sent only after {took:.1f}s (a stale lease?)"
    assert len(deliveries(db)) == 1


def test_after_a_restart_a_retry_goes_only_to_the_destination_that_did_not_accept(tmp_path):
    db = tmp_path / "register.db"
    with SmtpServer() as up, SmtpServer() as later:
        later.stop()  # the second destination is down at first
        urls = f"{up.url} {later.url}"
        with worker(db, urls, enqueue=True) as (first, _):
            up.wait_for(1, timeout=20)
            wait_until(lambda: row(db).attempts >= 1, 10, "the attempt is recorded")
            kill9(first)
        assert len(deliveries(db)) == 1  # the first destination accepted, on record
        later.start()
        with worker(db, urls, enqueue=False):
            later.wait_for(1, timeout=15)
            wait_until(lambda: row(db).delivered_at, 10, "delivered everywhere")
            time.sleep(1.0)
    assert (len(up.messages), len(later.messages)) == (1, 1)
    assert len(deliveries(db)) == 2
