"""Removable media: the ledger of registered media and the log of insertions and removals."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any

from monitor.domain.media import (
    MediaAction,
    MediaObserved,
    Medium,
    RegisteredMedium,
    RetireReason,
)
from monitor.errors import RegisterError
from monitor.register.chain import insert_chained, update_chained
from monitor.register.core import RegisterCore
from monitor.register.rows import from_iso, to_iso


class MediaError(RegisterError):
    """A ledger change that cannot be made (the message says why, for a person)."""


def medium_from(r: sqlite3.Row) -> RegisteredMedium:
    reason = r["retire_reason"]
    return RegisteredMedium(
        serial=r["serial"],
        label=r["label"],
        holder=r["holder"],
        purpose=r["purpose"],
        registered_at=from_iso(r["registered_at"]),
        registered_by=r["registered_by"],
        vendor=r["vendor"],
        model=r["model"],
        size_bytes=r["size_bytes"],
        retired_at=from_iso(r["retired_at"]),
        retire_reason=RetireReason(reason) if reason else None,
        erasure=r["erasure"],
        retired_by=r["retired_by"],
        id=r["id"],
    )


def media_event_row(obs: MediaObserved) -> dict[str, Any]:
    m = obs.medium
    reg = obs.registered
    return {
        "action": str(obs.action),
        "device": m.device,
        "devnum": m.devnum,
        "driver": m.driver,
        "removable": int(m.removable),
        "vendor": m.vendor,
        "model": m.model,
        "serial": m.serial,
        "size_bytes": m.size_bytes,
        "label": reg.label if reg is not None else None,
        "media_id": reg.id if reg is not None else None,
        "at": to_iso(obs.at),
    }


def media_event_from(r: sqlite3.Row) -> MediaObserved:
    medium = Medium(
        device=r["device"],
        devnum=r["devnum"],
        driver=r["driver"],
        removable=bool(r["removable"]),
        vendor=r["vendor"],
        model=r["model"],
        serial=r["serial"],
        size_bytes=r["size_bytes"],
    )
    reg = None
    if r["label"] is not None:
        # The label as it was at the time (the ledger may have changed since).
        reg = RegisteredMedium(
            serial=r["serial"],
            label=r["label"],
            holder="",
            purpose="",
            registered_at=from_iso(r["at"]),
            registered_by="",
            id=r["media_id"],
        )
    return MediaObserved(MediaAction(r["action"]), medium, from_iso(r["at"]), reg)


class MediaMixin(RegisterCore):
    """The ledger (``media``) and the media events, both chained."""

    def register_medium(self, m: RegisteredMedium) -> RegisteredMedium:
        """Add ``m`` to the ledger; return it with its id. Raise MediaError if its
        serial is empty or already registered and not retired."""
        if not m.serial:
            raise MediaError("a medium without a serial number cannot be registered")
        values = {
            "serial": m.serial,
            "label": m.label,
            "holder": m.holder,
            "purpose": m.purpose,
            "vendor": m.vendor,
            "model": m.model,
            "size_bytes": m.size_bytes,
            "registered_at": to_iso(m.registered_at),
            "registered_by": m.registered_by,
        }
        with self._write() as db:
            old = db.execute(
                "SELECT label FROM media WHERE serial = ? AND retired_at IS NULL", (m.serial,)
            ).fetchone()
            if old is not None:
                raise MediaError(f"serial {m.serial} is already registered as {old['label']!r}")
            rowid = insert_chained(db, "media", values)
        return replace(m, id=rowid)

    def retire_medium(
        self, serial: str, reason: RetireReason, at: datetime, by: str, erasure: str = ""
    ) -> RegisteredMedium:
        """Mark the active medium ``serial`` retired (kept in the ledger); return it.
        Raise MediaError if none is active, or ``disposed`` comes without ``erasure``."""
        if reason is RetireReason.DISPOSED and not erasure.strip():
            raise MediaError("a disposed medium needs how its data was erased (erasure)")
        with self._write() as db:
            r = db.execute(
                "SELECT id FROM media WHERE serial = ? AND retired_at IS NULL", (serial,)
            ).fetchone()
            if r is None:
                raise MediaError(f"no registered medium in use has serial {serial}")
            update_chained(
                db,
                "media",
                r["id"],
                {
                    "retired_at": to_iso(at),
                    "retire_reason": str(reason),
                    "erasure": erasure.strip(),
                    "retired_by": by,
                },
            )
            row = db.execute("SELECT * FROM media WHERE id = ?", (r["id"],)).fetchone()
        return medium_from(row)

    def medium_by_serial(self, serial: str) -> RegisteredMedium | None:
        """Return the ledger's entry in use for ``serial``, else its newest retired one,
        else None (one index probe for the one in use)."""
        if not serial:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM media WHERE serial = ? ORDER BY retired_at IS NOT NULL, id DESC "
                "LIMIT 1",
                (serial,),
            ).fetchone()
        return medium_from(row) if row is not None else None

    def media(self, *, include_retired: bool = True) -> list[RegisteredMedium]:
        """Return the ledger, oldest registration first."""
        where = "" if include_retired else " WHERE retired_at IS NULL"
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM media{where} ORDER BY id").fetchall()
        return [medium_from(r) for r in rows]

    def record_media_event(self, obs: MediaObserved) -> int:
        """Append one insertion, removal or medium found at start; return its id."""
        with self._write() as db:
            return insert_chained(db, "media_events", media_event_row(obs))

    def media_events(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[MediaObserved]:
        """Return the media events at ``[since, until)``, oldest first."""
        lo = to_iso(since) if since is not None else ""
        hi = to_iso(until) if until is not None else "~"
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM media_events WHERE at >= ? AND at < ? ORDER BY at, id", (lo, hi)
            ).fetchall()
        return [media_event_from(r) for r in rows]
