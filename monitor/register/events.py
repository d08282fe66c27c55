"""Link events, transitions, acknowledgements and the daemon's heartbeat."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.compat import UTC
from monitor.domain.clock import ClockCheck
from monitor.domain.model import Ack, LinkObserved, Transition
from monitor.errors import RegisterError
from monitor.register.chain import insert_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import (
    clock_check_from,
    clock_check_row,
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
        stored = from_iso(self._meta("last_seen"))
        marked = self.alive_mark()
        if stored is None or marked is None:
            return stored or marked
        return max(stored, marked)

    def alive_mark(self) -> datetime | None:
        """Return when ``mark_alive`` last marked the daemon alive, or None."""
        try:
            return datetime.fromtimestamp(self.alive_path.stat().st_mtime, UTC)
        except OSError:
            return None

    def _meta(self, key: str) -> str | None:
        with self._guard():
            r = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return r["value"] if r else None

    def _set_meta(self, key: str, value: str | None) -> None:
        with self._write() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def set_stopped_at(self, at: datetime | None) -> None:
        """Store when the daemon stopped cleanly (None: it runs now). Not chained, like
        the heartbeat: a start that finds no clean stop after the last heartbeat
        knows the daemon died (kill -9, power cut) and was blind since then."""
        self._set_meta("stopped_at", to_iso(at) if at is not None else None)

    def stopped_at(self) -> datetime | None:
        """Return the instant of the last clean stop, or None (running, or it died)."""
        return from_iso(self._meta("stopped_at"))

    def set_traffic(self, state: dict[str, Any] | None) -> None:
        """Store the open session's traffic baselines (per-interface counters at its
        start and last seen): a restart, even after a crash, counts on from them."""
        self._set_meta("traffic", json.dumps(state) if state is not None else None)

    def traffic(self) -> dict[str, Any] | None:
        """Return what ``set_traffic`` stored, or None."""
        raw = self._meta("traffic")
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def record_clock(self, check: ClockCheck) -> int:
        """Append one record of the clock (``adjtimex`` at a session start or end);
        return its id."""
        with self._write() as db:
            return insert_chained(db, "clock_checks", clock_check_row(check))

    def clock_checks(self) -> list[ClockCheck]:
        """Return every record of the clock, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT * FROM clock_checks ORDER BY id").fetchall()
        return [clock_check_from(r) for r in rows]

    def newest_time(self) -> datetime | None:
        """Return the newest instant the register holds: the heartbeat, the last clean
        stop, the newest session's start (each one lookup). A wall clock earlier than
        this at start has gone back (or was set wrong)."""
        with self._guard():
            r = self._db.execute(
                "SELECT MAX(started_at) AS t FROM sessions"  # sessions_started index
            ).fetchone()
        times = [from_iso(r["t"]) if r else None, self.last_seen(), self.stopped_at()]
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def session_acked(self, session_id: str) -> bool:
        """Return True when someone acknowledged the alarm during session ``session_id``
        (it holds for the session, across a restart)."""
        with self._read() as db:
            r = db.execute("SELECT 1 FROM acks WHERE session_id = ? LIMIT 1", (session_id,))
            return r.fetchone() is not None
