"""The register on real SQLite files: outbox, sessions, permits, the hash chain,
migrations, concurrent readers and a writer killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.errors import ChainBroken, RegisterError
from monitor.links import LinkObserved
from monitor.policy import (
    Alert,
    AlertKind,
    AlertRecord,
    EndReason,
    Permit,
    Purpose,
    Session,
    Severity,
    Transition,
    Verdict,
)
from monitor.register import MIGRATIONS, SCHEMA_VERSION, Register, chain_hash, canonical
from monitor.schedule import Period

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Monday


def session_at(t: datetime, **kw) -> Session:
    return Session(id="S" + t.strftime("%Y%m%dT%H%M%S%fZ"), started_at=t, **kw)


def alert_for(session: Session | None, kind=AlertKind.NO_PERMIT, reminder=0, at=T0) -> Alert:
    return Alert(kind, Severity.WARNING, at, session, reminder=reminder)


def permit_at(t: datetime, **kw) -> Permit:
    values = dict(purpose=Purpose.FEE_UPDATE, company="日医システム", staff="山田 太郎",
                  expected=timedelta(hours=1), granted_by="hoken", granted_at=t)
    values.update(kw)
    return Permit(**values)


@pytest.fixture
def reg(tmp_path):
    with Register(tmp_path / "state" / "register.db") as r:
        yield r


# ------------------------------------------------------------------------ outbox


def test_enqueue_is_idempotent_per_session_kind_and_reminder(reg):
    s = session_at(T0)
    reg.open_session(s)
    first = reg.enqueue_alert(alert_for(s), "title", "body")
    again = reg.enqueue_alert(alert_for(s), "other title", "other body")
    reminder = reg.enqueue_alert(alert_for(s, AlertKind.OVERDUE, reminder=1), "r", "b")
    assert isinstance(first, int) and again is None and isinstance(reminder, int)
    assert [r.title for r in reg.outbox()] == ["title", "r"]


def test_due_alert_is_claimed_once_and_released_by_its_attempt(reg):
    aid = reg.enqueue_alert(alert_for(None), "t", "b")
    claimed = reg.claim_due_alerts(T0, 10)
    assert [r.id for r in claimed] == [aid] and claimed[0].claim_token
    assert reg.claim_due_alerts(T0, 10) == []  # held by the first claim
    reg.record_attempt(aid, False, "connection refused", 0.25, T0 + timedelta(seconds=10), None)
    assert reg.claim_due_alerts(T0 + timedelta(seconds=9), 10) == []  # not due yet
    again = reg.claim_due_alerts(T0 + timedelta(seconds=10), 10)
    assert [r.attempts for r in again] == [1]
    reg.record_attempt(aid, True, None, 0.5, None, T0 + timedelta(seconds=11))
    row = reg.alert(aid)
    assert row.delivered_at == T0 + timedelta(seconds=11) and row.attempts == 2
    assert row.state == "delivered" and row.last_duration_s == 0.5
    assert [a["ok"] for a in reg.attempts(aid)] == [False, True]
    assert reg.claim_due_alerts(T0 + timedelta(hours=1), 10) == []


def test_claim_of_a_dead_worker_expires_after_its_lease(reg):
    aid = reg.enqueue_alert(alert_for(None), "t", "b")
    assert reg.claim_due_alerts(T0, 10, lease=timedelta(seconds=30))
    assert reg.claim_due_alerts(T0 + timedelta(seconds=29), 10) == []
    assert [r.id for r in reg.claim_due_alerts(T0 + timedelta(seconds=30), 10)] == [aid]


def test_failing_alert_stays_visible_in_the_summary_until_delivered(reg):
    assert reg.outbox_summary() == {"pending": 0, "failed": 0, "permanent": 0,
                                    "last_error": None, "oldest_pending_at": None}
    aid = reg.enqueue_alert(alert_for(None), "t", "b")
    for n in range(3):
        (row,) = reg.claim_due_alerts(T0 + timedelta(minutes=n), 10)
        reg.record_attempt(row.id, False, f"timeout {n}", 30.0,
                           T0 + timedelta(minutes=n + 1), None, at=T0 + timedelta(minutes=n))
    summary = reg.outbox_summary()
    assert summary["pending"] == 1 and summary["failed"] == 1
    assert summary["last_error"] == "timeout 2" and summary["oldest_pending_at"] == T0
    reg.record_attempt(aid, False, "550 no such user", 0.1, None, None, permanent=True)
    summary = reg.outbox_summary()
    assert (summary["pending"], summary["failed"], summary["permanent"]) == (0, 1, 1)
    assert reg.outbox()[0].state == "failed"  # given up, still listed
    assert reg.claim_due_alerts(T0 + timedelta(days=1), 10) == []


def test_retry_all_now_makes_every_waiting_alert_due(reg):
    ids = [reg.enqueue_alert(alert_for(None, at=T0 + timedelta(seconds=i)), "t", "b")
           for i in range(3)]
    for row in reg.claim_due_alerts(T0 + timedelta(seconds=5), 10):
        reg.record_attempt(row.id, False, "offline", 0.01, T0 + timedelta(minutes=5), None)
    assert reg.claim_due_alerts(T0 + timedelta(seconds=6), 10) == []
    assert reg.retry_all_now(T0 + timedelta(seconds=6)) == 3
    assert [r.id for r in reg.claim_due_alerts(T0 + timedelta(seconds=6), 10)] == ids


def test_two_connections_claiming_at_once_get_each_alert_exactly_once(tmp_path):
    path = tmp_path / "register.db"
    with Register(path) as r:
        for i in range(60):
            r.enqueue_alert(alert_for(None, at=T0 + timedelta(milliseconds=i)), f"t{i}", "b")
    claims: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def worker(n: int) -> None:
        with Register(path) as mine:
            start.wait()
            while rows := mine.claim_due_alerts(T0 + timedelta(seconds=1), 3):
                claims[n].extend(row.id for row in rows)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = claims[0] + claims[1]
    assert sorted(every) == list(range(1, 61))  # each claimed once, none lost
    assert len(set(claims[0]) & set(claims[1])) == 0
