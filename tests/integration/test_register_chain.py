"""The register's hash chain on real SQLite files: intact after many writes, and
``verify`` naming the first record that was edited, deleted or inserted."""

from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from monitor.errors import ChainBroken
from monitor.register import SCHEMA_VERSION, Register, canonical, chain_hash
from tests.support.register import T0, alert_for, fill


@pytest.fixture
def reg(tmp_path):
    with Register(tmp_path / "state" / "register.db") as r:
        yield r


def test_chain_is_intact_after_many_appends(reg):
    fill(reg, 40)
    n = reg.verify()
    assert n == reg.head()[0] and n > 40 * 8
    with Register.open_readonly(reg.path) as ro:
        assert ro.verify() == n


#: The chain starts with one record per migration: a data record's seq is V + its number.
V = SCHEMA_VERSION


def tamper(path: Path, sql: str, *args) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, args)
    db.close()


@pytest.mark.parametrize(
    ("sql", "record", "reason"),
    [
        (
            (
                "UPDATE sessions SET ended_at = '2026-03-05T02:00:00.000000+00:00' WHERE id = "
                "(SELECT id FROM sessions ORDER BY started_at LIMIT 1 OFFSET 2)"
            ),
            "sessions row S20260304",
            "ended_at",
        ),
        (
            "DELETE FROM sessions WHERE id = (SELECT id FROM sessions LIMIT 1 OFFSET 1)",
            "sessions row S20260303",
            "deleted",
        ),
        (
            (
                "INSERT INTO transitions(entity, old, new, reason, at) VALUES "
                "('machine', 'online', 'offline', 'forged', '2026-03-02T00:00:00.000000+00:00')"
            ),
            "transitions row 6",
            "inserted",
        ),
        ("UPDATE permits SET staff = '別人' WHERE id = 1", "permits row 1", "staff"),
        (
            f"UPDATE chain SET body = replace(body, 'no-permit', 'permitted') WHERE seq = {V + 2}",
            f"chain record {V + 2}",
            "edited",
        ),
        (f"DELETE FROM chain WHERE seq = {V + 4}", f"chain record {V + 5}", "missing"),
        (
            f"UPDATE chain SET hash = '00' || substr(hash, 3) WHERE seq = {V + 9}",
            f"chain record {V + 9}",
            "edited",
        ),
    ],
    ids=[
        "edited session",
        "deleted session",
        "inserted transition",
        "edited permit",
        "edited chain body",
        "deleted chain record",
        "edited chain hash",
    ],
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
        db.execute(
            "INSERT INTO chain VALUES (10, 'meta', 'x', 'insert', ?, ?, ?)",
            (body, prev, chain_hash(prev, 10, "meta", "x", "insert", body)),
        )
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
            "SELECT seq, tbl, key, op, body FROM chain ORDER BY seq"
        ).fetchall():
            if (tbl, key) == ("permits", "1"):
                body = forged
            h = chain_hash(prev, seq, tbl, key, op, body)
            db.execute(
                "UPDATE chain SET body = ?, prev = ?, hash = ? WHERE seq = ?", (body, prev, h, seq)
            )
            prev = h
    db.close()
    with Register(path) as r:
        assert r.verify() == noted[0]  # undetectable without something kept elsewhere
        with pytest.raises(ChainBroken, match="rewritten") as err:
            r.verify(anchor=noted)
        assert err.value.record == f"chain record {noted[0]}"


def test_verify_holds_a_bounded_number_of_records_in_memory(tmp_path):
    # 250 sessions make about 2,100 chain records and 1,600 table rows: holding every
    # row's newest version (about 1.5 KB each as parsed JSON) would take over 2 MB.
    with Register(tmp_path / "register.db") as r:
        fill(r, 250)
        tracemalloc.start()
        try:
            count = r.verify()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count > 2000
    assert peak < 1 << 20, f"verify allocated up to {peak} bytes"
