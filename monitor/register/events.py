"""Link events, transitions, acknowledgements and the daemon's heartbeat."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from monitor.compat import UTC
from monitor.domain.model import LinkObserved, Transition
from monitor.errors import RegisterError
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

    def set_last_seen(self, at: datetime) -> None:
        """Store the daemon's heartbeat. Not chained: it is overwritten every few seconds
        and records nothing by itself; a session's own ``last_seen`` is chained."""
        with self._write() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('last_seen', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (to_iso(at),),
            )

    @property
    def alive_path(self) -> Path:
        """The witness file beside the register whose modification time ``mark_alive``
        sets (``register.db.alive``)."""
        return self.path.with_name(self.path.name + ".alive")

    def mark_alive(self, at: datetime) -> None:
        """Note that the daemon was alive at ``at``, without writing the register: the
        modification time of ``alive_path`` (created empty if missing), not flushed.

        Why not ``set_last_seen``: that is a commit with an fdatasync (5,760 a day at
        a 15 s heartbeat) on a PC that is idle almost all year. The daemon stores
        ``last_seen`` only while a session is open (a crash ends the session there)
        and marks itself alive while idle, every few minutes; after a power cut the
        mark may be lost by as much as the kernel's writeback delay (~30 s), so it only
        ever makes a blind interval look longer, never shorter."""
        if self.readonly:
            raise RegisterError(f"{self.path}: opened read-only")
        ts = at.timestamp()
        try:
            try:
                os.utime(self.alive_path, (ts, ts))
            except FileNotFoundError:
                self.alive_path.touch()
                os.utime(self.alive_path, (ts, ts))
        except OSError as exc:
            raise RegisterError(
                f"{self.alive_path}: cannot mark the monitor alive: {exc.strerror or exc}"
            ) from None

    def last_seen(self) -> datetime | None:
        """Return the daemon's last sign of life: the later of the heartbeat stored by
        ``set_last_seen`` and the mark of ``mark_alive``; None when there is neither."""
        with self._guard():
            r = self._db.execute("SELECT value FROM meta WHERE key = 'last_seen'").fetchone()
        stored = from_iso(r["value"]) if r else None
        try:
            marked = datetime.fromtimestamp(self.alive_path.stat().st_mtime, UTC)
        except OSError:
            return stored
        return marked if stored is None else max(stored, marked)
