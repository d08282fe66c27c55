"""SQLite store: schema + migrations, sessions, events, permits, outbox, hash chain.

CONTRACT (implemented in the register issue; the daemon and notify rely on it):

    Register(path)                            open/create, WAL, synchronous=FULL, migrate
    .close() / context manager
    .record_link_event(obs: LinkObserved)
    .open_session(s: Session) / .update_session(s) / .close_session(s)
    .current_session() -> Session | None      the open session (for restart safety)
    .add_permit(p: Permit) -> Permit          with id
    .valid_permits(now) -> list[Permit]       granted, unexpired, not yet linked
    .record_transition(t: Transition)
    .enqueue_alert(alert: Alert, title: str, body: str) -> int | None
                                              None when alert.key is already queued (idempotent)
    .claim_due_alerts(now, limit, lease=5m) -> list[OutboxRow]   conditional update: claimed once
    .record_attempt(id, ok, error, duration_s, next_attempt_at, delivered_at,
                    *, permanent=False, at=None)   permanent: give up, but keep it visible
    .retry_all_now(now, *, include_failed=False) -> int   a link came up: mail may leave now
    .outbox_summary() -> dict                 {"pending": n, "failed": n, "permanent": n,
                                               "last_error": str|None, "oldest_pending_at": dt|None}
    .sessions(since=None, until=None) -> list[Session]
    .set_last_seen(at)                        heartbeat of the daemon (for RECOVERED end times)
    .verify() -> int                          count of intact records; raise ChainBroken

Extensions (this implementation):

    Register.open_readonly(path)              for `log` / `export` / `verify` while a daemon writes
    .last_seen() -> datetime | None           the heartbeat written by set_last_seen
    .record_ack(by, source, at, session_id)   who silenced the alarm (schema v2)
    .alerts_for(session_ids) -> dict[str, list[OutboxRow]]
    .outbox(include_delivered=False) -> list[OutboxRow]
    .head() -> tuple[int, str]                (seq, hash) of the newest chain record

Tamper evidence. Every write appends, in the same transaction, a record to the
append-only ``chain`` table: the table and key of the row written and the
canonical JSON of the row as it now stands, with ``hash = SHA-256(prev hash,
seq, table, key, op, body)``. The other tables are projections of the chain.
``verify()`` recomputes the whole chain (an edited, deleted or inserted chain
record breaks it) and checks that every projection row equals its newest chain
version and that no chained row is missing (an edited, deleted or inserted
table row). Outbox scheduling columns (lease, next attempt) are excluded: they
are not part of the record, and chaining each claim would bloat the chain.
A chain without a secret can be recomputed by someone who rewrites the whole
file; `verify` prints the head hash so that it can be noted down outside the
machine (e.g. on the printed monthly register) and compared later.

Concurrency. Every write is one ``BEGIN IMMEDIATE`` transaction (SQLite's
single writer lock), so the chain head is read and extended atomically even
with several processes, and an outbox claim is a conditional update that only
one process can win. Readers use WAL snapshots and never block the writer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.compat import UTC, Self
from monitor.domain.enums import (
    AlertKind,
    EndReason,
    OutboxState,
    Period,
    Purpose,
    Severity,
    Verdict,
)
from monitor.domain.model import Alert, AlertRecord, LinkObserved, Permit, Session, Transition
from monitor.errors import ChainBroken, RegisterError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DEFAULT_LEASE = timedelta(minutes=5)

# ------------------------------------------------------------------------ schema

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE chain (
    seq  INTEGER PRIMARY KEY,
    tbl  TEXT NOT NULL,
    key  TEXT NOT NULL,
    op   TEXT NOT NULL,
    body TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE link_events (
    id        INTEGER PRIMARY KEY,
    interface TEXT NOT NULL,
    ifindex   INTEGER NOT NULL,
    online    INTEGER NOT NULL,
    carrier   INTEGER,
    operstate TEXT NOT NULL,
    admin_up  INTEGER NOT NULL,
    present   INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE TABLE permits (
    id             INTEGER PRIMARY KEY,
    purpose        TEXT NOT NULL,
    company        TEXT NOT NULL,
    staff          TEXT NOT NULL,
    expected_s     REAL NOT NULL,
    note           TEXT NOT NULL,
    granted_by     TEXT NOT NULL,
    granted_at     TEXT NOT NULL,
    after_the_fact INTEGER NOT NULL
);
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    interfaces     TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    duration_s     REAL,
    periods        TEXT NOT NULL,
    verdicts       TEXT NOT NULL,
    permit_id      INTEGER REFERENCES permits(id),
    bytes_sent     INTEGER NOT NULL,
    bytes_received INTEGER NOT NULL,
    alerts         TEXT NOT NULL,
    end_reason     TEXT,
    last_seen      TEXT
);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE TABLE transitions (
    id     INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    old    TEXT,
    new    TEXT NOT NULL,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    session_id      TEXT,
    reminder        INTEGER NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    claimed_until   TEXT,
    claim_token     TEXT,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX alerts_due ON alerts(delivered_at, next_attempt_at);
CREATE TABLE alert_attempts (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL REFERENCES alerts(id),
    at         TEXT NOT NULL,
    ok         INTEGER NOT NULL,
    error      TEXT,
    duration_s REAL NOT NULL
);
"""

