"""``verify``: recompute the chain and compare every table with it.

Steps, each raising ChainBroken naming the first record that does not agree:
1. walk the chain in order: sequence, link to the previous record, hash, JSON body;
2. the noted anchor (if any) still carries its hash;
3. the file's schema version is the one the chain recorded last;
4. every row of every chained table equals its newest chain version (else it was
   edited, or inserted behind the chain's back), and every row the chain knows is
   still in its table (else it was deleted).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from monitor.errors import ChainBroken
from monitor.register.chain import GENESIS, canonical, chain_hash, row_body
from monitor.register.schema import ADDED_COLUMNS, CHAINED

Latest = dict[tuple[str, str], dict[str, Any]]


def verify(db: sqlite3.Connection, anchor: tuple[int, str] | None = None) -> int:
    """Return the number of chain records when the chain and every table agree; raise
    ChainBroken otherwise. ``db`` is inside a read transaction (one snapshot)."""
    count, schema, latest = _walk_chain(db)
    if anchor is not None:
        _check_anchor(db, *anchor)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != schema:
        raise ChainBroken("schema", f"file says v{version}, chain says v{schema}")
    for tbl, pk in CHAINED.items():
        _check_table(db, tbl, pk, latest)
    return count


def _check_record(r: sqlite3.Row, expected_seq: int, prev: str) -> Any:
    """Return the parsed body of chain record ``r`` if it follows ``prev`` at
    ``expected_seq`` and matches its hash."""
    name = f"chain record {r['seq']} ({r['tbl']} {r['key']})"
    if r["seq"] != expected_seq:
        gap = f"record {expected_seq} is missing" if r["seq"] > expected_seq else "bad seq"
        raise ChainBroken(name, f"out of sequence: {gap}")
    if r["prev"] != prev:
        raise ChainBroken(
            name, "does not follow the previous record (a record was deleted or inserted before it)"
        )
    if chain_hash(r["prev"], r["seq"], r["tbl"], r["key"], r["op"], r["body"]) != r["hash"]:
        raise ChainBroken(name, "content does not match its hash (edited)")
    try:
        return json.loads(r["body"])
    except ValueError:
        raise ChainBroken(name, "body is not JSON") from None


def _walk_chain(db: sqlite3.Connection) -> tuple[int, int, Latest]:
    """Check every chain record in order; return (count, schema version recorded last,
    newest body of each (table, key))."""
    latest: Latest = {}
    prev, seq, schema = GENESIS, 0, 0
    for r in db.execute("SELECT seq, tbl, key, op, body, prev, hash FROM chain ORDER BY seq"):
        seq += 1
        body = _check_record(r, seq, prev)
        if r["tbl"] == "schema":
            schema = body.get("version", 0)
        else:
            latest[(r["tbl"], r["key"])] = body
        prev = r["hash"]
    return seq, schema, latest


def _check_anchor(db: sqlite3.Connection, seq: int, want: str) -> None:
    """Check that chain record ``seq`` still carries the noted hash ``want``."""
    r = db.execute("SELECT hash FROM chain WHERE seq = ?", (seq,)).fetchone()
    if r is None:
        raise ChainBroken(f"chain record {seq}", "the noted record is gone")
    if r["hash"] != want.lower():
        raise ChainBroken(
            f"chain record {seq}",
            f"hash {r['hash'][:12]}… is not the noted {want[:12]}… (the register was rewritten)",
        )


def _check_row(tbl: str, key: str, have: dict[str, Any], want: dict[str, Any] | None) -> None:
    """Check one table row ``have`` against its newest chain version ``want``."""
    name = f"{tbl} row {key}"
    if want is None:
        raise ChainBroken(name, "not in the chain (inserted)")
    want = dict(want)
    for col in have:
        if col not in want and (tbl, col) in ADDED_COLUMNS:
            want[col] = ADDED_COLUMNS[(tbl, col)]
    if canonical(have) != canonical(want):
        cols = sorted(c for c in set(have) | set(want) if have.get(c) != want.get(c))
        raise ChainBroken(name, f"differs from its chain record in {', '.join(cols)} (edited)")


def _check_table(db: sqlite3.Connection, tbl: str, pk: str, latest: Latest) -> None:
    """Check every row of ``tbl`` and that no row the chain knows is missing."""
    exists = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
    if db.execute(exists, (tbl,)).fetchone() is None:
        return
    seen = set()
    for row in db.execute(f"SELECT * FROM {tbl} ORDER BY {pk}"):
        key = str(row[pk])
        seen.add(key)
        _check_row(tbl, key, row_body(tbl, row), latest.get((tbl, key)))
    for t, key in latest:
        if t == tbl and key not in seen:
            raise ChainBroken(f"{tbl} row {key}", "in the chain but not in the table (deleted)")
