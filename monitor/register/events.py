"""Link events, transitions, acknowledgements and the daemon's heartbeat."""

from __future__ import annotations

from datetime import datetime

from monitor.domain.model import Ack, LinkObserved, Transition
from monitor.register.chain import insert_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import (
    from_iso,
    link_event_from,
    link_event_row,
    to_iso,
    transition_from,
    transition_row,
)


class EventsMixin(RegisterCore):
    """The append-only logs of the register: what the kernel said, what changed, who
    silenced the alarm; and the heartbeat (not chained)."""

    def record_link_event(self, obs: LinkObserved) -> int:
        """Append one link observation; return its id."""
        with self._write() as db:
            return insert_chained(db, "link_events", link_event_row(obs))

    def link_events(self) -> list[LinkObserved]:
        """Return every link event, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT * FROM link_events ORDER BY id").fetchall()
        return [link_event_from(r) for r in rows]

    def record_transition(self, t: Transition) -> int:
        """Append one state transition; return its id."""
        with self._write() as db:
            return insert_chained(db, "transitions", transition_row(t))

    def transitions(self) -> list[Transition]:
        """Return every transition, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT * FROM transitions ORDER BY id").fetchall()
        return [transition_from(r) for r in rows]

    def record_ack(self, by: str, source: str, at: datetime, session_id: str | None = None) -> int:
        """Record who acknowledged (silenced) the alarm; return its id."""
        values = {"by": by, "source": source, "session_id": session_id, "at": to_iso(at)}
        with self._write() as db:
            return insert_chained(db, "acks", values)

    def acks_for(self, session_ids: list[str]) -> dict[str, list[Ack]]:
        """Return the acknowledgements of these sessions, oldest first, by session id."""
        out: dict[str, list[Ack]] = {sid: [] for sid in session_ids}
        if not session_ids:
            return out
        marks = ",".join("?" * len(session_ids))
        with self._read() as db:
            rows = db.execute(
                f"SELECT * FROM acks WHERE session_id IN ({marks}) ORDER BY id", session_ids
            ).fetchall()
        for r in rows:
            out[r["session_id"]].append(
                Ack(r["by"], r["source"], from_iso(r["at"]), r["session_id"])
            )
        return out

    def set_last_seen(self, at: datetime) -> None:
        """Store the daemon's heartbeat. Not chained: it is overwritten every few seconds
        and records nothing by itself; a session's own ``last_seen`` is chained."""
        with self._write() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('last_seen', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (to_iso(at),),
            )

    def last_seen(self) -> datetime | None:
        """Return the last heartbeat stored by ``set_last_seen``, or None."""
        with self._guard():
            r = self._db.execute("SELECT value FROM meta WHERE key = 'last_seen'").fetchone()
        return from_iso(r["value"]) if r else None