# v2: give up on an alert that can never be delivered (permanent failure) without
# hiding it, keep the length of the last attempt on the row, and record who
# silenced the alarm.
_V2 = """
ALTER TABLE alerts ADD COLUMN permanent_failure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN last_duration_s REAL;
CREATE TABLE acks (
    id         INTEGER PRIMARY KEY,
    by         TEXT NOT NULL,
    source     TEXT NOT NULL,
    session_id TEXT,
    at         TEXT NOT NULL
);
"""

#: MIGRATIONS[n] takes a schema at version n to n + 1 (version 0 = empty file).
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)

#: Chained tables and their primary key.
CHAINED: dict[str, str] = {
    "link_events": "id",
    "permits": "id",
    "sessions": "id",
    "transitions": "id",
    "alerts": "id",
    "alert_attempts": "id",
    "acks": "id",
}
#: Scheduling columns that are not part of the record (see the module docstring).
UNCHAINED_COLUMNS: dict[str, frozenset[str]] = {
    "alerts": frozenset({"claimed_until", "claim_token", "next_attempt_at"}),
}
#: Columns added by a migration, with the value every older row received. A chain
#: version written before the column existed is read with this value.
ADDED_COLUMNS: dict[tuple[str, str], Any] = {
    ("alerts", "permanent_failure"): 0,
    ("alerts", "last_duration_s"): None,
}

# ------------------------------------------------------------------------ helpers


def to_iso(t: datetime | None) -> str | None:
    """Return aware ``t`` as fixed-width UTC ISO 8601 with offset (sorts as text);
    raise ValueError if ``t`` is naive."""
    if t is None:
        return None
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}: the register stores aware times only")
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    """Return the aware UTC datetime of a stored ISO 8601 text (None stays None)."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def canonical(obj: Any) -> str:
    """Return the canonical JSON of ``obj``: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, seq: int, tbl: str, key: str, op: str, body: str) -> str:
    """Return the SHA-256 hex digest that chains one record to the previous one."""
    text = "\n".join((prev, str(seq), tbl, key, op, body))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OutboxRow:
    """One alert in the outbox, as stored."""

    id: int
    key: str
    kind: AlertKind
    severity: Severity
    session_id: str | None
    reminder: int
    title: str
    body: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_duration_s: float | None
    delivered_at: datetime | None
    permanent_failure: bool
    claim_token: str | None = None
    claimed_until: datetime | None = None

    @property
    def state(self) -> OutboxState:
        """Return ``delivered``, ``failed`` (gave up), ``retrying`` or ``pending``."""
        if self.delivered_at is not None:
            return OutboxState.DELIVERED
        if self.permanent_failure:
            return OutboxState.FAILED
        return OutboxState.RETRYING if self.attempts else OutboxState.PENDING


def _outbox_row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        key=r["key"],
        kind=AlertKind(r["kind"]),
        severity=Severity(r["severity"]),
        session_id=r["session_id"],
        reminder=r["reminder"],
        title=r["title"],
        body=r["body"],
        created_at=from_iso(r["created_at"]),
        attempts=r["attempts"],
        next_attempt_at=from_iso(r["next_attempt_at"]),
        last_error=r["last_error"],
        last_duration_s=r["last_duration_s"],
        delivered_at=from_iso(r["delivered_at"]),
        permanent_failure=bool(r["permanent_failure"]),
        claim_token=r["claim_token"],
        claimed_until=from_iso(r["claimed_until"]),
    )


