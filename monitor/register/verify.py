"""``verify``: recompute the chain and compare every table with it, in bounded memory.

Steps, each raising ChainBroken naming the first record that does not agree:
0. the file's shape is the one its schema version has (``shape``: every chained
   table with its columns, every index, no trigger or view);
1. walk the chain in order: sequence, link to the previous record, hash, JSON body
   (one record at a time: nothing but the previous hash is kept);
2. the noted anchor (if any) still carries its hash;
3. the file's schema version is the one the chain recorded last;
4. every row of every chained table equals its newest chain version (else it was
   edited, or inserted behind the chain's back), and every row the chain knows is
   still in its table (else it was deleted). The newest version of a row is one
   probe of the ``chain_rows`` index, so this step streams too.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from monitor.errors import ChainBroken
from monitor.register.chain import GENESIS, chain_hash, check_row
from monitor.register.schema import CHAINED, UNCHAINED_COLUMNS
from monitor.register.shape import check_shape

#: Rows fetched per round trip while streaming (bounds memory, amortises the calls).
_BATCH = 128


def verify(db: sqlite3.Connection, anchor: tuple[int, str] | None = None) -> int:
    """Return the number of chain records when the chain and every table agree; raise
    ChainBroken otherwise. ``db`` is inside a read transaction (one snapshot)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    check_shape(db, version)
    count, schema = _walk_chain(db)
    if anchor is not None:
        check_anchor(db, *anchor)
    if version != schema:
        raise ChainBroken("schema", f"file says v{version}, chain says v{schema}")
    for tbl, pk in CHAINED.items():
        _check_table(db, tbl, pk)
    return count


def stream(cur: sqlite3.Cursor) -> Any:
    """Yield the rows of ``cur`` a batch at a time."""
    while rows := cur.fetchmany(_BATCH):
        yield from rows


def _check_record(r: tuple[Any, ...], expected_seq: int, prev: str) -> None:
    """Check that chain record ``r`` (seq, tbl, key, op, body, prev, hash, body is
    JSON) follows ``prev`` at ``expected_seq``, matches its hash and has a JSON body."""
    seq, tbl, key, op, body, r_prev, r_hash, is_json = r
    name = f"chain record {seq} ({tbl} {key})"
    if seq != expected_seq:
        gap = f"record {expected_seq} is missing" if seq > expected_seq else "bad seq"
        raise ChainBroken(name, f"out of sequence: {gap}")
    if r_prev != prev:
        raise ChainBroken(
            name, "does not follow the previous record (a record was deleted or inserted before it)"
        )
    if chain_hash(r_prev, seq, tbl, key, op, body) != r_hash:
        raise ChainBroken(name, "content does not match its hash (edited)")
    if not is_json:
        raise ChainBroken(name, "body is not JSON")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _chain_records(db: sqlite3.Connection, first: int) -> sqlite3.Cursor:
    """Return a cursor over the chain in order from record ``first``, each record with
    whether its body is JSON (SQLite's json_valid, in C; Python's parser where SQLite
    lacks JSON)."""
    sql = "SELECT seq, tbl, key, op, body, prev, hash, json_valid(body) FROM chain "
    sql += "WHERE seq >= ? ORDER BY seq"
    try:
        cur = db.execute(sql, (first,))
    except sqlite3.OperationalError:  # no such function: json_valid (SQLite < 3.38 without JSON1)
        db.create_function("json_valid", 1, _is_json, deterministic=True)
        cur = db.execute(sql, (first,))
    # Plain tuples, not sqlite3.Row: this loop runs once per record of the register.
    cur.row_factory = None
    return cur


def _walk_chain(db: sqlite3.Connection) -> tuple[int, int]:
    """Check every chain record in order; return (count, schema version recorded last)."""
    count, schema = check_walk(db, 1, GENESIS)
    return count, schema or 0


def check_walk(db: sqlite3.Connection, first: int, prev: str) -> tuple[int, int | None]:
    """Check the chain records from ``first`` to the head in order, the first one
    following ``prev``; return (count, schema version recorded last among them, or
    None when none of them is a schema record)."""
    seq, schema = first - 1, None
    for r in stream(_chain_records(db, first)):
        seq += 1
        _check_record(r, seq, prev)
        if r[1] == "schema":
            schema = json.loads(r[4]).get("version", 0)
        prev = r[6]
    return seq - first + 1, schema


def check_anchor(db: sqlite3.Connection, seq: int, want: str) -> None:
    """Check that chain record ``seq`` still carries the noted hash ``want``."""
    r = db.execute("SELECT hash FROM chain WHERE seq = ?", (seq,)).fetchone()
    if r is None:
        raise ChainBroken(f"chain record {seq}", "the noted record is gone")
    if r["hash"] != want.lower():
        raise ChainBroken(
            f"chain record {seq}",
            f"hash {r['hash'][:12]}… is not the noted {want[:12]}… (the register was rewritten)",
        )


def _check_table(db: sqlite3.Connection, tbl: str, pk: str) -> None:
    """Check every row of ``tbl`` and that no row the chain knows is missing."""
    seen = check_rows(db, tbl, pk)
    if seen is None:
        return
    known = db.execute("SELECT COUNT(DISTINCT key) FROM chain WHERE tbl = ?", (tbl,)).fetchone()
    if known[0] != seen:
        _report_deleted(db, tbl, pk)


def check_rows(
    db: sqlite3.Connection,
    tbl: str,
    pk: str,
    where: str = "1=1",
    args: list[Any] | None = None,
    order: str | None = None,
) -> int | None:
    """Check that every row of ``tbl`` matching ``where`` (on ``t.``) equals its newest
    chain version, in the order of ``order`` (default: the primary key); return how
    many there were (None: no such table)."""
    exists = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
    if db.execute(exists, (tbl,)).fetchone() is None:
        return None
    # The chain's key of a row is the text of its primary key (see chain.insert_chained).
    newest = (
        f"SELECT t.*, c.body AS chain_body_ FROM {tbl} t LEFT JOIN chain c ON c.seq = "
        f"(SELECT MAX(seq) FROM chain WHERE tbl = ? AND key = CAST(t.{pk} AS TEXT)) "
        f"WHERE {where} ORDER BY {order or 't.' + pk}"
    )
    cur = db.execute(newest, [tbl, *(args or ())])
    cur.row_factory = None  # tuples: this loop runs once per row of the table
    names = [d[0] for d in cur.description][:-1]
    skip = UNCHAINED_COLUMNS.get(tbl, frozenset())
    chained = [(i, name) for i, name in enumerate(names) if name not in skip]
    at_pk, seen = names.index(pk), 0
    for row in stream(cur):
        seen += 1
        check_row(tbl, str(row[at_pk]), {name: row[i] for i, name in chained}, row[-1])
    return seen


def _report_deleted(db: sqlite3.Connection, tbl: str, pk: str) -> None:
    """Raise ChainBroken for the first row (in chain order) the chain knows but the
    table has lost. (``t.id = c.key`` compares numerically for an integer key: SQLite
    applies the column's affinity to the text, so the primary key index is used.)"""
    r = db.execute(
        f"SELECT key FROM chain c WHERE tbl = ? AND NOT EXISTS "
        f"(SELECT 1 FROM {tbl} t WHERE t.{pk} = c.key) "
        f"GROUP BY key ORDER BY MIN(seq) LIMIT 1",
        (tbl,),
    ).fetchone()
    key = r[0] if r else "?"
    raise ChainBroken(f"{tbl} row {key}", "in the chain but not in the table (deleted)")
