"""Claims that belong to a daemon instance, and deliveries recorded per destination
(schema v4; issue 13).

A daemon instance claims an alert under its own id (``claim_token``); the send child
it starts fences the claim with its PID (``claim_pid``) before it talks to a server,
and records each destination that accepted the alert (``alert_deliveries``) as soon
as it did, then the delivery itself. So a daemon killed in the middle leaves in the
register exactly what the servers accepted; the next instance takes over the
predecessor's claims at start (waiting for a child still sending) and sends only
to the destinations that have not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.domain.outbox import OutboxRow
from monitor.register.chain import insert_chained, update_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import outbox_from, to_iso

_RELEASED = {"claim_token": None, "claimed_until": None, "claim_pid": None}


class ClaimsMixin(RegisterCore):
    """Claim by instance, take over, fence, record per destination, complete."""

    def claim_alert(self, id: int, owner: str, now: datetime, lease: timedelta) -> OutboxRow | None:
        """Claim alert ``id`` for daemon instance ``owner``; return the row, or None when
        it is delivered, given up, or held by another instance's unexpired claim."""
        with self._write() as db:
            n = db.execute(
                "UPDATE alerts SET claim_token = ?, claimed_until = ?, claim_pid = NULL"
                " WHERE id = ? AND delivered_at IS NULL AND permanent_failure = 0"
                " AND (claim_token IS NULL OR claim_token = ? OR claimed_until <= ?)",
                (owner, to_iso(now + lease), id, owner, to_iso(now)),
            ).rowcount
            if not n:
                return None
            r = db.execute("SELECT * FROM alerts WHERE id = ?", (id,)).fetchone()
        return outbox_from(r)

    def take_over_claims(
        self, owner: str, now: datetime, alive: Callable[[int], bool]
    ) -> dict[int, int]:
        """Release every undelivered alert claimed by an instance other than ``owner``
        and make it due at ``now``, except those whose send child still runs
        (``alive(pid)``): return ``{alert id: pid}`` of those (ask again when they end).
        One transaction, so a child fencing its claim meanwhile is either seen or
        refused."""
        busy: dict[int, int] = {}
        with self._write() as db:
            rows = db.execute(
                "SELECT id, claim_pid FROM alerts WHERE claim_token IS NOT NULL"
                " AND claim_token != ? AND delivered_at IS NULL",
                (owner,),
            ).fetchall()
            for r in rows:
                pid = r["claim_pid"]
                if pid is not None and alive(int(pid)):
                    busy[int(r["id"])] = int(pid)
                    continue
                db.execute(
                    "UPDATE alerts SET claim_token = NULL, claimed_until = NULL,"
                    " claim_pid = NULL, next_attempt_at = ? WHERE id = ?",
                    (to_iso(now), r["id"]),
                )
        return busy

    def fence_send(self, id: int, owner: str, pid: int) -> bool:
        """The send child ``pid`` starts on alert ``id`` for instance ``owner``: record
        its PID on the claim; return False (do not send) when the claim is no longer
        ``owner``'s or the alert was delivered meanwhile."""
        with self._write() as db:
            n: int = db.execute(
                "UPDATE alerts SET claim_pid = ? WHERE id = ? AND claim_token = ?"
                " AND delivered_at IS NULL",
                (pid, id, owner),
            ).rowcount
        return n == 1

    def accepted_destinations(self, id: int) -> set[str]:
        """Return the destinations that accepted alert ``id`` (see ``record_destination``)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT destination FROM alert_deliveries WHERE alert_id = ?", (id,)
            ).fetchall()
        return {r["destination"] for r in rows}

    def record_destination(self, id: int, destination: str, at: datetime, elapsed_s: float) -> bool:
        """Record that ``destination`` accepted alert ``id`` at ``at``; return False when
        that was recorded already (idempotent)."""
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM alert_deliveries WHERE alert_id = ? AND destination = ?",
                (id, destination),
            ).fetchone():
                return False
            values = {
                "alert_id": id,
                "destination": destination,
                "at": to_iso(at),
                "elapsed_s": max(0.0, float(elapsed_s)),
            }
            insert_chained(db, "alert_deliveries", values)
        return True

    def complete_delivery(self, id: int, at: datetime, duration_s: float) -> bool:
        """Record the successful attempt of alert ``id`` (started ``at``, lasted
        ``duration_s``) as its delivery and release its claim; return False when it
        was recorded as delivered already (by the send child, or before)."""
        with self._write() as db:
            r = db.execute(
                "SELECT attempts, delivered_at FROM alerts WHERE id = ?", (id,)
            ).fetchone()
            if r is None or r["delivered_at"] is not None:
                return False
            duration = max(0.0, float(duration_s))
            attempt = {"alert_id": id, "at": to_iso(at), "ok": 1, "error": None}
            insert_chained(db, "alert_attempts", {**attempt, "duration_s": duration})
            values = {
                "attempts": r["attempts"] + 1,
                "last_duration_s": duration,
                "delivered_at": to_iso(at + timedelta(seconds=duration)),
                "next_attempt_at": None,
                **_RELEASED,
            }
            update_chained(db, "alerts", id, values)
        return True
