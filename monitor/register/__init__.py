"""The register: a tamper-evident SQLite store of sessions, events, permits and the outbox.

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
                                              kept until the register changes (data_version)
    .sessions(since=None, until=None, *, limit=None) -> list[Session]
                                              started in [since, until), oldest first; limit:
                                              only the newest n (reads only those rows)
    .set_last_seen(at)                        heartbeat of the daemon (for RECOVERED end times)
    .verify() -> int                          count of intact records; raise ChainBroken

Extensions (this implementation):

    Register.open_readonly(path)              for `log` / `export` / `verify` while a daemon writes
    .last_seen() -> datetime | None           the later of set_last_seen and mark_alive
    .mark_alive(at), .alive_mark()            mtime of `<register>.alive`, no fsync (idle)
    .set_stopped_at(at|None), .stopped_at()   the last clean stop (None while running):
                                              none after the last heartbeat = a crash
    .set_traffic(state|None), .traffic()      the open session's traffic baselines
    .record_ack(by, source, at, session_id)   who silenced the alarm (schema v2)
    .alerts_for(session_ids) -> dict[str, list[OutboxRow]]   reads only those sessions' alerts
    .last_delivery_at() -> datetime | None    newest delivered_at (one index probe)
    .outbox(include_delivered=False) -> list[OutboxRow]
    .head() -> tuple[int, str]                (seq, hash) of the newest chain record
    .verify(anchor=None) -> int               with a (seq, hash) noted earlier from head()
    .verify_period(since, until=None) -> (first, count)   the part a printout of a period
                                              rests on (`log --since`, `export`; ``period``)
    .register_medium(m) -> RegisteredMedium   the media ledger (schema: the media migration);
    .retire_medium(serial, reason, at, by, erasure="")   kept, marked retired (MediaError)
    .medium_by_serial(serial) / .media(include_retired=True)
    .record_media_event(obs: MediaObserved) / .media_events(since, until)
    .restore(now, lease=, max_delay=, permits=) -> Restore   what a daemon may continue,
                                              checked against the chain (``restore``)
    .check_integrity()                        SQLite reads every page; RegisterDamaged
    .file_problem() -> str | None             deleted / replaced / truncated / -wal gone
    .hash_at(seq), .origin()                  a record's hash; what this register replaced
    open_for_daemon(path, now) -> Opened      the witness compared, a damaged, empty or
                                              older file moved aside (``startup``)
    read_witness / write_witness              the last head, beside the file (``witness``)

Integrity (issue 14). ``verify`` also checks the file's shape (``shape``: every
table, column and index its schema version has, no trigger or view). The daemon
never chains what it did not write: ``update_chained`` refuses a row that is not its
newest chain version (RegisterAltered), and ``restore`` bounds the unchained fields
(``meta.last_seen``, outbox schedules) by what the chain says. SQLite's corruption
errors become RegisterDamaged (``damage``), and a damaged file is moved aside, never
deleted.

Claims and deliveries (schema v4, ``claims``): a claim belongs to a daemon instance,
the send child fences it with its PID and records each destination that accepted:

    .claim_alert(id, owner, now, lease) -> OutboxRow | None
    .take_over_claims(owner, now, alive) -> {id: pid}   a predecessor's claims, at start
    .fence_send(id, owner, pid) -> bool       the child may send (its claim holds)
    .record_destination(id, destination, at, elapsed_s) -> bool   idempotent
    .accepted_destinations(id) -> set[str]
    .complete_delivery(id, at, duration_s) -> bool   False: recorded already

Tamper evidence. Every write appends, in the same transaction, a record to the
append-only ``chain`` table: the table and key of the row written and the
canonical JSON of the row as it now stands, with ``hash = SHA-256(prev hash,
seq, table, key, op, body)``. The other tables are projections of the chain.
``verify()`` recomputes the whole chain (an edited, deleted or inserted chain
record breaks it) and checks that every projection row equals its newest chain
version and that no chained row is missing (an edited, deleted or inserted
table row). Outbox scheduling columns (lease, next attempt) are excluded: they
are not part of the record, and chaining each claim would bloat the chain.
``verify`` streams: it keeps one record at a time, and finds a row's newest
version with one index probe (schema v3), so its memory does not grow with the
register.

Costs that do not grow. Every query on the write, claim and status paths is a
keyed lookup (schema v3 adds the indexes; ``tests/integration/test_register.py``
checks the query plans), so a write costs the same at 1 M chain records as at
100 k (``bench/bench_register.py`` measures it). ``log --since`` and ``export``
check only the part of the chain the printed period rests on (``period``), so
their cost follows the period, not the history; ``verify`` reads it all.

Parts: ``schema`` (DDL, migrations, what is chained), ``chain`` (canonical JSON,
the hash, appending), ``verify`` (the check), ``period`` (the check of one period), ``rows`` (records <-> rows),
``core`` (connection, read-only open, transactions), ``sessions``, ``outbox`` and
``events`` (one topic each), ``store`` (the ``Register`` facade over them).
``OutboxRow`` lives in ``monitor.domain.outbox`` (reports read it too).

A chain without a secret can be recomputed by someone who rewrites the whole
file; `verify` prints the head hash so that it can be noted down outside the
machine (e.g. on the printed monthly register) and compared later.

Concurrency. Every write is one ``BEGIN IMMEDIATE`` transaction (SQLite's
single writer lock), so the chain head is read and extended atomically even
with several processes, and an outbox claim is a conditional update that only
one process can win. Readers use WAL snapshots and never block the writer.
"""

from __future__ import annotations

from monitor.domain.outbox import OutboxRow
from monitor.register.chain import GENESIS, canonical, chain_hash
from monitor.register.damage import move_aside
from monitor.register.outbox import DEFAULT_LEASE
from monitor.register.restore import Alteration, Restore
from monitor.register.rows import from_iso, to_iso
from monitor.register.schema import (
    ADDED_COLUMNS,
    CHAINED,
    MIGRATIONS,
    SCHEMA_VERSION,
    UNCHAINED_COLUMNS,
)
from monitor.register.startup import FINDINGS, Opened, StartFinding, open_for_daemon
from monitor.register.store import Register
from monitor.register.witness import Witness, read_witness, witness_path, write_witness

__all__ = [
    "ADDED_COLUMNS",
    "CHAINED",
    "DEFAULT_LEASE",
    "FINDINGS",
    "GENESIS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "UNCHAINED_COLUMNS",
    "Alteration",
    "Opened",
    "OutboxRow",
    "Register",
    "Restore",
    "StartFinding",
    "Witness",
    "canonical",
    "chain_hash",
    "from_iso",
    "move_aside",
    "open_for_daemon",
    "read_witness",
    "to_iso",
    "witness_path",
    "write_witness",
]
