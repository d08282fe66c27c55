"""The ``Register`` facade: one class over the connection and the topic parts."""

from __future__ import annotations

from monitor.register.events import EventsMixin
from monitor.register.media import MediaMixin
from monitor.register.outbox import OutboxMixin
from monitor.register.sessions import SessionsMixin
from monitor.register.verify import verify


class Register(SessionsMixin, OutboxMixin, EventsMixin, MediaMixin):
    """The register file: sessions and permits, the outbox, the event logs and the
    hash chain over all of them. Open it with ``Register(path)`` (creates and
    migrates) or ``Register.open_readonly(path)``; close it or use ``with``."""

    def verify(self, anchor: tuple[int, str] | None = None) -> int:
        """Return the number of chain records when the chain and every table agree;
        raise ChainBroken naming the first record that does not (edited, deleted or
        inserted, in the chain or in a table).

        ``anchor`` = ``(seq, hash)`` noted down earlier (from ``head()``): record
        ``seq`` must still carry that hash, which also catches a chain recomputed
        from scratch by someone who rewrote the whole file."""
        with self._read() as db:
            return verify(db, anchor)
