"""The register on real SQLite files: outbox, sessions, permits, concurrent readers,
a writer killed with SIGKILL and a full disk. (The chain: test_register_chain.py;
schema versions: test_register_migrations.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Verdict
from monitor.domain.model import AlertRecord, LinkObserved, Permit, Session, Transition
from monitor.errors import RegisterError
from monitor.register import Register
from tests.support.disk import SmallDisk, require_root_for_mount
from tests.support.register import T0, alert_for, fill, permit_at, session_at

ROOT = Path(__file__).resolve().parents[2]


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
    assert reg.outbox_summary() == {
        "pending": 0,
        "failed": 0,
        "permanent": 0,
        "last_error": None,
        "oldest_pending_at": None,
    }
    aid = reg.enqueue_alert(alert_for(None), "t", "b")
    for n in range(3):
        (row,) = reg.claim_due_alerts(T0 + timedelta(minutes=n), 10)
        reg.record_attempt(
            row.id,
            False,
            f"timeout {n}",
            30.0,
            T0 + timedelta(minutes=n + 1),
            None,
            at=T0 + timedelta(minutes=n),
        )
    summary = reg.outbox_summary()
    assert summary["pending"] == 1 and summary["failed"] == 1
    assert summary["last_error"] == "timeout 2" and summary["oldest_pending_at"] == T0
    reg.record_attempt(aid, False, "550 no such user", 0.1, None, None, permanent=True)
    summary = reg.outbox_summary()
    assert (summary["pending"], summary["failed"], summary["permanent"]) == (0, 1, 1)
    assert reg.outbox()[0].state == "failed"  # given up, still listed
    assert reg.claim_due_alerts(T0 + timedelta(days=1), 10) == []


def test_retry_all_now_makes_every_waiting_alert_due(reg):
    ids = [
        reg.enqueue_alert(alert_for(None, at=T0 + timedelta(seconds=i)), "t", "b") for i in range(3)
    ]
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


# ------------------------------------------------------------------------ sessions, permits


def full_session(permit: Permit | None = None) -> Session:
    return session_at(
        T0,
        interfaces=frozenset({"eth0", "enp3s0"}),
        periods=frozenset({Period.MAINTENANCE, Period.OFF_HOURS}),
        verdicts=(Verdict.NO_PERMIT, Verdict.OVERDUE),
        alerts=(
            AlertRecord(AlertKind.NO_PERMIT, 0, T0 + timedelta(seconds=2)),
            AlertRecord(AlertKind.OVERDUE, 1, T0 + timedelta(hours=2, minutes=30)),
        ),
        permit=permit,
        last_seen=T0 + timedelta(hours=3),
        bytes_sent=123_456_789_012,
        bytes_received=42,
    )


def test_current_session_round_trips_to_an_equal_session(reg):
    permit = reg.add_permit(
        permit_at(T0 - timedelta(minutes=5), note="令和8年度改定", after_the_fact=True)
    )
    s = full_session(permit)
    reg.open_session(s)
    assert reg.current_session() == s
    assert reg.current_session().permit.purpose is Purpose.FEE_UPDATE


def test_session_goes_from_open_to_closed_and_leaves_no_current_session(reg):
    s = session_at(T0, interfaces=frozenset({"eth0"}))
    reg.open_session(s)
    changed = Session(**{**s.__dict__, "verdicts": (Verdict.CLINIC_HOURS,)})
    reg.update_session(changed)
    closed = Session(
        **{
            **changed.__dict__,
            "ended_at": T0 + timedelta(minutes=65),
            "end_reason": EndReason.UNPLUGGED,
        }
    )
    reg.close_session(closed)
    assert reg.current_session() is None
    assert reg.sessions() == [closed]
    assert reg.sessions(since=T0 + timedelta(seconds=1)) == []
    with pytest.raises(ValueError):
        reg.close_session(s)  # no ended_at
    with pytest.raises(RegisterError):
        reg.open_session(s)  # already there


def test_naive_datetime_is_refused(reg):
    with pytest.raises(ValueError, match="naive"):
        reg.open_session(Session(id="S1", started_at=datetime(2026, 3, 2, 10, 0)))


def test_valid_permits_are_unexpired_and_not_yet_linked(reg):
    early = reg.add_permit(permit_at(T0 - timedelta(hours=2)))  # expired at T0 - 1h
    linked = reg.add_permit(permit_at(T0 - timedelta(minutes=10)))
    free = reg.add_permit(permit_at(T0 - timedelta(minutes=5), purpose=Purpose.OTHER))
    future = reg.add_permit(permit_at(T0 + timedelta(minutes=5)))
    reg.open_session(session_at(T0 - timedelta(minutes=1), permit=linked))
    assert reg.valid_permits(T0) == [free]
    assert (
        early.id and future.id and reg.valid_permits(T0 + timedelta(minutes=10)) == [free, future]
    )


def test_link_events_and_transitions_are_recorded_in_order(reg):
    obs = LinkObserved("eth0", 2, True, True, "up", True, T0)
    assert reg.record_link_event(obs) == 1
    reg.record_transition(Transition("machine", "offline", "online", "eth0 up", T0))
    assert reg.link_events() == [obs]
    assert reg.transitions()[0].new == "online"


def test_a_permit_linked_without_an_id_is_stored_once(reg):
    s = session_at(T0, permit=permit_at(T0 - timedelta(minutes=1)))
    reg.open_session(s)
    reg.update_session(Session(**{**s.__dict__, "bytes_sent": 10}))
    (stored,) = reg.permits()
    assert reg.current_session().permit == stored and stored.staff == "山田 太郎"


# ------------------------------------------------------------------------ processes

WRITER = r"""
import sys
from datetime import datetime, timedelta
from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Severity
from monitor.domain.model import Alert, Session, Transition
from monitor.register import Register