def _permit_row(p: Permit) -> dict[str, Any]:
    return {
        "purpose": Purpose(p.purpose).value,
        "company": p.company,
        "staff": p.staff,
        "expected_s": p.expected.total_seconds(),
        "note": p.note,
        "granted_by": p.granted_by,
        "granted_at": to_iso(p.granted_at),
        "after_the_fact": int(p.after_the_fact),
    }


def _permit_from(r: sqlite3.Row) -> Permit:
    return Permit(
        purpose=Purpose(r["purpose"]),
        company=r["company"],
        staff=r["staff"],
        expected=timedelta(seconds=r["expected_s"]),
        granted_by=r["granted_by"],
        granted_at=from_iso(r["granted_at"]),
        note=r["note"],
        after_the_fact=bool(r["after_the_fact"]),
        id=r["id"],
    )


def _session_row(s: Session, permit_id: int | None) -> dict[str, Any]:
    return {
        "id": s.id,
        "interfaces": canonical(sorted(s.interfaces)),
        "started_at": to_iso(s.started_at),
        "ended_at": to_iso(s.ended_at),
        "duration_s": s.duration().total_seconds() if s.ended_at else None,
        "periods": canonical(sorted(Period(p).value for p in s.periods)),
        "verdicts": canonical([Verdict(v).value for v in s.verdicts]),
        "permit_id": permit_id,
        "bytes_sent": int(s.bytes_sent),
        "bytes_received": int(s.bytes_received),
        "alerts": canonical([[AlertKind(a.kind).value, a.reminder, to_iso(a.at)] for a in s.alerts]),
        "end_reason": EndReason(s.end_reason).value if s.end_reason else None,
        "last_seen": to_iso(s.last_seen),
    }


