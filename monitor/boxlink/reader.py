"""``LineReader``: a byte stream from the serial port ─► accepted messages, with counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from monitor.boxlink.protocol import MAX_LINE, Message, ProtocolError, Reject, decode


class LineReader:
    """Split a byte stream into messages for one end of the link.

    ``feed(data)`` returns the valid messages completed by ``data`` whose type is
    in ``accept``; everything else is counted in ``rejected`` (by ``Reject``) and
    dropped. The buffer never holds more than MAX_LINE bytes: an over-long line is
    dropped and reading resumes after its newline. Never raises on any input.
    """

    def __init__(self, accept: Iterable[str]):
        self.accept = frozenset(accept)
        self.rejected: Counter[str] = Counter()
        self.accepted = 0
        self.last_seq: int | None = None
        self.seq_gaps = 0  # lines lost between two accepted messages (noise, reconnects)
        self._buf = bytearray()
        self._skipping = False  # inside an over-long line, until its newline

    def feed(self, data: bytes) -> list[Message]:
        """Return the accepted messages completed by ``data``, in order."""
        out: list[Message] = []
        start = 0
        while start < len(data):
            nl = data.find(b"\n", start)
            end = len(data) if nl < 0 else nl
            chunk = data[start:end]
            if not self._skipping:
                if len(self._buf) + len(chunk) + 1 > MAX_LINE:
                    # Too long even before its newline: drop it, count it once, skip to "\n".
                    self._buf.clear()
                    self._skipping = True
                    self.rejected[Reject.OVERSIZED.value] += 1
                else:
                    self._buf += chunk
            if nl < 0:
                break
            if self._skipping:
                self._skipping = False
            elif self._buf.strip(b"\r"):
                msg = self._line(bytes(self._buf))
                if msg is not None:
                    out.append(msg)
            self._buf.clear()
            start = nl + 1
        return out

    def reset(self) -> None:
        """Forget a partial line (after the port was reopened); counters are kept."""
        self._buf.clear()
        self._skipping = False
        self.last_seq = None

    def _line(self, line: bytes) -> Message | None:
        try:
            msg = decode(line)
        except ProtocolError as exc:
            self.rejected[exc.reason.value] += 1
            return None
        if msg.t not in self.accept:
            self.rejected[Reject.UNEXPECTED.value] += 1
            return None
        if self.last_seq is not None and msg.seq > self.last_seq + 1:
            self.seq_gaps += msg.seq - self.last_seq - 1
        # A lower seq means the sender restarted: take it as the new base.
        self.last_seq = msg.seq
        self.accepted += 1
        return msg

    def counters(self) -> dict[str, object]:
        """Return the counters, JSON-able, for ``state()``."""
        return {
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
            "seq_gaps": self.seq_gaps,
        }
