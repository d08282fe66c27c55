"""The register's schema: the DDL of each version, how to migrate, what is chained.

The file's ``PRAGMA user_version`` is its schema version; ``MIGRATIONS[n]`` takes a
file at version n to n + 1 (version 0 = an empty file). Every migration is also a
chain record (table ``schema``), so ``verify`` can tell a rolled-back version.
"""

from __future__ import annotations

from typing import Any

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

# v3: keyed lookups, so that no query on the write, claim, status or verify path
# reads a table whose size grows with the register's history. Indexes only: the
# tables and the chain are untouched.
_V3 = """
CREATE INDEX chain_rows ON chain(tbl, key);
CREATE INDEX alerts_claim ON alerts(claim_token) WHERE claim_token IS NOT NULL;
CREATE INDEX alerts_session ON alerts(session_id) WHERE session_id IS NOT NULL;
CREATE INDEX alert_attempts_alert ON alert_attempts(alert_id);
CREATE INDEX sessions_open ON sessions(started_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_permit ON sessions(permit_id) WHERE permit_id IS NOT NULL;
CREATE INDEX permits_until ON permits(julianday(granted_at) + expected_s / 86400.0);
"""
# chain_rows: the newest version of one row (seq is the rowid, so every index entry
# carries it and MAX(seq) per (tbl, key) is one index probe); alerts_claim: a claim
# reads back its own rows; alerts_session: `log` and `export` read the alerts of
# the sessions they print; alert_attempts_alert: the summary's newest error among
# undelivered alerts; sessions_open: the open session when there is none;
# sessions_permit and permits_until: the permits still valid and not yet linked.

# v4: a session that ended while the monitor was down ended at an unknown instant
# between its last_seen (ended_at) and the restart that found it over (ended_by); a
# session started while the clock was not synchronised says so (clock_note); what
# the kernel said about the clock at each session start and end (clock_checks).
_V4 = """
ALTER TABLE sessions ADD COLUMN ended_by TEXT;
ALTER TABLE sessions ADD COLUMN clock_note TEXT;
CREATE TABLE clock_checks (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    event        TEXT NOT NULL,
    session_id   TEXT,
    synchronised INTEGER,
    est_error_s  REAL,
    max_error_s  REAL,
    jump_s       REAL
);
INSERT OR IGNORE INTO meta(key, value) SELECT 'stopped_at', value FROM meta WHERE key = 'last_seen';
"""
# (The release before v4 stored no clean stop: its last heartbeat counts as one, an
# upgrade stops the service cleanly; else the first start would report a crash.)

# deliveries: a delivery is recorded where the send happens (issue 13). ``alert_deliveries``:
# each destination that accepted an alert, written by the send child as soon as the
# server accepted, so a retry (after a restart too) never sends it there again.
# ``claim_pid``: the send child working on a claim, so that a new daemon waits for
# an old one's child instead of sending a second copy. ``claim_token`` now holds
# the claiming daemon instance.
_V_DELIVERIES = """
ALTER TABLE alerts ADD COLUMN claim_pid INTEGER;
CREATE TABLE alert_deliveries (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts(id),
    destination TEXT NOT NULL,
    at          TEXT NOT NULL,
    elapsed_s   REAL NOT NULL,
    UNIQUE (alert_id, destination)
);
"""

# media (issue 19): the ledger of registered removable media (a retired one is
# kept, marked retired with its reason and, when disposed of, how it was erased)
# and every insertion and removal of a medium. Keep this migration LAST: renumber
# it when another one lands before it.
_V_MEDIA = """
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    serial        TEXT NOT NULL,
    label         TEXT NOT NULL,
    holder        TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    vendor        TEXT NOT NULL,
    model         TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    retired_at    TEXT,
    retire_reason TEXT,
    erasure       TEXT NOT NULL DEFAULT '',
    retired_by    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX media_serial_active ON media(serial) WHERE retired_at IS NULL;
CREATE INDEX media_serial ON media(serial, id);
CREATE TABLE media_events (
    id         INTEGER PRIMARY KEY,
    action     TEXT NOT NULL,
    device     TEXT NOT NULL,
    devnum     TEXT NOT NULL,
    driver     TEXT NOT NULL,
    removable  INTEGER NOT NULL,
    vendor     TEXT NOT NULL,
    model      TEXT NOT NULL,
    serial     TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    label      TEXT,
    media_id   INTEGER REFERENCES media(id),
    at         TEXT NOT NULL
);
CREATE INDEX media_events_at ON media_events(at);
"""
# media_serial_active: one serial is registered once at a time; media_serial: the
# daemon looks a serial up at every insertion; media_events_at: `log --media` and
# the monthly printout read one month.


# words (issue 17): the permit's whole life. Who attends the work, the effective user
# beside the login that granted it, a cancellation (kept, never deleted), and the
# work report staff record after the session. Keep it after media (issue 19):
# renumber it when another one lands before it.
_V_WORDS = """
ALTER TABLE permits ADD COLUMN attendant TEXT NOT NULL DEFAULT '';
ALTER TABLE permits ADD COLUMN granted_as TEXT NOT NULL DEFAULT '';
ALTER TABLE permits ADD COLUMN cancelled_at TEXT;
ALTER TABLE permits ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';
CREATE TABLE work_reports (
    id            INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL UNIQUE REFERENCES sessions(id),
    done          TEXT NOT NULL,
    personal_data INTEGER NOT NULL,
    erased        TEXT NOT NULL,
    as_planned    INTEGER NOT NULL,
    note          TEXT NOT NULL,
    deviations    TEXT NOT NULL,
    reported_by   TEXT NOT NULL,
    reported_as   TEXT NOT NULL,
    at            TEXT NOT NULL
);
"""

# acks_session: `log` and `export` (and the check of a printed period) read the
# acknowledgements of the sessions they print, not every one ever made.
_V_ACKS_INDEX = """
CREATE INDEX acks_session ON acks(session_id) WHERE session_id IS NOT NULL;
"""

#: MIGRATIONS[n] takes a schema at version n to n + 1 (version 0 = empty file).
MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V_MEDIA,
    _V_WORDS,
    _V_DELIVERIES,
    _V_ACKS_INDEX,
)
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
    "alert_deliveries": "id",
    "clock_checks": "id",
    "media": "id",
    "media_events": "id",
    "work_reports": "id",
}
#: Scheduling columns that are not part of the record: they change at every claim
#: and retry, and chaining each of those would bloat the chain.
UNCHAINED_COLUMNS: dict[str, frozenset[str]] = {
    "alerts": frozenset({"claimed_until", "claim_token", "next_attempt_at", "claim_pid"}),
}
#: Columns added by a migration, with the value every older row received. A chain
#: version written before the column existed is read with this value.
ADDED_COLUMNS: dict[tuple[str, str], Any] = {
    ("alerts", "permanent_failure"): 0,
    ("alerts", "last_duration_s"): None,
    ("permits", "attendant"): "",
    ("permits", "granted_as"): "",
    ("permits", "cancelled_at"): None,
    ("permits", "cancelled_by"): "",
    ("sessions", "ended_by"): None,
    ("sessions", "clock_note"): None,
}