class Register:
    """The register file. Safe to share between threads (one lock); several processes
    may open the same file (SQLite locking, WAL)."""

    def __init__(self, path: str | Path, *, _readonly: bool = False):
        """Open or create the register at ``path`` (creating its folder) and migrate it
        to the current schema; raise RegisterError if that is impossible."""
        self.path = Path(path)
        self.readonly = _readonly
        self._lock = threading.RLock()
        try:
            if _readonly:
                denied = RegisterError(f"{self.path}: permission denied (the register may be "
                                       "read by root and by members of the service's group)")
                try:
                    present = self.path.exists()
                except PermissionError:
                    raise denied from None
                if not present:
                    raise RegisterError(f"no register at {self.path} yet")
                if not os.access(self.path, os.R_OK):
                    raise denied
                self._db = self._connect_readonly()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(
                    self.path, timeout=10.0, isolation_level=None, check_same_thread=False
                )
            self._db.row_factory = sqlite3.Row
            if not _readonly:
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise RegisterError(f"{self.path}: cannot switch to WAL (got {mode})")
                self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise RegisterError(
                    f"{self.path}: schema v{version} was written by a newer link-monitor "
                    f"(this one knows v{SCHEMA_VERSION})"
                )
            if version < SCHEMA_VERSION:
                if _readonly:
                    raise RegisterError(
                        f"{self.path}: schema v{version} is older than v{SCHEMA_VERSION}; "
                        "start the monitor once to upgrade it"
                    )
                self._migrate()
        except sqlite3.Error as exc:
            raise RegisterError(f"{self.path}: cannot open the register: {exc}") from None

    def _connect_readonly(self) -> sqlite3.Connection:
        """Return a read-only connection.

        A WAL reader needs the ``-shm`` file. While the daemon runs it exists, and a
        member of the service group may map it read-only. When the daemon has
        stopped cleanly, SQLite has removed ``-wal`` and ``-shm``, and a reader who
        may not write the folder (the group has r-x, as it should) cannot create
        them: "attempt to write a readonly database". Then, and only when there is
        no ``-wal`` (everything is in the main file), the file is read as
        ``immutable``: no locks, no ``-shm``."""
        def connect(uri: str) -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None,
                                   check_same_thread=False)

        base = f"file:{self.path.resolve()}?mode=ro"
        db = connect(base)
        try:
            db.execute("PRAGMA user_version").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() or os.access(self.path.parent, os.W_OK):
                raise
            log.debug("%s: %s; reading it as immutable (no writer, no -wal)", self.path, exc)
        return connect(base + "&immutable=1")

    @classmethod
    def open_readonly(cls, path: str | Path) -> Register:
        """Return the register at ``path`` opened read-only (works while a daemon writes);
        raise RegisterError if there is no register there yet or it cannot be read."""
        return cls(path, _readonly=True)

    # -------------------------------------------------------------- lifecycle

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        with self._write() as db:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={target}")
                self._append(db, "schema", str(target), "migrate",
                             {"version": target, "from": target - 1})

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock (BEGIN IMMEDIATE)."""
        if self.readonly:
            raise RegisterError(f"{self.path}: opened read-only")
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise RegisterError(f"{self.path}: cannot write: {exc}") from None
            # SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR):
            # a second ROLLBACK would then fail and hide the real cause (disk full).
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise RegisterError(f"{self.path}: cannot commit: {exc}") from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent WAL snapshot."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    # -------------------------------------------------------------- chain

    def _append(self, db: sqlite3.Connection, tbl: str, key: str, op: str,
                body_obj: dict[str, Any]) -> None:
        head = db.execute("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, GENESIS)
        body = canonical(body_obj)
        db.execute(
            "INSERT INTO chain(seq, tbl, key, op, body, prev, hash) VALUES (?,?,?,?,?,?,?)",
            (seq, tbl, key, op, body, prev, chain_hash(prev, seq, tbl, key, op, body)),
        )

    @staticmethod
    def _row_body(tbl: str, row: sqlite3.Row) -> dict[str, Any]:
        skip = UNCHAINED_COLUMNS.get(tbl, frozenset())
        # sqlite3.Row iterates over values, not keys: .keys() is needed here.
        return {k: row[k] for k in row.keys() if k not in skip}  # noqa: SIM118

    def _chain_row(self, db: sqlite3.Connection, tbl: str, key: Any, op: str) -> None:
        """Append the row as it now stands (read back, so the body is exactly what
        SQLite holds) to the chain."""
        pk = CHAINED[tbl]
        row = db.execute(f"SELECT * FROM {tbl} WHERE {pk} = ?", (key,)).fetchone()
        self._append(db, tbl, str(key), op, self._row_body(tbl, row))

    def _insert(self, db: sqlite3.Connection, tbl: str, values: dict[str, Any]) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = db.execute(f"INSERT INTO {tbl}({cols}) VALUES ({marks})", tuple(values.values()))
        key = values.get(CHAINED[tbl], cur.lastrowid)
        self._chain_row(db, tbl, key, "insert")
        return cur.lastrowid

    def _update(self, db: sqlite3.Connection, tbl: str, key: Any, values: dict[str, Any]) -> bool:
        """Update one row; chain it only when a chained column changed. Return False if
        there is no such row."""
        pk = CHAINED[tbl]
        before = db.execute(f"SELECT * FROM {tbl} WHERE {pk} = ?", (key,)).fetchone()
        if before is None:
            return False
        sets = ", ".join(f"{c} = ?" for c in values)
        db.execute(f"UPDATE {tbl} SET {sets} WHERE {pk} = ?", (*values.values(), key))
        after = db.execute(f"SELECT * FROM {tbl} WHERE {pk} = ?", (key,)).fetchone()
        if self._row_body(tbl, before) != self._row_body(tbl, after):
            self._append(db, tbl, str(key), "update", self._row_body(tbl, after))
        return True

    def head(self) -> tuple[int, str]:
        """Return ``(seq, hash)`` of the newest chain record (``(0, GENESIS)`` if empty)."""
        with self._lock:
            r = self._db.execute("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
        return (r["seq"], r["hash"]) if r else (0, GENESIS)

    def verify(self, anchor: tuple[int, str] | None = None) -> int:
        """Return the number of chain records when the chain and every table agree;
        raise ChainBroken naming the first record that does not (edited, deleted or
        inserted, in the chain or in a table).

        ``anchor`` = ``(seq, hash)`` noted down earlier (from ``head()``): record
        ``seq`` must still carry that hash, which also catches a chain recomputed
        from scratch by someone who rewrote the whole file."""
        with self._read() as db:
            latest: dict[tuple[str, str], dict[str, Any]] = {}
            prev, expected_seq, schema = GENESIS, 1, 0
            for r in db.execute("SELECT seq, tbl, key, op, body, prev, hash FROM chain ORDER BY seq"):
                name = f"chain record {r['seq']} ({r['tbl']} {r['key']})"
                if r["seq"] != expected_seq:
                    gap = f"record {expected_seq} is missing" if r["seq"] > expected_seq else "bad seq"
                    raise ChainBroken(name, f"out of sequence: {gap}")
                if r["prev"] != prev:
                    raise ChainBroken(name, "does not follow the previous record "
                                            "(a record was deleted or inserted before it)")
                if chain_hash(r["prev"], r["seq"], r["tbl"], r["key"], r["op"], r["body"]) != r["hash"]:
                    raise ChainBroken(name, "content does not match its hash (edited)")
                try:
                    body = json.loads(r["body"])
                except ValueError:
                    raise ChainBroken(name, "body is not JSON") from None
                if r["tbl"] == "schema":
                    schema = body.get("version", 0)
                else:
                    latest[(r["tbl"], r["key"])] = body
                prev, expected_seq = r["hash"], expected_seq + 1
            count = expected_seq - 1
            if anchor is not None:
                seq, want = anchor
                r = db.execute("SELECT hash FROM chain WHERE seq = ?", (seq,)).fetchone()
                if r is None:
                    raise ChainBroken(f"chain record {seq}", "the noted record is gone")
                if r["hash"] != want.lower():
                    raise ChainBroken(f"chain record {seq}",
                                      f"hash {r['hash'][:12]}… is not the noted {want[:12]}… "
                                      "(the register was rewritten)")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != schema:
                raise ChainBroken("schema", f"file says v{version}, chain says v{schema}")
            for tbl, pk in CHAINED.items():
                if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                              (tbl,)).fetchone() is None:
                    continue
                seen = set()
                for row in db.execute(f"SELECT * FROM {tbl} ORDER BY {pk}"):
                    key = str(row[pk])
                    seen.add(key)
                    name = f"{tbl} row {key}"
                    want = latest.get((tbl, key))
                    if want is None:
                        raise ChainBroken(name, "not in the chain (inserted)")
                    have = self._row_body(tbl, row)
                    want = dict(want)
                    for col in have:
                        if col not in want and (tbl, col) in ADDED_COLUMNS:
                            want[col] = ADDED_COLUMNS[(tbl, col)]
                    if canonical(have) != canonical(want):
                        cols = sorted(c for c in set(have) | set(want) if have.get(c) != want.get(c))
                        raise ChainBroken(name, f"differs from its chain record in {', '.join(cols)} "
                                                "(edited)")
                for (t, key) in latest:
                    if t == tbl and key not in seen:
                        raise ChainBroken(f"{tbl} row {key}", "in the chain but not in the table "
                                                              "(deleted)")
        return count

    # -------------------------------------------------------------- link events, transitions

    def record_link_event(self, obs: LinkObserved) -> int:
        """Append one link observation; return its id."""
        values = {
            "interface": obs.interface,
            "ifindex": obs.index,
            "online": int(obs.online),
            "carrier": None if obs.carrier is None else int(obs.carrier),
            "operstate": obs.operstate,
            "admin_up": int(obs.admin_up),
            "present": int(obs.present),
            "at": to_iso(obs.at),
        }
        with self._write() as db:
            return self._insert(db, "link_events", values)

    def link_events(self) -> list[LinkObserved]:
        """Return every link event, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM link_events ORDER BY id").fetchall()
        return [
            LinkObserved(
                interface=r["interface"], index=r["ifindex"], online=bool(r["online"]),
                carrier=None if r["carrier"] is None else bool(r["carrier"]),
                operstate=r["operstate"], admin_up=bool(r["admin_up"]),
                at=from_iso(r["at"]), present=bool(r["present"]),
            )
            for r in rows
        ]

    def record_transition(self, t: Transition) -> int:
        """Append one state transition; return its id."""
        values = {"entity": t.entity, "old": t.old, "new": t.new, "reason": t.reason,
                  "at": to_iso(t.at)}
        with self._write() as db:
            return self._insert(db, "transitions", values)

    def transitions(self) -> list[Transition]:
        """Return every transition, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM transitions ORDER BY id").fetchall()
        return [Transition(r["entity"], r["old"], r["new"], r["reason"], from_iso(r["at"]))
                for r in rows]

    def record_ack(self, by: str, source: str, at: datetime, session_id: str | None = None) -> int:
        """Record who acknowledged (silenced) the alarm; return its id."""
        values = {"by": by, "source": source, "session_id": session_id, "at": to_iso(at)}
        with self._write() as db:
            return self._insert(db, "acks", values)

    # -------------------------------------------------------------- heartbeat

    def set_last_seen(self, at: datetime) -> None:
        """Store the daemon's heartbeat. Not chained: it is overwritten every few seconds
        and records nothing by itself; a session's own ``last_seen`` is chained."""
        with self._write() as db:
            db.execute("INSERT INTO meta(key, value) VALUES ('last_seen', ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (to_iso(at),))

    def last_seen(self) -> datetime | None:
        """Return the last heartbeat stored by ``set_last_seen``, or None."""
        with self._lock:
            r = self._db.execute("SELECT value FROM meta WHERE key = 'last_seen'").fetchone()
        return from_iso(r["value"]) if r else None

    # -------------------------------------------------------------- permits

    def add_permit(self, p: Permit) -> Permit:
        """Store a permit; return it with its id."""
        with self._write() as db:
            pid = self._insert(db, "permits", _permit_row(p))
        return replace(p, id=pid)

    def _ensure_permit(self, db: sqlite3.Connection, p: Permit | None) -> int | None:
        """Return the id of ``p``, storing it first if it has none (the daemon should
        add permits before linking them; this keeps a link from being lost)."""
        if p is None:
            return None
        if p.id is not None:
            if db.execute("SELECT 1 FROM permits WHERE id = ?", (p.id,)).fetchone() is None:
                raise RegisterError(f"permit {p.id} is not in the register")
            return p.id
        values = _permit_row(p)
        # The same id-less permit on every update of a session is one permit, not many.
        found = db.execute(
            "SELECT id FROM permits WHERE " + " AND ".join(f"{c} IS ?" for c in values),
            tuple(values.values()),
        ).fetchone()
        return found["id"] if found else self._insert(db, "permits", values)

    def permit(self, permit_id: int) -> Permit | None:
        """Return the permit with that id, or None."""
        with self._lock:
            r = self._db.execute("SELECT * FROM permits WHERE id = ?", (permit_id,)).fetchone()
        return _permit_from(r) if r else None

    def permits(self) -> list[Permit]:
        """Return every permit, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM permits ORDER BY id").fetchall()
        return [_permit_from(r) for r in rows]

    def valid_permits(self, now: datetime) -> list[Permit]:
        """Return the permits valid at ``now`` (granted, unexpired) that no session is
        linked to yet, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM permits WHERE granted_at <= ? AND id NOT IN "
                "(SELECT permit_id FROM sessions WHERE permit_id IS NOT NULL) ORDER BY id",
                (to_iso(now),),
            ).fetchall()
        return [p for p in map(_permit_from, rows) if p.valid_at(now)]

    # -------------------------------------------------------------- sessions

    def open_session(self, s: Session) -> None:
        """Store a new session; raise RegisterError if its id already exists."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (s.id,)).fetchone():
                raise RegisterError(f"session {s.id} is already in the register")
            self._insert(db, "sessions", _session_row(s, self._ensure_permit(db, s.permit)))

    def update_session(self, s: Session) -> None:
        """Store the new state of a session (inserting it if it is unknown, so that a
        change is never lost). Nothing is chained if nothing changed."""
        with self._write() as db:
            row = _session_row(s, self._ensure_permit(db, s.permit))
            if not self._update(db, "sessions", s.id, {k: v for k, v in row.items() if k != "id"}):
                self._insert(db, "sessions", row)

    def close_session(self, s: Session) -> None:
        """Store a closed session; raise ValueError if ``ended_at`` is not set."""
        if s.ended_at is None:
            raise ValueError(f"close_session({s.id}): ended_at is not set")
        self.update_session(s)

    def _session_from(self, r: sqlite3.Row) -> Session:
        permit = None
        if r["permit_id"] is not None:
            pr = self._db.execute("SELECT * FROM permits WHERE id = ?", (r["permit_id"],)).fetchone()
            permit = _permit_from(pr) if pr else None
        return Session(
            id=r["id"],
            started_at=from_iso(r["started_at"]),
            interfaces=frozenset(json.loads(r["interfaces"])),
            periods=frozenset(Period(p) for p in json.loads(r["periods"])),
            verdicts=tuple(Verdict(v) for v in json.loads(r["verdicts"])),
            alerts=tuple(AlertRecord(AlertKind(k), n, from_iso(at))
                         for k, n, at in json.loads(r["alerts"])),
            permit=permit,
            ended_at=from_iso(r["ended_at"]),
            end_reason=EndReason(r["end_reason"]) if r["end_reason"] else None,
            last_seen=from_iso(r["last_seen"]),
            bytes_sent=r["bytes_sent"],
            bytes_received=r["bytes_received"],
        )

    def current_session(self) -> Session | None:
        """Return the open session (the newest without ``ended_at``), or None."""
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE ended_at IS NULL "
                                 "ORDER BY started_at DESC LIMIT 1").fetchone()
            return self._session_from(r) if r else None

    def session(self, session_id: str) -> Session | None:
        """Return the session with that id, or None."""
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return self._session_from(r) if r else None

    def sessions(self, since: datetime | None = None, until: datetime | None = None) -> list[Session]:
        """Return the sessions that started in [since, until), oldest first."""
        sql, args = "SELECT * FROM sessions WHERE 1=1", []
        if since is not None:
            sql += " AND started_at >= ?"
            args.append(to_iso(since))
        if until is not None:
            sql += " AND started_at < ?"
            args.append(to_iso(until))
        with self._read() as db:
            return [self._session_from(r) for r in db.execute(sql + " ORDER BY started_at", args)]

    # -------------------------------------------------------------- outbox

    def enqueue_alert(self, alert: Alert, title: str, body: str) -> int | None:
        """Put a rendered alert in the outbox, due at once; return its id, or None when
        an alert with the same key is already there (idempotent)."""
        values = {
            "key": alert.key,
            "kind": AlertKind(alert.kind).value,
            "severity": Severity(alert.severity).value,
            "session_id": alert.session.id if alert.session else None,
            "reminder": alert.reminder,
            "title": title,
            "body": body,
            "created_at": to_iso(alert.at),
            "attempts": 0,
            "next_attempt_at": to_iso(alert.at),
        }
        with self._write() as db:
            if db.execute("SELECT 1 FROM alerts WHERE key = ?", (alert.key,)).fetchone():
                return None
            return self._insert(db, "alerts", values)

    def claim_due_alerts(self, now: datetime, limit: int = 10,
                         lease: timedelta = DEFAULT_LEASE) -> list[OutboxRow]:
        """Claim up to ``limit`` due alerts (oldest first) for ``lease``; return them.

        A row is due when undelivered, not given up, its next attempt is at or before
        ``now`` and no unexpired claim holds it. The claim is one conditional UPDATE,
        so a row is handed to one caller only, even across processes. A worker that
        dies leaves the row to be claimed again when the lease ends."""
        token = secrets.token_hex(8)
        t = to_iso(now)
        with self._write() as db:
            db.execute(
                "UPDATE alerts SET claim_token = ?, claimed_until = ? WHERE id IN ("
                " SELECT id FROM alerts WHERE delivered_at IS NULL AND permanent_failure = 0"
                " AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)"
                " ORDER BY next_attempt_at, id LIMIT ?)",
                (token, to_iso(now + lease), t, t, limit),
            )
            rows = db.execute("SELECT * FROM alerts WHERE claim_token = ? ORDER BY id",
                              (token,)).fetchall()
        return [_outbox_row(r) for r in rows]

    def record_attempt(self, id: int, ok: bool, error: str | None, duration_s: float,
                       next_attempt_at: datetime | None, delivered_at: datetime | None, *,
                       permanent: bool = False, at: datetime | None = None) -> None:
        """Record one delivery attempt of alert ``id`` and release its claim.

        ``ok``: delivered (``delivered_at`` defaults to ``at``). Otherwise ``error`` is
        kept as ``last_error`` and the alert is retried at ``next_attempt_at``; with
        ``permanent=True`` it is not retried but stays visible as failed. ``at`` (when
        the attempt started) defaults to ``delivered_at``, then to the wall clock.
        Raise RegisterError if there is no alert ``id``."""
        at = at or delivered_at or datetime.now(UTC)
        if ok and delivered_at is None:
            delivered_at = at
        with self._write() as db:
            r = db.execute("SELECT attempts, last_error FROM alerts WHERE id = ?", (id,)).fetchone()
            if r is None:
                raise RegisterError(f"no alert {id} in the outbox")
            self._insert(db, "alert_attempts", {
                "alert_id": id, "at": to_iso(at), "ok": int(ok),
                "error": None if ok else (error or "unknown error"), "duration_s": float(duration_s),
            })
            values: dict[str, Any] = {
                "attempts": r["attempts"] + 1,
                "last_duration_s": float(duration_s),
                "claim_token": None,
                "claimed_until": None,
            }
            if ok:
                values["delivered_at"] = to_iso(delivered_at)
                values["next_attempt_at"] = None
            else:
                values["last_error"] = error or "unknown error"
                values["next_attempt_at"] = None if permanent else to_iso(next_attempt_at or at)
                if permanent:
                    values["permanent_failure"] = 1
            self._update(db, "alerts", id, values)

    def retry_all_now(self, now: datetime, *, include_failed: bool = False) -> int:
        """Make every undelivered alert due at ``now`` (a link came up: mail may leave);
        with ``include_failed`` also alerts given up as permanent failures. Return how
        many rows changed."""
        t = to_iso(now)
        with self._write() as db:
            n = db.execute(
                "UPDATE alerts SET next_attempt_at = ? WHERE delivered_at IS NULL "
                "AND permanent_failure = 0 AND (next_attempt_at IS NULL OR next_attempt_at > ?)",
                (t, t),
            ).rowcount
            if include_failed:
                for r in db.execute("SELECT id FROM alerts WHERE delivered_at IS NULL "
                                    "AND permanent_failure = 1").fetchall():
                    self._update(db, "alerts", r["id"], {"permanent_failure": 0, "next_attempt_at": t})
                    n += 1
        return n

    def outbox_summary(self) -> dict[str, Any]:
        """Return ``{"pending", "failed", "last_error", "oldest_pending_at"}``.

        pending: undelivered alerts still being tried; failed: undelivered alerts whose
        last attempt failed (retrying or given up), of which ``permanent`` were given
        up; last_error: the newest error among undelivered alerts; oldest_pending_at:
        creation time of the oldest undelivered alert (or None)."""
        with self._read() as db:
            r = db.execute(
                "SELECT"
                " SUM(permanent_failure = 0) AS pending,"
                " SUM(attempts > 0) AS failed,"
                " SUM(permanent_failure = 1) AS permanent,"
                " MIN(created_at) AS oldest"
                " FROM alerts WHERE delivered_at IS NULL"
            ).fetchone()
            e = db.execute(
                "SELECT a.error FROM alert_attempts a JOIN alerts l ON l.id = a.alert_id "
                "WHERE l.delivered_at IS NULL AND a.ok = 0 ORDER BY a.at DESC, a.id DESC LIMIT 1"
            ).fetchone()
        return {
            "pending": r["pending"] or 0,
            "failed": r["failed"] or 0,
            "permanent": r["permanent"] or 0,
            "last_error": e["error"] if e else None,
            "oldest_pending_at": from_iso(r["oldest"]),
        }

    def outbox(self, include_delivered: bool = False) -> list[OutboxRow]:
        """Return the outbox rows (by default only undelivered ones), oldest first."""
        sql = "SELECT * FROM alerts"
        if not include_delivered:
            sql += " WHERE delivered_at IS NULL"
        with self._lock:
            return [_outbox_row(r) for r in self._db.execute(sql + " ORDER BY id").fetchall()]

    def alert(self, id: int) -> OutboxRow | None:
        """Return outbox row ``id``, or None."""
        with self._lock:
            r = self._db.execute("SELECT * FROM alerts WHERE id = ?", (id,)).fetchone()
        return _outbox_row(r) if r else None

    def attempts(self, alert_id: int) -> list[dict[str, Any]]:
        """Return the attempts of one alert, oldest first: at, ok, error, duration_s."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM alert_attempts WHERE alert_id = ? ORDER BY id",
                                    (alert_id,)).fetchall()
        return [{"at": from_iso(r["at"]), "ok": bool(r["ok"]), "error": r["error"],
                 "duration_s": r["duration_s"]} for r in rows]

    def alerts_for(self, session_ids: list[str]) -> dict[str, list[OutboxRow]]:
        """Return the outbox rows of each session id (every id present, maybe empty)."""
        out: dict[str, list[OutboxRow]] = {sid: [] for sid in session_ids}
        with self._lock:
            for r in self._db.execute("SELECT * FROM alerts WHERE session_id IS NOT NULL "
                                      "ORDER BY id").fetchall():
                if r["session_id"] in out:
                    out[r["session_id"]].append(_outbox_row(r))
        return out
