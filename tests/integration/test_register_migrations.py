"""Schema versions: every register an older release wrote opens, migrates forward
once and still verifies; one from a newer release is refused."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.errors import RegisterError
from monitor.register import MIGRATIONS, SCHEMA_VERSION, Register, canonical, chain_hash
from tests.support.register import T0


def tamper(path: Path, sql: str, *args) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, args)
    db.close()


def write_v1_register(path: Path) -> None:
    """Write a register as the first release did: schema v1, one undelivered alert."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    prev = "0" * 64
    records = [
        ("schema", "1", "migrate", {"version": 1, "from": 0}),
        (
            "alerts",
            "1",
            "insert",
            {
                "id": 1,
                "key": "monitor@x/monitor/0",
                "kind": "monitor",
                "severity": "info",
                "session_id": None,
                "reminder": 0,
                "title": "[monitor] 監視開始",
                "body": "本文",
                "created_at": "2026-03-02T00:00:00.000000+00:00",
                "attempts": 0,
                "last_error": None,
                "delivered_at": None,
            },
        ),
    ]
    for seq, (tbl, key, op, obj) in enumerate(records, start=1):
        body = canonical(obj)
        h = chain_hash(prev, seq, tbl, key, op, body)
        db.execute("INSERT INTO chain VALUES (?,?,?,?,?,?,?)", (seq, tbl, key, op, body, prev, h))
        prev = h
    row = dict(records[1][3], next_attempt_at="2026-03-02T00:00:00.000000+00:00")
    db.execute(
        f"INSERT INTO alerts({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )
    db.commit()
    db.close()


def test_a_v1_register_is_migrated_forward_and_still_verifies(tmp_path):
    path = tmp_path / "v1.db"
    write_v1_register(path)
    with pytest.raises(RegisterError, match="older"):
        Register.open_readonly(path)  # a reader never changes the file
    with Register(path) as r:
        assert r.schema_version() == SCHEMA_VERSION == 8
        assert (
            r.verify() == 9
        )  # v1 records + the migrations (v2, v3, v4, media, words, deliveries, acks index)
        (old,) = r.outbox()
        assert old.permanent_failure is False and old.title == "[monitor] 監視開始"
        (claimed,) = r.claim_due_alerts(T0, 5)
        r.record_attempt(claimed.id, False, "550 rejected", 0.2, None, None, permanent=True)
        r.record_ack("hoken", "cli", T0)  # the v2 table
        assert r.verify() == 12
    with Register(path) as r:  # reopening does not migrate twice
        assert r.verify() == 12 and r.outbox_summary()["permanent"] == 1


def test_a_register_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Register(path).close()
    tamper(path, "PRAGMA user_version = 99")
    with pytest.raises(RegisterError, match="newer"):
        Register(path)


# ------------------------------------------------------------------------ v2 -> v3

#: Written by the release before schema v3 (see tests/fixtures/make_register_v2.py).
FIXTURE_V2 = Path(__file__).resolve().parents[1] / "fixtures" / "register-v2.db"
V3_INDEXES = {
    "chain_rows",
    "alerts_claim",
    "alerts_session",
    "alert_attempts_alert",
    "sessions_open",
    "sessions_permit",
    "permits_until",
}


def index_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    db.close()
    return names


def test_a_register_written_by_the_v2_release_gets_its_indexes_and_reads_the_same(tmp_path):
    path = tmp_path / "register.db"
    shutil.copyfile(FIXTURE_V2, path)
    assert not V3_INDEXES & index_names(path)
    with pytest.raises(RegisterError, match="older"):
        Register.open_readonly(path)
    with Register(path) as r:
        assert r.schema_version() == SCHEMA_VERSION == 8
        assert V3_INDEXES <= index_names(path)
        assert r.verify() == 39  # the release's 33 records + 6 migrations (v3 ... acks index)
        assert [s.id for s in r.sessions()] == ["S0", "S1", "S2", "S9"]
        assert r.current_session().id == "S9" and r.session("S1").permit.id == 1
        day9 = T0 + timedelta(days=9, minutes=30)
        assert [p.id for p in r.valid_permits(day9)] == [2]  # permit 1 is linked to S1
        by_session = r.alerts_for(["S0", "S1", "S2", "S9"])
        assert [[a.state for a in by_session[s]] for s in ("S0", "S1", "S2", "S9")] == [
            ["delivered"],
            ["delivered"],
            ["retrying"],
            [],
        ]
        assert r.outbox_summary() == {
            "pending": 1,
            "failed": 2,
            "permanent": 1,
            "last_error": "timeout",
            "oldest_pending_at": T0,
        }
        assert r.last_delivery_at() == T0 + timedelta(days=1)
        (due,) = r.claim_due_alerts(T0 + timedelta(days=3), 5)
        assert due.session_id == "S2"
        r.record_attempt(due.id, True, None, 0.3, None, T0 + timedelta(days=3))
        assert r.verify() == 41
    with Register(path) as r:  # migrated once only
        assert r.verify() == 41 and r.schema_version() == SCHEMA_VERSION
    with Register.open_readonly(path) as ro:
        assert ro.verify() == 41


def test_the_v4_migration_takes_the_old_releases_last_heartbeat_as_a_clean_stop(tmp_path):
    # Issue 15: a start that finds no clean stop after the last heartbeat reports a
    # crash; the release before v4 never stored one, and an upgrade stops it cleanly.
    path = tmp_path / "register.db"
    shutil.copyfile(FIXTURE_V2, path)
    with Register(path) as r:
        assert r.last_seen() is not None
        assert r.stopped_at() == r.last_seen()
