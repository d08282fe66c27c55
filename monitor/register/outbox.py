"""The outbox: alerts are rows before they are messages (write-ahead).

A worker claims due rows with one conditional UPDATE, so a row is handed to one
caller only, even across processes; each attempt is recorded with its error and
duration; nothing is dropped silently (a permanent failure stays visible).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, Severity
from monitor.domain.model import Alert
from monitor.domain.outbox import OutboxRow
from monitor.errors import RegisterError
from monitor.register.chain import insert_chained, update_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import from_iso, outbox_from, to_iso

DEFAULT_LEASE = timedelta(minutes=5)
#: Session ids per ``IN (...)`` query (SQLite before 3.32 allows 999 parameters).
_IN_CHUNK = 500


def _outcome(
    ok: bool,
    error: str | None,
    at: datetime,
    next_at: datetime | None,
    delivered_at: datetime | None,
    permanent: bool,
) -> dict[str, Any]:
    """Return the alert columns an attempt's outcome sets."""
    if ok:
        return {"delivered_at": to_iso(delivered_at or at), "next_attempt_at": None}
    values: dict[str, Any] = {
        "last_error": error or "unknown error",
        "next_attempt_at": None if permanent else to_iso(next_at or at),
    }
    if permanent:
        values["permanent_failure"] = 1
    return values


class OutboxMixin(RegisterCore):
    """Enqueue, claim, record attempts, retry, summarise."""

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
            return insert_chained(db, "alerts", values)

    def claim_due_alerts(
        self, now: datetime, limit: int = 10, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxRow]:
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
            rows = db.execute(
                "SELECT * FROM alerts WHERE claim_token = ? ORDER BY id", (token,)
            ).fetchall()
        return [outbox_from(r) for r in rows]

    def record_attempt(
        self,
        id: int,
        ok: bool,
        error: str | None,
        duration_s: float,
        next_attempt_at: datetime | None,
        delivered_at: datetime | None,
        *,
        permanent: bool = False,
        at: datetime | None = None,
    ) -> None:
        """Record one delivery attempt of alert ``id`` and release its claim.

        ``ok``: delivered (``delivered_at`` defaults to ``at``). Otherwise ``error`` is
        kept as ``last_error`` and the alert is retried at ``next_attempt_at``; with
        ``permanent=True`` it is not retried but stays visible as failed. ``at`` (when
        the attempt started) defaults to ``delivered_at``, then to the wall clock.
        Raise RegisterError if there is no alert ``id``."""
        at = at or delivered_at or datetime.now(UTC)
        with self._write() as db:
            r = db.execute("SELECT attempts FROM alerts WHERE id = ?", (id,)).fetchone()
            if r is None:
                raise RegisterError(f"no alert {id} in the outbox")
            attempt = {
                "alert_id": id,
                "at": to_iso(at),
                "ok": int(ok),
                "error": None if ok else (error or "unknown error"),
                "duration_s": max(0.0, float(duration_s)),  # never negative (issue 13)
            }
            insert_chained(db, "alert_attempts", attempt)
            values: dict[str, Any] = {
                "attempts": r["attempts"] + 1,
                "last_duration_s": max(0.0, float(duration_s)),
                "claim_token": None,
                "claimed_until": None,
                "claim_pid": None,
                **_outcome(ok, error, at, next_attempt_at, delivered_at, permanent),
            }
            update_chained(db, "alerts", id, values)

    def retry_all_now(self, now: datetime, *, include_failed: bool = False) -> int:
        """Make every undelivered alert due at ``now`` (a link came up: mail may leave);
        with ``include_failed`` also alerts given up as permanent failures. Return how
        many rows changed."""
        t = to_iso(now)
        with self._write() as db:
            n: int = db.execute(
                "UPDATE alerts SET next_attempt_at = ? WHERE delivered_at IS NULL "
                "AND permanent_failure = 0 AND (next_attempt_at IS NULL OR next_attempt_at > ?)",
                (t, t),
            ).rowcount
            if include_failed:
                failed = db.execute(
                    "SELECT id FROM alerts WHERE delivered_at IS NULL AND permanent_failure = 1"
                ).fetchall()
                for r in failed:
                    update_chained(
                        db, "alerts", r["id"], {"permanent_failure": 0, "next_attempt_at": t}
                    )
                n += len(failed)
        return n

    def outbox_summary(self) -> dict[str, Any]:
        """Return ``{"pending", "failed", "permanent", "last_error", "oldest_pending_at"}``.

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
            # CROSS JOIN keeps the undelivered alerts (alerts_due) as the outer loop, so
            # only their attempts are read (alert_attempts_alert), never the whole history.
            e = db.execute(
                "SELECT a.error FROM alerts l CROSS JOIN alert_attempts a ON a.alert_id = l.id "
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
        with self._guard():
            return [outbox_from(r) for r in self._db.execute(sql + " ORDER BY id").fetchall()]

    def alert(self, id: int) -> OutboxRow | None:
        """Return outbox row ``id``, or None."""
        with self._guard():
            r = self._db.execute("SELECT * FROM alerts WHERE id = ?", (id,)).fetchone()
        return outbox_from(r) if r else None

    def attempts(self, alert_id: int) -> list[dict[str, Any]]:
        """Return the attempts of one alert, oldest first: at, ok, error, duration_s."""
        with self._guard():
            rows = self._db.execute(
                "SELECT * FROM alert_attempts WHERE alert_id = ? ORDER BY id", (alert_id,)
            ).fetchall()
        return [
            {
                "at": from_iso(r["at"]),
                "ok": bool(r["ok"]),
                "error": r["error"],
                "duration_s": r["duration_s"],
            }
            for r in rows
        ]

    def alerts_for(self, session_ids: list[str]) -> dict[str, list[OutboxRow]]:
        """Return the outbox rows of each session id (every id present, maybe empty),
        oldest first; only those sessions' rows are read."""
        out: dict[str, list[OutboxRow]] = {sid: [] for sid in session_ids}
        ids = list(out)
        with self._read() as db:
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                sql = f"SELECT * FROM alerts WHERE session_id IN ({marks}) ORDER BY id"
                for r in db.execute(sql, chunk):
                    out[r["session_id"]].append(outbox_from(r))
        return out

    def last_delivery_at(self) -> datetime | None:
        """Return when the newest delivered alert was delivered, or None (one index probe,
        where ``outbox(include_delivered=True)`` reads every alert ever raised)."""
        with self._guard():
            r = self._db.execute("SELECT MAX(delivered_at) FROM alerts").fetchone()
        return from_iso(r[0])
