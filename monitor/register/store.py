"""The ``Register`` facade: one class over the connection and the topic parts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.register.claims import ClaimsMixin
from monitor.register.events import EventsMixin
from monitor.register.media import MediaMixin
from monitor.register.outbox import OutboxMixin
from monitor.register.period import verify_period
from monitor.register.restore import RestoreMixin
from monitor.register.rows import to_iso
from monitor.register.sessions import SessionsMixin
from monitor.register.verify import check_anchor, verify
from monitor.register.witness import write_witness


class Register(SessionsMixin, OutboxMixin, ClaimsMixin, EventsMixin, RestoreMixin, MediaMixin):
    """The register file: sessions and permits, the outbox, the event logs and the
    hash chain over all of them. Open it with ``Register(path)`` (creates and
    migrates) or ``Register.open_readonly(path)``; close it or use ``with``.

    ``found_at_start``: what ``startup.open_for_daemon`` found instead of the register
    of the last run (empty: nothing wrong)."""

    found_at_start: tuple[object, ...] = ()
    _witnessed: tuple[int, str] | None = None

    def note_witness(self, at: datetime) -> bool:
        """Write the head to the witness file if it changed since the last note; return
        True when written. Raise OSError if it cannot be."""
        head = self.head()
        if head == self._witnessed:
            return False
        write_witness(self.path, head, at)
        self._witnessed = head
        return True

    #: ``((data_version, total_changes), summary)`` of the last ``outbox_summary``.
    _summary_memo: tuple[tuple[int, int], dict[str, Any]] | None = None

    def outbox_summary(self) -> dict[str, Any]:
        """``OutboxMixin.outbox_summary``, read again only when the register changed
        since the last call: a commit of this connection (``total_changes``) or of any
        other (``PRAGMA data_version``: another process, e.g. a send child). The daemon
        asks at every heartbeat and status; while nothing is written (idle), that is
        one pragma instead of two queries."""
        with self._lock:
            key = (self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes)
            memo = self._summary_memo
            if memo is not None and memo[0] == key:
                return dict(memo[1])
            summary = super().outbox_summary()
            self._summary_memo = (key, summary)
            return dict(summary)

    def verify(self, anchor: tuple[int, str] | None = None) -> int:
        """Return the number of chain records when the chain and every table agree;
        raise ChainBroken naming the first record that does not (edited, deleted or
        inserted, in the chain or in a table).

        ``anchor`` = ``(seq, hash)`` noted down earlier (from ``head()``): record
        ``seq`` must still carry that hash, which also catches a chain recomputed
        from scratch by someone who rewrote the whole file."""
        with self._read() as db:
            return verify(db, anchor)

    def verify_period(self, since: datetime, until: datetime | None = None) -> tuple[int, int]:
        """Return ``(first, count)`` (the first chain record checked, how many were)
        when the part of the register a printout of the sessions that started in
        [``since``, ``until``) rests on is intact: the chain from the last session
        before the period to the head, every row written there, every row printed
        (``monitor.register.period``). Raise ChainBroken otherwise. Its cost grows
        with the period and what came after it, not with the whole history."""
        with self._read() as db:
            return verify_period(db, to_iso(since), None if until is None else to_iso(until))

    def check_anchor(self, seq: int, head: str) -> None:
        """Raise ChainBroken unless chain record ``seq`` carries ``head`` (a head noted
        earlier: by hand, in an alert, or in the witness beside the file)."""
        with self._read() as db:
            check_anchor(db, seq, head)
