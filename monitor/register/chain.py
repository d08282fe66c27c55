"""The hash chain: every write appends the row as it now stands to ``chain``.

A chain record is ``(seq, tbl, key, op, body, prev, hash)`` with ``body`` the
canonical JSON of the row (minus its unchained scheduling columns) and
``hash = SHA-256(prev, seq, tbl, key, op, body)``. The functions here run inside
a write transaction of the caller, so the head is read and extended atomically.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from monitor.errors import ChainBroken, RegisterAltered
from monitor.register.schema import ADDED_COLUMNS, CHAINED, UNCHAINED_COLUMNS

GENESIS = "0" * 64


# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(obj: Any) -> str:
    """Return the canonical JSON of ``obj``: sorted keys, no spaces, UTF-8 kept."""
    return _ENCODER.encode(obj)


def chain_hash(prev: str, seq: int, tbl: str, key: str, op: str, body: str) -> str:
    """Return the SHA-256 hex digest that chains one record to the previous one."""
    text = "\n".join((prev, str(seq), tbl, key, op, body))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_head(db: sqlite3.Connection) -> tuple[int, str]:
    """Return ``(seq, hash)`` of the newest chain record (``(0, GENESIS)`` if empty)."""
    r = db.execute(
        "SELECT seq, hash FROM chain WHERE seq = (SELECT MAX(seq) FROM chain)"
    ).fetchone()
    return (r[0], r[1]) if r else (0, GENESIS)


def row_body(tbl: str, row: sqlite3.Row) -> dict[str, Any]:
    """Return the chained part of a table row: every column but the scheduling ones."""
    skip = UNCHAINED_COLUMNS.get(tbl, frozenset())
    # sqlite3.Row iterates over values, not keys: .keys() is needed here.
    return {k: row[k] for k in row.keys() if k not in skip}  # noqa: SIM118


def chain_append(
    db: sqlite3.Connection, tbl: str, key: str, op: str, body_obj: dict[str, Any]
) -> None:
    """Append one record about row ``key`` of ``tbl`` after the current head."""
    seq, prev = chain_head(db)
    seq += 1
    body = canonical(body_obj)
    db.execute(
        "INSERT INTO chain(seq, tbl, key, op, body, prev, hash) VALUES (?,?,?,?,?,?,?)",
        (seq, tbl, key, op, body, prev, chain_hash(prev, seq, tbl, key, op, body)),
    )


def newest_body(db: sqlite3.Connection, tbl: str, key: Any) -> str | None:
    """Return the body of the newest chain record of row ``key`` of ``tbl`` (one probe of
    the ``chain_rows`` index), or None when the chain never saw that row."""
    r = db.execute(
        "SELECT body FROM chain WHERE seq = (SELECT MAX(seq) FROM chain WHERE tbl = ? AND key = ?)",
        (tbl, str(key)),
    ).fetchone()
    return None if r is None else str(r[0])


def check_row(tbl: str, key: str, have: dict[str, Any], body: str | None) -> None:
    """Raise ChainBroken unless ``have`` (a row's chained columns) equals its newest
    chain version ``body`` (a column added by a later migration takes its default)."""
    name = f"{tbl} row {key}"
    if body is None:
        raise ChainBroken(name, "not in the chain (inserted)")
    have_text = canonical(have)
    if have_text == body:  # the common case: no parsing needed
        return
    want = json.loads(body)
    if not isinstance(want, dict):
        raise ChainBroken(name, "its chain record is not a row (edited)")
    for col in have:
        if col not in want and (tbl, col) in ADDED_COLUMNS:
            want[col] = ADDED_COLUMNS[(tbl, col)]
    if have_text != canonical(want):
        cols = sorted(c for c in set(have) | set(want) if have.get(c) != want.get(c))
        raise ChainBroken(name, f"differs from its chain record in {', '.join(cols)} (edited)")


def check_stored(db: sqlite3.Connection, tbl: str, row: sqlite3.Row) -> None:
    """Raise RegisterAltered unless table row ``row`` is what the chain last recorded
    of it: what the daemon builds on must be what it wrote."""
    key = row[CHAINED[tbl]]
    try:
        check_row(tbl, str(key), row_body(tbl, row), newest_body(db, tbl, key))
    except ChainBroken as exc:
        raise RegisterAltered(exc.record, exc.reason) from None


def select_row(db: sqlite3.Connection, tbl: str, key: Any) -> sqlite3.Row | None:
    """Return row ``key`` of chained table ``tbl`` (None when there is none)."""
    row: sqlite3.Row | None = db.execute(
        f"SELECT * FROM {tbl} WHERE {CHAINED[tbl]} = ?", (key,)
    ).fetchone()
    return row


def insert_chained(db: sqlite3.Connection, tbl: str, values: dict[str, Any]) -> int:
    """Insert one row and chain it as SQLite now holds it (read back); return its rowid."""
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = db.execute(f"INSERT INTO {tbl}({cols}) VALUES ({marks})", tuple(values.values()))
    rowid = cur.lastrowid
    assert rowid is not None  # an INSERT always sets it
    key = values.get(CHAINED[tbl], rowid)
    row = select_row(db, tbl, key)
    assert row is not None  # just inserted, in this transaction
    chain_append(db, tbl, str(key), "insert", row_body(tbl, row))
    return rowid


def update_chained(db: sqlite3.Connection, tbl: str, key: Any, values: dict[str, Any]) -> bool:
    """Update one row; chain it only when a chained column changed. Return False if
    there is no such row; raise RegisterAltered if the row is not what the chain last
    recorded of it (edited or inserted behind the chain's back)."""
    before = select_row(db, tbl, key)
    if before is None:
        return False
    # Never chain what this code did not write: a row edited or inserted by hand would
    # otherwise be laundered into a chain that verifies.
    check_stored(db, tbl, before)
    sets = ", ".join(f"{c} = ?" for c in values)
    db.execute(f"UPDATE {tbl} SET {sets} WHERE {CHAINED[tbl]} = ?", (*values.values(), key))
    after = select_row(db, tbl, key)
    assert after is not None  # updated, not deleted
    if row_body(tbl, before) != row_body(tbl, after):
        chain_append(db, tbl, str(key), "update", row_body(tbl, after))
    return True
