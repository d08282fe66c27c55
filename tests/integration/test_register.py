"""The register on real SQLite files: outbox, sessions, permits, the hash chain,
migrations, concurrent readers and a writer killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Severity, Verdict
from monitor.domain.model import Alert, AlertRecord, LinkObserved, Permit, Session, Transition
from monitor.errors import ChainBroken, RegisterError
from monitor.register import MIGRATIONS, SCHEMA_VERSION, Register, canonical, chain_hash
from tests.support.disk import SmallDisk, require_root_for_mount

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Monday


def session_at(t: datetime, **kw) -> Session:
    return Session(id="S" + t.strftime("%Y%m%dT%H%M%S%fZ"), started_at=t, **kw)


def alert_for(session: Session | None, kind=AlertKind.NO_PERMIT, reminder=0, at=T0) -> Alert:
    return Alert(kind, Severity.WARNING, at, session, reminder=reminder)


def permit_at(t: datetime, **kw) -> Permit:
    values = {"purpose": Purpose.FEE_UPDATE, "company": "日医システム", "staff": "山田 太郎",
              "expected": timedelta(hours=1), "granted_by": "hoken", "granted_at": t}
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


# ------------------------------------------------------------------------ sessions, permits


def full_session(permit: Permit | None = None) -> Session:
    return session_at(
        T0,
        interfaces=frozenset({"eth0", "enp3s0"}),
        periods=frozenset({Period.MAINTENANCE, Period.OFF_HOURS}),
        verdicts=(Verdict.NO_PERMIT, Verdict.OVERDUE),
        alerts=(AlertRecord(AlertKind.NO_PERMIT, 0, T0 + timedelta(seconds=2)),
                AlertRecord(AlertKind.OVERDUE, 1, T0 + timedelta(hours=2, minutes=30))),
        permit=permit,
        last_seen=T0 + timedelta(hours=3),
        bytes_sent=123_456_789_012,
        bytes_received=42,
    )


def test_current_session_round_trips_to_an_equal_session(reg):
    permit = reg.add_permit(permit_at(T0 - timedelta(minutes=5), note="令和8年度改定",
                                      after_the_fact=True))
    s = full_session(permit)
    reg.open_session(s)
    assert reg.current_session() == s
    assert reg.current_session().permit.purpose is Purpose.FEE_UPDATE


def test_session_goes_from_open_to_closed_and_leaves_no_current_session(reg):
    s = session_at(T0, interfaces=frozenset({"eth0"}))
    reg.open_session(s)
    changed = Session(**{**s.__dict__, "verdicts": (Verdict.CLINIC_HOURS,)})
    reg.update_session(changed)
    closed = Session(**{**changed.__dict__, "ended_at": T0 + timedelta(minutes=65),
                        "end_reason": EndReason.UNPLUGGED})
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
    assert early.id and future.id and reg.valid_permits(T0 + timedelta(minutes=10)) == [free, future]


def test_link_events_and_transitions_are_recorded_in_order(reg):
    obs = LinkObserved("eth0", 2, True, True, "up", True, T0)
    assert reg.record_link_event(obs) == 1
    reg.record_transition(Transition("machine", "offline", "online", "eth0 up", T0))
    assert reg.link_events() == [obs]
    assert reg.transitions()[0].new == "online"


# ------------------------------------------------------------------------ the chain


def fill(reg: Register, n: int) -> None:
    """Write a realistic mix of records: n sessions with events, alerts, attempts."""
    for i in range(n):
        t = T0 + timedelta(days=i)
        reg.record_link_event(LinkObserved("eth0", 2, True, True, "up", True, t))
        permit = reg.add_permit(permit_at(t - timedelta(minutes=1))) if i % 2 else None
        s = session_at(t, interfaces=frozenset({"eth0"}), permit=permit,
                       verdicts=(Verdict.PERMITTED if permit else Verdict.NO_PERMIT,))
        reg.open_session(s)
        aid = reg.enqueue_alert(alert_for(s, at=t), "件名", "本文")
        for row in reg.claim_due_alerts(t, 5):
            reg.record_attempt(row.id, True, None, 0.1, None, t + timedelta(seconds=1))
        reg.record_transition(Transition(f"session:{s.id}", None, "open", "eth0 up", t))
        end = t + timedelta(minutes=30)
        reg.record_link_event(LinkObserved("eth0", 2, False, False, "down", True, end))
        reg.close_session(Session(**{**s.__dict__, "ended_at": end,
                                     "end_reason": EndReason.UNPLUGGED}))
        assert aid


def test_chain_is_intact_after_many_appends(reg):
    fill(reg, 40)
    n = reg.verify()
    assert n == reg.head()[0] and n > 40 * 8
    with Register.open_readonly(reg.path) as ro:
        assert ro.verify() == n


def tamper(path: Path, sql: str, *args) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, args)
    db.close()


@pytest.mark.parametrize(
    ("sql", "record", "reason"),
    [
        (("UPDATE sessions SET ended_at = '2026-03-05T02:00:00.000000+00:00' WHERE id = "
         "(SELECT id FROM sessions ORDER BY started_at LIMIT 1 OFFSET 2)"),
         "sessions row S20260304", "ended_at"),
        ("DELETE FROM sessions WHERE id = (SELECT id FROM sessions LIMIT 1 OFFSET 1)",
         "sessions row S20260303", "deleted"),
        (("INSERT INTO transitions(entity, old, new, reason, at) VALUES "
         "('machine', 'online', 'offline', 'forged', '2026-03-02T00:00:00.000000+00:00')"),
         "transitions row 6", "inserted"),
        ("UPDATE permits SET staff = '別人' WHERE id = 1", "permits row 1", "staff"),
        ("UPDATE chain SET body = replace(body, 'no-permit', 'permitted') WHERE seq = 5",
         "chain record 5", "edited"),
        ("DELETE FROM chain WHERE seq = 7", "chain record 8", "missing"),
        ("UPDATE chain SET hash = '00' || substr(hash, 3) WHERE seq = 12",
         "chain record 12", "edited"),
    ],
    ids=["edited session", "deleted session", "inserted transition", "edited permit",
         "edited chain body", "deleted chain record", "edited chain hash"],
)
def test_verify_names_the_first_record_that_was_tampered_with(tmp_path, sql, record, reason):
    path = tmp_path / "register.db"
    with Register(path) as r:
        fill(r, 5)
        r.verify()
    tamper(path, sql)
    with Register(path) as r, pytest.raises(ChainBroken) as err:
        r.verify()
    assert err.value.record.startswith(record), err.value
    assert reason in err.value.reason


def test_verify_catches_a_record_inserted_into_the_middle_of_the_chain(tmp_path):
    path = tmp_path / "register.db"
    with Register(path) as r:
        fill(r, 3)
    with sqlite3.connect(path) as db:
        # A forger who knows the algorithm: a well-formed record after seq 9 ...
        prev = db.execute("SELECT hash FROM chain WHERE seq = 9").fetchone()[0]
        db.execute("UPDATE chain SET seq = -seq WHERE seq > 9")
        db.execute("UPDATE chain SET seq = 1 - seq WHERE seq < 0")  # shift by one
        body = canonical({"forged": True})
        db.execute("INSERT INTO chain VALUES (10, 'meta', 'x', 'insert', ?, ?, ?)",
                   (body, prev, chain_hash(prev, 10, "meta", "x", "insert", body)))
    db.close()
    with Register(path) as r, pytest.raises(ChainBroken) as err:
        r.verify()
    # ... is found: the record after it no longer matches.
    assert err.value.record.startswith("chain record 11")


def test_outbox_leases_are_not_part_of_the_record(reg):
    fill(reg, 1)
    reg.enqueue_alert(alert_for(None), "t", "b")
    reg.claim_due_alerts(T0, 5)
    reg.retry_all_now(T0)
    assert reg.verify() == reg.head()[0]


# ------------------------------------------------------------------------ migrations


def write_v1_register(path: Path) -> None:
    """Write a register as the first release did: schema v1, one undelivered alert."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    prev = "0" * 64
    records = [
        ("schema", "1", "migrate", {"version": 1, "from": 0}),
        ("alerts", "1", "insert", {
            "id": 1, "key": "monitor@x/monitor/0", "kind": "monitor", "severity": "info",
            "session_id": None, "reminder": 0, "title": "[monitor] 監視開始", "body": "本文",
            "created_at": "2026-03-02T00:00:00.000000+00:00", "attempts": 0,
            "last_error": None, "delivered_at": None}),
    ]
    for seq, (tbl, key, op, obj) in enumerate(records, start=1):
        body = canonical(obj)
        h = chain_hash(prev, seq, tbl, key, op, body)
        db.execute("INSERT INTO chain VALUES (?,?,?,?,?,?,?)", (seq, tbl, key, op, body, prev, h))
        prev = h
    row = dict(records[1][3], next_attempt_at="2026-03-02T00:00:00.000000+00:00")
    db.execute(f"INSERT INTO alerts({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
               tuple(row.values()))
    db.commit()
    db.close()


