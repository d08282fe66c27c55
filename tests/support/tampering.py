"""The tamperings of issue 14: a register file changed with sqlite3 directly, as
someone who wants a connection to disappear would, and what must catch each.

Each ``Tampering`` says what ``verify`` must say (a part of its message, or None:
it cannot tell), what ``verify --anchor`` with the head noted before must say, the
detail code of the critical alert the daemon's next start must raise (None: the
start has nothing to restore from it), and what ``verify`` says after that daemon
ran ("" = intact: the daemon refused it or set it aside, and did not launder it).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from monitor.domain.model import session_id
from monitor.errors import ChainBroken, RegisterError
from monitor.register import CHAINED, SCHEMA_VERSION, Register, chain_hash, from_iso, to_iso


@dataclass(frozen=True)
class Tampering:
    name: str
    apply: Callable[[Path], None]
    verify: str | None
    anchor: str | None
    start: str | None
    after: str | None


def register_says(path: Path, check: Callable[[Register], object]) -> str:
    """Return what ``check(register)`` says of the file at ``path`` (opened read-only):
    "" when it passes, else its error (ChainBroken or RegisterError)."""
    try:
        reg = Register.open_readonly(path)
    except RegisterError as exc:
        return str(exc)
    with contextlib.closing(reg):
        try:
            check(reg)
        except (ChainBroken, RegisterError) as exc:
            return str(exc)
    return ""


@contextlib.contextmanager
def edit(path: Path):
    """One transaction on the file, as the sqlite3 shell would do it."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        yield db
        db.execute("COMMIT")
    finally:
        db.close()


