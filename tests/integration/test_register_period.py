"""Issue 18: ``log --since`` and ``export`` check only the part of the chain the printed
period rests on (``Register.verify_period``): what was written in the period and after
it, and every printed row. A tampering there is caught as ``verify`` catches it; the
cost follows the period and not the register's history (counted in SQLite virtual
machine steps, which do not depend on the machine's load)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.register import Register, chain_hash
from tests.support.register import T0, fill
from tests.support.tampering import TAMPERINGS, daemon_left_register, edit, register_says

DAYS = 40  # one session a day from T0
SINCE = T0 + timedelta(days=30) - timedelta(hours=1)  # the last 10 sessions
EPOCH = T0 - timedelta(days=3650)


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "register.db"
    with Register(path) as reg:
        fill(reg, DAYS)
    return path


@pytest.fixture
def store(filled, tmp_path) -> Path:
    path = tmp_path / "register.db"
    shutil.copy(filled, path)
    return path


def period(path: Path) -> str:
    return register_says(path, lambda r: r.verify_period(SINCE))


def whole(path: Path) -> str:
    return register_says(path, lambda r: r.verify())


def session_ids(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY started_at")]


def test_an_intact_register_passes_and_only_the_period_and_after_are_walked(store):
    with contextlib.closing(Register.open_readonly(store)) as reg:
        first, count = reg.verify_period(SINCE)
        total = reg.verify()
        assert reg.head()[0] == total
    assert 1 < first < total
    assert first + count - 1 == total  # from the session before the period to the head
    assert count < total / 3  # 11 of 40 sessions' records, and nothing of the rest


@pytest.mark.parametrize(
    ("what", "sql", "said"),
    [
        (
            "a printed session edited",
            "UPDATE sessions SET bytes_sent = 12345 WHERE id = :last",
            "differs from its chain record in bytes_sent (edited)",
        ),
        (
            "a printed session deleted",
            "DELETE FROM sessions WHERE id = :last",
            "in the chain but not in the table (deleted)",
        ),
        (
            "the first session of the period deleted",
            "DELETE FROM sessions WHERE id = :first_in",
            "in the chain but not in the table (deleted)",
        ),
        (
            "a session inserted in the period behind the chain's back",
            (
                "INSERT INTO sessions SELECT 'S-forged', interfaces, started_at, ended_at, duration_s,"
                " periods, verdicts, permit_id, bytes_sent, bytes_received, alerts, end_reason,"
                " last_seen, ended_by, clock_note FROM sessions WHERE id = :last"
            ),
            "not in the chain (inserted)",
        ),
        (
            "an alert of a printed session edited",
            "UPDATE alerts SET body = 'nothing happened' WHERE session_id = :last",
            "(edited)",
        ),
        (
            "a chain record of the period edited",
            (
                "UPDATE chain SET body = replace(body, 'eth0', 'eth9')"
                " WHERE seq = (SELECT MAX(seq) FROM chain WHERE tbl = 'sessions' AND key = :last)"
            ),
            "content does not match its hash (edited)",
        ),
        (
            "the record before the checked part removed",
            (
                "DELETE FROM chain WHERE seq = (SELECT MIN(seq) FROM chain WHERE tbl = 'sessions'"
                " AND key = :before) - 1"
            ),
            "missing",
        ),
    ],
)
def test_a_tampering_of_the_printed_period_is_caught(store, what, sql, said):
    ids = session_ids(store)
    names = {"last": ids[-1], "first_in": ids[DAYS - 10], "before": ids[DAYS - 11]}
    with edit(store) as db:
        assert db.execute(sql, names).rowcount >= 1, what
    assert said in period(store), what
    assert whole(store), what  # verify names it too


def test_a_chain_record_edited_with_its_hash_recomputed_breaks_the_link_after_it(store):
    last = session_ids(store)[-1]
    with edit(store) as db:
        seq, tbl, key, op, body, prev = db.execute(
            "SELECT seq, tbl, key, op, body, prev FROM chain WHERE seq = "
            "(SELECT MIN(seq) FROM chain WHERE tbl = 'sessions' AND key = ?)",
            (last,),
        ).fetchone()
        body = body.replace("eth0", "eth9")
        db.execute(
            "UPDATE chain SET body = ?, hash = ? WHERE seq = ?",
            (body, chain_hash(prev, seq, tbl, key, op, body), seq),
        )
    assert "does not follow the previous record" in period(store)


def test_an_edit_older_than_the_period_is_left_to_verify(store):
    """The documented limit: a record no printed row rests on, older than the part
    checked, is not read by the printout's check; ``verify`` names it."""
    oldest = session_ids(store)[0]
    with edit(store) as db:
        db.execute("UPDATE sessions SET bytes_sent = 999 WHERE id = ?", (oldest,))
    assert period(store) == ""
    assert f"sessions row {oldest}" in whole(store)


@pytest.fixture(scope="module")
def daemon_state(tmp_path_factory) -> Path:
    return daemon_left_register(tmp_path_factory.mktemp("daemon"))


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=lambda t: t.name)
def test_a_period_that_covers_everything_catches_what_verify_catches(
    daemon_state, tmp_path, tampering
):
    state = tmp_path / "state"
    shutil.copytree(daemon_state, state)
    store = state / "register.db"
    tampering.apply(store)
    full = whole(store)
    part = register_says(store, lambda r: r.verify_period(EPOCH))
    assert bool(part) == bool(full), (tampering.name, full, part)


def vm_steps(path: Path, check) -> int:
    """Return the SQLite virtual machine steps (in thousands) ``check(register)`` took."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with contextlib.closing(Register.open_readonly(path)) as reg:
        reg._db.set_progress_handler(count, 1000)
        check(reg)
    return steps[0]


def test_the_checks_cost_follows_the_period_not_the_history(tmp_path):
    """The same last 10 sessions after 30 and after 300 older ones: the period's
    check costs about the same, ``verify`` ten times as much."""
    costs = {}
    for older in (30, 300):
        path = tmp_path / f"r{older}.db"
        with Register(path) as reg:
            fill(reg, older + 10)
        since = T0 + timedelta(days=older) - timedelta(hours=1)
        costs[older] = (
            vm_steps(path, lambda r, s=since: r.verify_period(s)),
            vm_steps(path, lambda r: r.verify()),
        )
    (part_small, whole_small), (part_big, whole_big) = costs[30], costs[300]
    assert whole_big > 5 * whole_small  # the measure does see the history
    assert part_big < 1.5 * part_small, costs