r = Register(sys.argv[1])
t0 = datetime(2026, 3, 2, tzinfo=UTC)
for i in range(int(sys.argv[2])):
    t = t0 + timedelta(minutes=i)
    s = Session(id=f"S{i:06d}", started_at=t, interfaces=frozenset({"eth0"}))
    r.open_session(s)
    r.enqueue_alert(Alert(AlertKind.NO_PERMIT, Severity.WARNING, t, s), "t", "b")
    r.record_transition(Transition(f"session:{s.id}", None, "open", "up", t))
    r.close_session(Session(**{**s.__dict__, "ended_at": t + timedelta(seconds=30),
                               "end_reason": EndReason.UNPLUGGED}))
    print(s.id, flush=True)
"""


def start_writer(path: Path, n: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(n)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_sigkill_of_a_writer_loses_nothing_it_had_committed(tmp_path):
    path = tmp_path / "register.db"
    Register(path).close()
    writer = start_writer(path, 100_000)
    try:
        printed = [writer.stdout.readline().strip() for _ in range(150)]
        writer.send_signal(signal.SIGKILL)
        printed += [line.strip() for line in writer.stdout if line.strip()]
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    with Register(path) as r:
        stored = {s.id for s in r.sessions()}
        assert set(printed) <= stored
        assert r.verify() >= 4 * len(printed)


def test_a_reader_sees_consistent_snapshots_while_a_writer_runs(tmp_path):
    path = tmp_path / "register.db"
    Register(path).close()
    writer = start_writer(path, 300)
    counts = []
    try:
        with Register.open_readonly(path) as ro:
            while writer.poll() is None:
                counts.append(ro.verify())  # a torn read would break the chain check
                assert all(s.ended_at for s in ro.sessions()[:-1])
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == 0
    assert len(counts) >= 2 and counts == sorted(counts)
    with Register.open_readonly(path) as ro:
        assert len(ro.sessions()) == 300 and ro.verify() > counts[0]


def test_a_file_that_is_not_a_register_is_refused_with_its_path(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some notes about the receipt PC\n" * 50)
    with pytest.raises(RegisterError, match="notes.txt"):
        Register(path)
    with pytest.raises(RegisterError, match="no register at"):
        Register.open_readonly(tmp_path / "missing.db")


@require_root_for_mount
def test_a_full_disk_is_reported_as_such_and_the_register_works_again_once_freed(tmp_path):
    def obs(online: bool, minute: int) -> LinkObserved:
        return LinkObserved(
            "eth0",
            2,
            online,
            online,
            "up" if online else "down",
            True,
            T0 + timedelta(minutes=minute),
        )

    with SmallDisk(tmp_path / "disk") as disk, Register(disk.path / "register.db") as reg:
        reg.record_link_event(obs(True, 0))
        filler = disk.fill()
        # SQLite rolls the transaction back itself on SQLITE_FULL; the error must name
        # the cause, not the failed second rollback that follows it.
        with pytest.raises(RegisterError, match="disk is full"):
            reg.record_link_event(obs(False, 1))
        filler.unlink()
        reg.record_link_event(obs(False, 1))
        assert [(e.online, e.at) for e in reg.link_events()] == [
            (True, T0),
            (False, T0 + timedelta(minutes=1)),
        ]
        assert reg.verify() == reg.head()[0]


# ------------------------------------------------------------------------ keyed lookups

#: The register's tables (whose size grows with its history).
TABLES = (
    "chain",
    "link_events",
    "permits",
    "sessions",
    "transitions",
    "alerts",
    "alert_attempts",
    "acks",
)


def plans_of_every_query(reg: Register, calls) -> dict[str, list[str]]:
    """Run ``calls`` and return SQLite's query plan of each statement they ran."""
    statements: list[str] = []
    reg._db.set_trace_callback(statements.append)  # observing, not replacing
    try:
        calls()
    finally:
        reg._db.set_trace_callback(None)
    plans = {}
    for sql in statements:
        if sql.split()[0].upper() in ("SELECT", "UPDATE", "DELETE"):
            plans[sql] = [r[3] for r in reg._db.execute("EXPLAIN QUERY PLAN " + sql)]
    return plans