def _sql(*statements: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        with edit(path) as db:
            for s in statements:
                db.execute(s)

    return apply


def _recompute(db: sqlite3.Connection, start: int = 1) -> None:
    """Recompute every hash from record ``start`` on: the chain verifies again."""
    prev = db.execute("SELECT hash FROM chain WHERE seq = ?", (start - 1,)).fetchone()
    prev = prev[0] if prev else "0" * 64
    for seq, tbl, key, op, body in db.execute(
        "SELECT seq, tbl, key, op, body FROM chain WHERE seq >= ? ORDER BY seq", (start,)
    ).fetchall():
        h = chain_hash(prev, seq, tbl, key, op, body)
        db.execute("UPDATE chain SET prev = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h


def full_recompute(path: Path) -> None:
    """Make the closed session permitted in its table and every chain version, then
    recompute the whole chain (only an anchor or the witness can tell)."""
    with edit(path) as db:
        sid = db.execute("SELECT id FROM sessions WHERE ended_at IS NOT NULL").fetchone()[0]
        db.execute("UPDATE sessions SET verdicts = '[\"permitted\"]' WHERE id = ?", (sid,))
        for seq, body in db.execute(
            "SELECT seq, body FROM chain WHERE tbl = 'sessions' AND key = ?", (sid,)
        ).fetchall():
            row = json.loads(body)
            row["verdicts"] = '["permitted"]'
            text = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            db.execute("UPDATE chain SET body = ? WHERE seq = ?", (text, seq))
        _recompute(db)


def roll_back(records: int) -> Callable[[Path], None]:
    """Undo the last ``records`` chain records and what they wrote (a consistent older
    register: only an anchor or the witness can tell)."""

    def apply(path: Path) -> None:
        with edit(path) as db:
            last = db.execute("SELECT MAX(seq) FROM chain").fetchone()[0]
            for seq in range(last, last - records, -1):
                tbl, key, op = db.execute(
                    "SELECT tbl, key, op FROM chain WHERE seq = ?", (seq,)
                ).fetchone()
                if tbl in CHAINED:
                    _undo(db, tbl, key, op, seq)
                db.execute("DELETE FROM chain WHERE seq = ?", (seq,))

    return apply


def _undo(db: sqlite3.Connection, tbl: str, key: str, op: str, seq: int) -> None:
    pk = CHAINED[tbl]
    if op == "insert":
        db.execute(f"DELETE FROM {tbl} WHERE {pk} = ?", (key,))
        return
    body = db.execute(
        "SELECT body FROM chain WHERE tbl = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
        (tbl, key, seq),
    ).fetchone()[0]
    row = json.loads(body)
    sets = ", ".join(f"{c} = ?" for c in row)
    db.execute(f"UPDATE {tbl} SET {sets} WHERE {pk} = ?", (*row.values(), key))


def shift_open_start(path: Path) -> None:
    """The open session's start moved an hour earlier (a longer, earlier connection)."""
    with edit(path) as db:
        sid, started = db.execute(
            "SELECT id, started_at FROM sessions WHERE ended_at IS NULL"
        ).fetchone()
        earlier = to_iso(from_iso(started) - timedelta(hours=1))
        db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (earlier, sid))


def insert_open_session(path: Path) -> None:
    """A second open session, newer than the real one, inserted by hand."""
    with edit(path) as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(sessions)")]
        row = dict(
            zip(cols, db.execute("SELECT * FROM sessions WHERE ended_at IS NULL").fetchone())
        )
        newer = from_iso(row["started_at"]) + timedelta(minutes=5)
        row["id"] = session_id(newer)
        row["started_at"] = to_iso(newer)
        row["verdicts"] = '["permitted"]'
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO sessions({', '.join(row)}) VALUES ({marks})", tuple(row.values()))


def last_seen_back(path: Path) -> None:
    """``meta.last_seen`` moved back to a moment after the open session's start."""
    with edit(path) as db:
        started = db.execute("SELECT started_at FROM sessions WHERE ended_at IS NULL").fetchone()
        later = to_iso(from_iso(started[0]) + timedelta(seconds=0.3))
        db.execute("UPDATE meta SET value = ? WHERE key = 'last_seen'", (later,))


def park_alert(column: str) -> Callable[[Path], None]:
    """An alert waiting in the outbox (written through the register, as the daemon
    would) whose ``column`` is then set to year 9999: it would never leave."""

    def apply(path: Path) -> None:
        from monitor.domain.enums import AlertKind, Severity
        from monitor.domain.model import Alert
        from monitor.register import Register
        from tests.support.daemon_parts import START

        with contextlib.closing(Register(path)) as reg:
            alert = Alert(AlertKind.MONITOR, Severity.WARNING, START, None, detail="parked")
            aid = reg.enqueue_alert(alert, "[monitor] parked", "parked alert\n")
        with edit(path) as db:
            db.execute(
                f"UPDATE alerts SET {column} = '9999-12-31T00:00:00.000000+00:00' WHERE id = ?",
                (aid,),
            )

    return apply


def garbage_pages(path: Path) -> None:
    """Pages 2 and on overwritten with random bytes (the header page is kept)."""
    size = path.stat().st_size
    page = 4096
    with open(path, "r+b") as f:
        f.seek(page)
        f.write(os.urandom(max(size - page, page)))


def zero_length(path: Path) -> None:
    with open(path, "w"):
        pass


def delete(path: Path) -> None:
    path.unlink()


#: The tamperings of the issue and the ones ``verify`` caught already.
TAMPERINGS: list[Tampering] = [
    Tampering(
        "edit a closed session's verdict",
        _sql(
            "UPDATE sessions SET verdicts = '[\"permitted\"]' WHERE ended_at IS NOT NULL",
        ),
        "differs from its chain record in verdicts",
        "differs from its chain record in verdicts",
        None,
        "differs from its chain record in verdicts",
    ),
    Tampering(
        "delete a closed session",
        _sql("DELETE FROM sessions WHERE ended_at IS NOT NULL"),
        "in the chain but not in the table (deleted)",
        "in the chain but not in the table (deleted)",
        None,
        "in the chain but not in the table (deleted)",
    ),
    Tampering(
        "swap the start of the two sessions",
        lambda p: _swap_starts(p),
        "differs from its chain record in started_at",
        "differs from its chain record in started_at",
        "register-altered",
        "differs from its chain record in started_at",
    ),
    Tampering(
        "edit a chain record's body",
        lambda p: _edit_chain_body(p),
        "content does not match its hash (edited)",
        "content does not match its hash (edited)",
        None,
        "content does not match its hash (edited)",
    ),
    Tampering(
        "delete a chain record in the middle",
        _sql("DELETE FROM chain WHERE seq = 5"),
        "record 5 is missing",
        "record 5 is missing",
        None,
        "record 5 is missing",
    ),
    Tampering(
        "delete a link event and its chain record, recompute the chain",
        lambda p: _delete_and_recompute(p),
        None,
        "the noted record is gone",
        "register-older",
        "",
    ),
    Tampering(
        "drop table acks",
        _sql("DROP TABLE acks"),
        "table acks is missing (dropped)",
        "table acks is missing (dropped)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "drop table link_events",
        _sql("DROP TABLE link_events"),
        "table link_events is missing (dropped)",
        "table link_events is missing (dropped)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "drop a column",
        _sql("ALTER TABLE transitions DROP COLUMN reason"),
        "table transitions lacks column(s) reason (dropped)",
        "table transitions lacks column(s) reason (dropped)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "add a trigger that rewrites new sessions",
        _sql(
            "CREATE TRIGGER launder AFTER INSERT ON sessions BEGIN "
            "UPDATE sessions SET verdicts = '[\"permitted\"]' WHERE id = new.id; END",
        ),
        "trigger launder should not be there (added)",
        "trigger launder should not be there (added)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "drop the chain's index",
        _sql("DROP INDEX chain_rows"),
        "index chain_rows is missing (dropped)",
        "index chain_rows is missing (dropped)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "roll the schema version back",
        _sql("PRAGMA user_version = 2"),
        f"schema: file says v2, chain says v{SCHEMA_VERSION} (the version was set back)",
        f"schema: file says v2, chain says v{SCHEMA_VERSION} (the version was set back)",
        "register-reshaped",
        "",
    ),
    Tampering(
        "recompute the whole chain after an edit",
        full_recompute,
        None,
        "is not the noted",
        "register-rewritten",
        "",
    ),
    Tampering(
        "roll the last records back",
        roll_back(4),
        None,
        "the noted record is gone",
        "register-older",
        "",
    ),
    Tampering(
        "insert an open session by hand",
        insert_open_session,
        "not in the chain (inserted)",
        "not in the chain (inserted)",
        "register-altered",
        "not in the chain (inserted)",
    ),
    Tampering(
        "move the open session's start an hour earlier",
        shift_open_start,
        "differs from its chain record in started_at",
        "differs from its chain record in started_at",
        "register-altered",
        "differs from its chain record in started_at",
    ),
    Tampering(
        "move meta.last_seen back",
        last_seen_back,
        None,
        None,
        "register-altered",
        "",
    ),
    Tampering(
        "claim an alert until 9999",
        park_alert("claimed_until"),
        None,
        None,
        "register-altered",
        "",
    ),
    Tampering(
        "put an alert's next attempt in 9999",
        park_alert("next_attempt_at"),
        None,
        None,
        "register-altered",
        "",
    ),
    Tampering(
        "overwrite pages with garbage",
        garbage_pages,
        "register damaged",
        "register damaged",
        "register-damaged",
        "",
    ),
    Tampering(
        "replace the file by a zero-length file",
        zero_length,
        "register damaged",
        "register damaged",
        "register-empty",
        "",
    ),
    Tampering(
        "delete the file",
        delete,
        "no register",
        "no register",
        "register-missing",
        "",
    ),
]


def _delete_and_recompute(path: Path) -> None:
    """Delete the first link event and its chain record, renumber and recompute."""
    with edit(path) as db:
        seq, key = db.execute(
            "SELECT seq, key FROM chain WHERE tbl = 'link_events' ORDER BY seq LIMIT 1"
        ).fetchone()
        db.execute("DELETE FROM link_events WHERE id = ?", (key,))
        db.execute("DELETE FROM chain WHERE seq = ?", (seq,))
        later = db.execute("SELECT seq FROM chain WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
        for (n,) in later:
            db.execute("UPDATE chain SET seq = ? WHERE seq = ?", (n - 1, n))
        _recompute(db, seq)


def _swap_starts(path: Path) -> None:
    with edit(path) as db:
        (a, ta), (b, tb) = db.execute("SELECT id, started_at FROM sessions ORDER BY id").fetchall()
        db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (tb, a))
        db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (ta, b))


