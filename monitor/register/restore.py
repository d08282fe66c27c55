"""What the daemon restores at start, checked against the chain first.

The daemon continues the open session, the heartbeat (``last_seen``) and the outbox
of the process before it. It must never build on what it did not write: an open
session row inserted or edited by hand would be closed and chained by the daemon's
own write, and a chain that verifies would then carry it. So:

- an open session is restored only when its row equals its newest chain version;
  one that does not is refused (left as it is for ``verify`` to name) and reported;
- ``meta.last_seen`` (not chained: it is overwritten every few seconds) is bounded by
  what the chain says: not before the session's chained start or chained last seen,
  not after now. Out of bounds it is replaced by the chained value and reported;
- the outbox's scheduling columns (not chained either) are bounded: a claim beyond
  the lease, or a next attempt later than the longest retry delay (or none at all),
  would keep an alert from ever leaving. They are released, due now, and reported;
- a permit about to be re-armed must be in the chain as it stands.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.domain.model import Permit, Session
from monitor.errors import RegisterAltered
from monitor.register.chain import check_stored
from monitor.register.core import RegisterCore
from monitor.register.outbox import DEFAULT_LEASE
from monitor.register.rows import from_iso, permit_from, session_from, to_iso


@dataclass(frozen=True)
class Alteration:
    """One thing found altered: ``where`` (``sessions row S…``, ``meta last_seen``,
    ``alerts row 7``) and ``what``."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class Restore:
    """What the daemon may continue: the open session (None: start afresh), the
    bounded ``last_seen``, the permits to re-arm, and what was refused or bounded."""

    session: Session | None
    last_seen: datetime | None
    permits: list[Permit] = field(default_factory=list)
    altered: tuple[Alteration, ...] = ()


class RestoreMixin(RegisterCore):
    """``restore``: the checked state a daemon continues from."""

    def restore(
        self,
        now: datetime,
        *,
        lease: timedelta = DEFAULT_LEASE,
        max_delay: timedelta,
        permits: list[Permit],
    ) -> Restore:
        """Return what the daemon may continue at ``now``: the newest open session that
        agrees with the chain, ``last_seen`` bounded by the chain, the ``permits`` (the
        valid ones, read by the caller) that agree with the chain; every row refused
        and every field bounded is listed in ``altered``. Outbox schedules out of
        bounds (a claim beyond ``lease``, a next attempt beyond ``max_delay`` or none)
        are released (due at ``now``)."""
        altered: list[Alteration] = []
        with self._write() as db:
            session = None
            for r in db.execute(
                "SELECT * FROM sessions WHERE ended_at IS NULL ORDER BY started_at DESC"
            ).fetchall():
                try:
                    check_stored(db, "sessions", r)
                except RegisterAltered as exc:
                    altered.append(Alteration(exc.record, exc.reason))
                    continue
                if session is None:
                    session = self._checked_session(db, r, altered)
            last_seen = self._bounded_last_seen(db, session, now, altered)
            self._release_schedules(db, now, lease, max_delay, altered)
            armed = [p for p in permits if self._permit_agrees(db, p, altered)]
        return Restore(session, last_seen, armed, tuple(altered))

    def _checked_session(
        self, db: sqlite3.Connection, r: sqlite3.Row, altered: list[Alteration]
    ) -> Session | None:
        """Return the session of row ``r`` if its permit (if any) agrees with the chain."""
        permit = None
        if r["permit_id"] is not None:
            pr = db.execute("SELECT * FROM permits WHERE id = ?", (r["permit_id"],)).fetchone()
            if pr is not None:
                try:
                    check_stored(db, "permits", pr)
                except RegisterAltered as exc:
                    altered.append(Alteration(exc.record, exc.reason))
                    return None
                permit = permit_from(pr)
        return session_from(r, permit)

    def _permit_agrees(self, db: sqlite3.Connection, p: Permit, altered: list[Alteration]) -> bool:
        pr = db.execute("SELECT * FROM permits WHERE id = ?", (p.id,)).fetchone()
        if pr is None:
            return False
        try:
            check_stored(db, "permits", pr)
        except RegisterAltered as exc:
            altered.append(Alteration(exc.record, exc.reason))
            return False
        return True

    def _bounded_last_seen(
        self,
        db: sqlite3.Connection,
        session: Session | None,
        now: datetime,
        altered: list[Alteration],
    ) -> datetime | None:
        """Return ``meta.last_seen`` if the chain allows it, else the chained bound."""
        r = db.execute("SELECT value FROM meta WHERE key = 'last_seen'").fetchone()
        try:
            seen = from_iso(r["value"]) if r else None
        except ValueError:
            altered.append(Alteration("meta last_seen", f"{r['value']!r} is not a time"))
            seen = None
        floor, what = None, ""
        if session is not None:
            floor = max(session.started_at, session.last_seen or session.started_at)
            what = "start" if floor == session.started_at else "last seen"
        if seen is None:
            return floor
        if floor is not None and seen < floor:
            text = f"{to_iso(seen)} is before the session's chained {what} {to_iso(floor)}"
            altered.append(Alteration("meta last_seen", text + " (moved back)"))
            return floor
        if seen > now:
            altered.append(
                Alteration(
                    "meta last_seen",
                    f"{to_iso(seen)} is in the future (edited, or the clock went back)",
                )
            )
            return floor or now
        return seen

    def _release_schedules(
        self,
        db: sqlite3.Connection,
        now: datetime,
        lease: timedelta,
        max_delay: timedelta,
        altered: list[Alteration],
    ) -> None:
        """Release the claims beyond ``lease`` and the attempts beyond ``max_delay``."""
        t = to_iso(now)
        rows = db.execute(
            "SELECT id, claimed_until, next_attempt_at FROM alerts "
            "WHERE delivered_at IS NULL AND permanent_failure = 0"
        ).fetchall()
        for r in rows:
            problems = []
            claimed = _time(r["claimed_until"])
            if r["claimed_until"] is not None and (claimed is None or claimed > now + lease):
                problems.append(
                    f"claimed until {r['claimed_until']}, beyond the lease "
                    "(edited, or the clock went back)"
                )
            due = _time(r["next_attempt_at"])
            if due is None or due > now + max_delay:
                problems.append(
                    f"next attempt {r['next_attempt_at'] or 'never'}, "
                    "beyond the longest retry delay"
                )
            if problems:
                altered.append(Alteration(f"alerts row {r['id']}", "; ".join(problems)))
                db.execute(
                    "UPDATE alerts SET claimed_until = NULL, claim_token = NULL, "
                    "next_attempt_at = ? WHERE id = ?",
                    (t, r["id"]),
                )


def _time(text: str | None) -> datetime | None:
    """Return the time stored as ``text``, or None when there is none or it is not one."""
    try:
        return from_iso(text)
    except (ValueError, TypeError):
        return None
