"""The register's connection: open (or create and migrate), read-only open,
one write transaction, one read snapshot, close.

Every write is one ``BEGIN IMMEDIATE`` transaction (SQLite's single writer lock),
so the chain head is read and extended atomically even with several processes.
Readers use WAL snapshots and never block the writer.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from monitor.compat import Self
from monitor.errors import ChainBroken, RegisterDamaged, RegisterDenied, RegisterError
from monitor.register.chain import chain_append, chain_head
from monitor.register.damage import aside_name, is_damage, reading
from monitor.register.fileid import FileIdentity
from monitor.register.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)


class RegisterCore:
    """The register file and its one connection. Safe to share between threads (one
    lock); several processes may open the same file (SQLite locking, WAL)."""

    def __init__(
        self,
        path: str | Path,
        *,
        _readonly: bool = False,
        origin: dict[str, object] | None = None,
    ):
        """Open or create the register at ``path`` (creating its folder) and migrate it
        to the current schema; raise RegisterDamaged if SQLite cannot read the file,
        RegisterError if it cannot be opened otherwise.

        ``origin``: when the file is created, its first chain record (table
        ``register``) holds this, e.g. where the damaged register it replaces was moved."""
        self.path = Path(path)
        self.readonly = _readonly
        self._lock = threading.RLock()
        self._origin = origin
        try:
            self._db = self._connect_readonly() if _readonly else self._connect_writable()
            try:
                self._db.row_factory = sqlite3.Row
                self._db.execute("PRAGMA foreign_keys=ON")
                self._check_version()
            except BaseException:
                self._db.close()
                raise
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise RegisterDamaged(str(self.path), str(exc)) from None
            raise RegisterError(f"{self.path}: cannot open the register: {exc}") from None
        self.identity = FileIdentity.of(self.path)

    @classmethod
    def open_readonly(cls, path: str | Path) -> Self:
        """Return the register at ``path`` opened read-only (works while a daemon writes);
        raise RegisterError if there is no register there yet or it cannot be read."""
        return cls(path, _readonly=True)

    def _connect_writable(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RegisterError(f"{self.path}: cannot switch to WAL (got {mode})")
            db.execute("PRAGMA synchronous=FULL")
        except BaseException:
            db.close()
            raise
        return db

    def _connect_readonly(self) -> sqlite3.Connection:
        """Return a read-only connection.

        A WAL reader needs the ``-shm`` file. While the daemon runs it exists, and a
        member of the service group may map it read-only. When the daemon has
        stopped cleanly, SQLite has removed ``-wal`` and ``-shm``, and a reader who
        may not write the folder (the group has r-x, as it should) cannot create
        them: "attempt to write a readonly database". Then, and only when there is
        no ``-wal`` (everything is in the main file), the file is read as
        ``immutable``: no locks, no ``-shm``."""
        self._check_readable()

        def connect(uri: str) -> sqlite3.Connection:
            return sqlite3.connect(
                uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False
            )

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

    def _check_readable(self) -> None:
        denied = RegisterDenied(self.path)
        try:
            present = self.path.exists()
        except PermissionError:
            raise denied from None
        if not present:
            raise RegisterError(f"no register at {self.path} yet")
        if not os.access(self.path, os.R_OK):
            raise denied
        if self.path.stat().st_size == 0:
            raise RegisterDamaged(str(self.path), "the file is empty (0 bytes)")

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise RegisterError(
                f"{self.path}: schema v{version} was written by a newer link-monitor "
                f"(this one knows v{SCHEMA_VERSION})"
            )
        if version < SCHEMA_VERSION:
            if self.readonly:
                self._check_not_rolled_back(version)
                raise RegisterError(
                    f"{self.path}: schema v{version} is older than v{SCHEMA_VERSION}; "
                    "start the monitor once to upgrade it"
                )
            self._migrate()

    def _check_not_rolled_back(self, version: int) -> None:
        """Raise ChainBroken when the chain recorded a newer schema than the file says
        (``PRAGMA user_version`` set back by hand), not "start the monitor to upgrade"."""
        has_chain = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain'"
        ).fetchone()
        if not has_chain:
            return
        r = self._db.execute(
            "SELECT MAX(CAST(key AS INTEGER)) FROM chain WHERE tbl = 'schema'"
        ).fetchone()
        if r[0] is not None and r[0] > version:
            raise ChainBroken(
                "schema", f"file says v{version}, chain says v{r[0]} (the version was set back)"
            )

    # -------------------------------------------------------------- lifecycle

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    def _migrate(self) -> None:
        with self._write() as db:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                if target == 1 and self._origin is not None:
                    # A new file's first record: what it replaces (the chain exists now).
                    chain_append(db, "register", "origin", "start", dict(self._origin))
                db.execute(f"PRAGMA user_version={target}")
                chain_append(
                    db, "schema", str(target), "migrate", {"version": target, "from": target - 1}
                )

    def head(self) -> tuple[int, str]:
        """Return ``(seq, hash)`` of the newest chain record (``(0, GENESIS)`` if empty)."""
        with self._guard():
            return chain_head(self._db)

    def hash_at(self, seq: int) -> str | None:
        """Return the hash of chain record ``seq``, or None when there is none."""
        with self._guard():
            r = self._db.execute("SELECT hash FROM chain WHERE seq = ?", (seq,)).fetchone()
        return None if r is None else str(r[0])

    def origin(self) -> dict[str, object] | None:
        """Return what the first chain record says this register replaced, or None."""
        with self._guard():
            r = self._db.execute("SELECT tbl, body FROM chain WHERE seq = 1").fetchone()
        if r is None or r["tbl"] != "register":
            return None
        body: dict[str, object] = json.loads(r["body"])
        return body

    def check_integrity(self) -> None:
        """Raise RegisterDamaged if SQLite finds a damaged page (``PRAGMA quick_check``:
        reads every page, about a second per 100 MB)."""
        with self._guard():
            rows = [r[0] for r in self._db.execute("PRAGMA quick_check(5)").fetchall()]
        if rows != ["ok"]:
            raise RegisterDamaged(str(self.path), "; ".join(rows))

    def rescue(self, at: datetime) -> Path:
        """Copy what this connection still reads (a file deleted or replaced under it
        stays readable through it until it closes) to ``NAME.rescued-TIME`` beside the
        register, with SQLite's backup (one consistent snapshot); return its path. Raise
        RegisterError if it cannot be written."""
        target = aside_name(self.path, at, "rescued")
        try:
            copy = sqlite3.connect(target)
            try:
                with self._lock:
                    self._db.backup(copy)
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise RegisterError(f"{target}: cannot save a copy of the register: {exc}") from None
        return target

    def file_problem(self) -> str | None:
        """Return what happened to the file since it was opened (deleted, replaced,
        truncated, its ``-wal`` removed), or None while it is still the file opened."""
        problem, self.identity = self.identity.check(self.path)
        return problem

    # -------------------------------------------------------------- transactions

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the lock; turn SQLite's corruption errors into RegisterDamaged."""
        with self._lock, reading(self.path):
            yield

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
                with reading(self.path):
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
        with self._guard():
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")