def _edit_chain_body(path: Path) -> None:
    """The first chain version of the closed session says it was permitted."""
    with edit(path) as db:
        seq, body = db.execute(
            "SELECT seq, body FROM chain WHERE tbl = 'sessions' ORDER BY seq LIMIT 1"
        ).fetchone()
        row = json.loads(body)
        row["verdicts"] = '["permitted"]'
        db.execute("UPDATE chain SET body = ? WHERE seq = ?", (json.dumps(row), seq))


def daemon_left_register(tmp: Path) -> Path:
    """Run a real daemon (in this process, on test parts) through a session in clinic
    hours (alarm, acknowledged, unplugged after 10 min) and a second one left open at a
    clean stop; return the state folder it left (``register.db`` and its witness)."""
    import asyncio

    from tests.support.daemon_parts import Running, rig, until

    r = rig(tmp)

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.lamp.patterns[-1:] == ["alarm"], 2, "the alarm")
            r.daemon.acknowledge("hoken", "button")
            r.clock.advance(timedelta(minutes=10))
            r.links.unplug()
            await until(lambda: r.lamp.patterns[-1:] == ["off"], 2, "off")
            r.clock.advance(timedelta(hours=1))
            r.links.plug()
            await until(lambda: r.daemon.state.session is not None, 2, "a second session")
            r.clock.advance(timedelta(seconds=30))

    asyncio.run(scenario())
    return r.store.parent