def test_no_query_on_the_write_claim_or_status_path_reads_a_whole_table(reg):
    fill(reg, 3)
    t = T0 + timedelta(days=10)

    def hot_path():
        reg.current_session()  # none open
        s = session_at(t, permit=reg.add_permit(permit_at(t)))
        reg.open_session(s)
        reg.record_link_event(LinkObserved("eth0", 2, True, True, "up", True, t))
        reg.record_transition(Transition(f"session:{s.id}", None, "open", "eth0 up", t))
        reg.enqueue_alert(alert_for(s, at=t), "件名", "本文")
        (row,) = reg.claim_due_alerts(t, 5)
        reg.record_attempt(row.id, False, "timeout", 1.0, t + timedelta(minutes=1), None, at=t)
        reg.retry_all_now(t, include_failed=True)
        reg.outbox_summary()
        reg.update_session(Session(**{**s.__dict__, "bytes_sent": 10}))
        reg.current_session()
        reg.valid_permits(t)
        reg.set_last_seen(t)
        reg.record_ack("hoken", "cli", t, s.id)
        reg.alerts_for([s.id])
        reg.acks_for([s.id])  # `log` and `export` read only the printed sessions' rows
        reg.work_reports_for([s.id])
        reg.sessions(t - timedelta(days=1), t + timedelta(days=1))
        reg.last_delivery_at()
        reg.head()

    plans = plans_of_every_query(reg, hot_path)
    assert len(plans) > 15
    for sql, plan in plans.items():
        for step in plan:
            # "SCAN sessions USING INDEX sessions_open" reads the open sessions only.
            whole = step.split()[:2] in (["SCAN", tbl] for tbl in TABLES)
            assert not whole or "sessions_open" in step, f"{sql}\n  {step}"