def test_a_v1_register_is_migrated_forward_and_still_verifies(tmp_path):
    path = tmp_path / "v1.db"
    write_v1_register(path)
    with pytest.raises(RegisterError, match="older"):
        Register.open_readonly(path)  # a reader never changes the file
    with Register(path) as r:
        assert r.schema_version() == SCHEMA_VERSION == 2
        assert r.verify() == 3  # v1 records + the migration record
        (old,) = r.outbox()
        assert old.permanent_failure is False and old.title == "[monitor] 監視開始"
        (claimed,) = r.claim_due_alerts(T0, 5)
        r.record_attempt(claimed.id, False, "550 rejected", 0.2, None, None, permanent=True)
        r.record_ack("hoken", "cli", T0)  # the v2 table
        assert r.verify() == 6
    with Register(path) as r:  # reopening does not migrate twice
        assert r.verify() == 6 and r.outbox_summary()["permanent"] == 1


def test_a_register_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Register(path).close()
    tamper(path, "PRAGMA user_version = 99")
    with pytest.raises(RegisterError, match="newer"):
        Register(path)


# ------------------------------------------------------------------------ processes

WRITER = r"""
import sys
from datetime import datetime, timedelta
from monitor.compat import UTC
from monitor.policy import Alert, AlertKind, EndReason, Session, Severity, Transition
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
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n)],
                            stdout=subprocess.PIPE, text=True, env=env)


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


def test_a_noted_head_catches_a_forger_who_recomputes_the_whole_chain(tmp_path):
    path = tmp_path / "register.db"
    with Register(path) as r:
        fill(r, 3)
        noted = r.head()
    with sqlite3.connect(path) as db:
        # Rewrite a permit and recompute every chain record, as a forger who read this
        # source could: the chain and the tables agree again.
        db.execute("UPDATE permits SET staff = '別人' WHERE id = 1")
        row = db.execute("SELECT * FROM permits WHERE id = 1").fetchone()
        cols = [c[1] for c in db.execute("PRAGMA table_info(permits)")]
        forged = canonical(dict(zip(cols, row, strict=True)))
        prev = "0" * 64
        for seq, tbl, key, op, body in db.execute(
                "SELECT seq, tbl, key, op, body FROM chain ORDER BY seq").fetchall():
            if (tbl, key) == ("permits", "1"):
                body = forged
            h = chain_hash(prev, seq, tbl, key, op, body)
            db.execute("UPDATE chain SET body = ?, prev = ?, hash = ? WHERE seq = ?",
                       (body, prev, h, seq))
            prev = h
    db.close()
    with Register(path) as r:
        assert r.verify() == noted[0]  # undetectable without something kept elsewhere
        with pytest.raises(ChainBroken, match="rewritten") as err:
            r.verify(anchor=noted)
        assert err.value.record == f"chain record {noted[0]}"


def test_a_permit_linked_without_an_id_is_stored_once(reg):
    s = session_at(T0, permit=permit_at(T0 - timedelta(minutes=1)))
    reg.open_session(s)
    reg.update_session(Session(**{**s.__dict__, "bytes_sent": 10}))
    (stored,) = reg.permits()
    assert reg.current_session().permit == stored and stored.staff == "山田 太郎"


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
        return LinkObserved("eth0", 2, online, online, "up" if online else "down", True,
                            T0 + timedelta(minutes=minute))

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
            (True, T0), (False, T0 + timedelta(minutes=1))]
        assert reg.verify() == reg.head()[0]
