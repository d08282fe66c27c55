"""Sessions and the permits they are linked to."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from monitor.domain.model import Permit, Session, WorkReport
from monitor.errors import RegisterError
from monitor.register.chain import insert_chained, update_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import (
    permit_from,
    permit_row,
    session_from,
    session_row,
    to_iso,
    work_report_from,
    work_report_row,
)


class SessionsMixin(RegisterCore):
    """Connections (open, updated, closed) and the permits staff granted for them."""

    # -------------------------------------------------------------- permits

    def add_permit(self, p: Permit) -> Permit:
        """Store a permit; return it with its id."""
        with self._write() as db:
            pid = insert_chained(db, "permits", permit_row(p))
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
        values = permit_row(p)
        # The same id-less permit on every update of a session is one permit, not many.
        found = db.execute(
            "SELECT id FROM permits WHERE " + " AND ".join(f"{c} IS ?" for c in values),
            tuple(values.values()),
        ).fetchone()
        return found["id"] if found else insert_chained(db, "permits", values)

    def cancel_permit(self, permit_id: int, by: str, at: datetime) -> Permit:
        """Record that permit ``permit_id`` was withdrawn by ``by`` at ``at`` (the row
        stays); return it as stored; raise RegisterError if it is unknown."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM permits WHERE id = ?", (permit_id,)).fetchone() is None:
                raise RegisterError(f"permit {permit_id} is not in the register")
            update_chained(
                db, "permits", permit_id, {"cancelled_at": to_iso(at), "cancelled_by": by}
            )
            row = db.execute("SELECT * FROM permits WHERE id = ?", (permit_id,)).fetchone()
        return permit_from(row)

    def add_work_report(self, w: WorkReport) -> WorkReport:
        """Store the work report of a session; return it with its id; raise
        RegisterError if the session is unknown or already has one."""
        with self._write() as db:
            if (
                db.execute("SELECT 1 FROM sessions WHERE id = ?", (w.session_id,)).fetchone()
                is None
            ):
                raise RegisterError(f"session {w.session_id} is not in the register")
            if db.execute(
                "SELECT 1 FROM work_reports WHERE session_id = ?", (w.session_id,)
            ).fetchone():
                raise RegisterError(f"session {w.session_id} already has a work report")
            rid = insert_chained(db, "work_reports", work_report_row(w))
        return replace(w, id=rid)

    def work_reports_for(self, session_ids: list[str]) -> dict[str, WorkReport]:
        """Return the work reports of these sessions, by session id (those that have one)."""
        if not session_ids:
            return {}
        marks = ",".join("?" * len(session_ids))
        with self._read() as db:
            rows = db.execute(
                f"SELECT * FROM work_reports WHERE session_id IN ({marks})", session_ids
            ).fetchall()
        return {r["session_id"]: work_report_from(r) for r in rows}

    def unreported(self, since: datetime, *, limit: int = 20) -> list[Session]:
        """Return the ended sessions that started since ``since`` and have no work
        report, oldest first (at most the newest ``limit``)."""
        sql = (
            "SELECT * FROM (SELECT s.* FROM sessions s WHERE s.started_at >= ?"
            " AND s.ended_at IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM work_reports w WHERE w.session_id = s.id)"
            " ORDER BY s.started_at DESC LIMIT ?) ORDER BY started_at"
        )
        with self._read() as db:
            return [self._session_from(db, r) for r in db.execute(sql, (to_iso(since), limit))]

    def permit(self, permit_id: int) -> Permit | None:
        """Return the permit with that id, or None."""
        with self._guard():
            r = self._db.execute("SELECT * FROM permits WHERE id = ?", (permit_id,)).fetchone()
        return permit_from(r) if r else None

    def permits(self) -> list[Permit]:
        """Return every permit, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT * FROM permits ORDER BY id").fetchall()
        return [permit_from(r) for r in rows]

    def valid_permits(self, now: datetime) -> list[Permit]:
        """Return the permits valid at ``now`` (granted, unexpired) that no session is
        linked to yet, oldest first."""
        # permits_until finds the unexpired ones (a second of slack for the float day
        # arithmetic; valid_at decides exactly), sessions_permit the linked ones.
        with self._guard():
            rows = self._db.execute(
                "SELECT * FROM permits p"
                " WHERE julianday(granted_at) + expected_s / 86400.0 > julianday(?) - ?"
                " AND granted_at <= ? AND cancelled_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.permit_id = p.id)",
                (to_iso(now), 1 / 86400, to_iso(now)),
            ).fetchall()
        permits = sorted(map(permit_from, rows), key=lambda p: p.id or 0)
        return [p for p in permits if p.valid_at(now)]

    # -------------------------------------------------------------- sessions

    def open_session(self, s: Session) -> None:
        """Store a new session; raise RegisterError if its id already exists."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (s.id,)).fetchone():
                raise RegisterError(f"session {s.id} is already in the register")
            insert_chained(db, "sessions", session_row(s, self._ensure_permit(db, s.permit)))

    def update_session(self, s: Session) -> None:
        """Store the new state of a session (inserting it if it is unknown, so that a
        change is never lost). Nothing is chained if nothing changed."""
        with self._write() as db:
            row = session_row(s, self._ensure_permit(db, s.permit))
            changes = {k: v for k, v in row.items() if k != "id"}
            if not update_chained(db, "sessions", s.id, changes):
                insert_chained(db, "sessions", row)

    def close_session(self, s: Session) -> None:
        """Store a closed session; raise ValueError if ``ended_at`` is not set."""
        if s.ended_at is None:
            raise ValueError(f"close_session({s.id}): ended_at is not set")
        self.update_session(s)

    def _session_from(self, db: sqlite3.Connection, r: sqlite3.Row) -> Session:
        permit = None
        if r["permit_id"] is not None:
            pr = db.execute("SELECT * FROM permits WHERE id = ?", (r["permit_id"],)).fetchone()
            permit = permit_from(pr) if pr else None
        return session_from(r, permit)

    def current_session(self) -> Session | None:
        """Return the open session (the newest without ``ended_at``), or None."""
        with self._guard():
            r = self._db.execute(
                "SELECT * FROM sessions WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
            return self._session_from(self._db, r) if r else None

    def session(self, session_id: str) -> Session | None:
        """Return the session with that id, or None."""
        with self._guard():
            r = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return self._session_from(self._db, r) if r else None

    def sessions(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int | None = None,
    ) -> list[Session]:
        """Return the sessions that started in [since, until), oldest first; with
        ``limit``, only the newest ``limit`` of them. Only those rows are read."""
        where, args = _range(since, until)
        sql = f"SELECT * FROM sessions WHERE {where} ORDER BY started_at"
        if limit is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY started_at"
            args.append(limit)
        with self._read() as db:
            return [self._session_from(db, r) for r in db.execute(sql, args)]


def _range(since: datetime | None, until: datetime | None) -> tuple[str, list[object]]:
    """Return the WHERE clause on ``started_at`` for [since, until) and its arguments."""
    terms, args = ["1=1"], list[object]()
    if since is not None:
        terms.append("started_at >= ?")
        args.append(to_iso(since))
    if until is not None:
        terms.append("started_at < ?")
        args.append(to_iso(until))
    return " AND ".join(terms), args
