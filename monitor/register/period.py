"""``verify_period``: the check a printout of one period makes before it prints
(``log --since``, ``export --month``), in time that grows with the period and what
came after it, not with the register's whole history.

A full ``verify`` (``monitor.register.verify``) reads every record since the first
one: 7 s at a million records. A printout of last month needs only the part of the
chain its rows rest on. The part checked:

0. the file's shape (every chained table, column and index) and that its schema
   version is the one the chain recorded last;
1. the chain from ``first`` to the head, in order: sequence, link to the previous
   record (the first one to the stored hash of the record before it), hash, JSON.
   ``first`` is the first record of the last session that started before the
   period (the whole chain when there is none): every record written during the
   period and after it is in this part, with what the period's sessions were
   written beside;
2. every row whose newest chain version is in that part is still in its table and
   equal to it (else it was edited or deleted);
3. every row printed (the period's sessions, their permits, alerts,
   acknowledgements and work reports) equals its newest chain version (else it
   was edited, or inserted behind the chain's back).

What it does not see: an edit of a record older than ``first`` that no printed row
rests on. ``verify`` (whole chain) and the monthly ``report`` still check everything.
"""

from __future__ import annotations

import json
import sqlite3

from monitor.errors import ChainBroken
from monitor.register.chain import GENESIS, check_row, row_body, select_row
from monitor.register.schema import CHAINED
from monitor.register.shape import check_shape
from monitor.register.verify import check_rows, check_walk, stream

#: The printed tables below the sessions, each read by its ``session_id``.
_PRINTED_WITH_SESSIONS = ("alerts", "acks", "work_reports")


def verify_period(db: sqlite3.Connection, since: str, until: str | None) -> tuple[int, int]:
    """Return ``(first, count)``: the first chain record checked and how many were,
    when the part of the register a printout of the sessions that started in
    [``since``, ``until``) rests on is intact (ISO texts as stored); raise
    ChainBroken naming the first record that does not agree. ``db`` is inside a
    read transaction (one snapshot)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    check_shape(db, version)
    first = _first_record(db, since)
    prev = GENESIS
    if first > 1:
        r = db.execute("SELECT hash FROM chain WHERE seq = ?", (first - 1,)).fetchone()
        if r is None:
            raise ChainBroken(f"chain record {first - 1}", "out of sequence: it is missing")
        prev = r[0]
    count, schema = check_walk(db, first, prev)
    if schema is None:
        schema = _schema_before(db, first)
    if version != schema:
        raise ChainBroken("schema", f"file says v{version}, chain says v{schema}")
    _check_newest_from(db, first)
    _check_printed(db, since, until)
    return first, count


def _first_record(db: sqlite3.Connection, since: str) -> int:
    """Return the first chain record of the last session that started before ``since``
    (1 when there is none: the whole chain)."""
    r = db.execute(
        "SELECT id FROM sessions WHERE started_at < ? ORDER BY started_at DESC LIMIT 1", (since,)
    ).fetchone()
    if r is None:
        return 1
    seq = db.execute(
        "SELECT MIN(seq) FROM chain WHERE tbl = 'sessions' AND key = ?", (str(r[0]),)
    ).fetchone()[0]
    return 1 if seq is None else int(seq)


def _schema_before(db: sqlite3.Connection, first: int) -> int:
    """Return the schema version the chain recorded last before record ``first``."""
    r = db.execute(
        "SELECT body FROM chain WHERE tbl = 'schema' AND seq < ? ORDER BY seq DESC LIMIT 1",
        (first,),
    ).fetchone()
    if r is None:
        return 0
    try:
        version = json.loads(r[0]).get("version", 0)
    except (ValueError, AttributeError):
        raise ChainBroken("schema", "its chain record is not a schema record (edited)") from None
    return int(version)


def _check_newest_from(db: sqlite3.Connection, first: int) -> None:
    """Check every row whose newest chain version is record ``first`` or later: still
    in its table (else deleted) and equal to it (else edited)."""
    tables = ", ".join(f"'{tbl}'" for tbl in CHAINED)
    cur = db.execute(
        f"SELECT c.tbl, c.key, c.body FROM chain c WHERE c.seq >= ? AND +c.tbl IN ({tables}) "
        "AND c.seq = (SELECT MAX(seq) FROM chain WHERE tbl = c.tbl AND key = c.key) "
        "ORDER BY c.seq",
        (first,),
    )
    cur.row_factory = None
    for tbl, key, body in stream(cur):
        row = select_row(db, tbl, key)
        if row is None:
            raise ChainBroken(f"{tbl} row {key}", "in the chain but not in the table (deleted)")
        check_row(tbl, key, row_body(tbl, row), body)


def _check_printed(db: sqlite3.Connection, since: str, until: str | None) -> None:
    """Check every row a printout of the period shows against its newest chain version."""
    period, args = "started_at >= ?", [since]
    if until is not None:
        period, args = period + " AND started_at < ?", [since, until]
    check_rows(db, "sessions", CHAINED["sessions"], f"t.{period}", args, "t.started_at")
    ids = f"t.session_id IN (SELECT id FROM sessions WHERE {period})"
    for tbl in _PRINTED_WITH_SESSIONS:
        check_rows(db, tbl, CHAINED[tbl], ids, args)
    permits = f"t.id IN (SELECT permit_id FROM sessions WHERE {period})"
    check_rows(db, "permits", CHAINED["permits"], permits, args)
