"""The serial protocol between the receipt PC and the Raspberry Pi indicator box.

Pure: bytes in, messages out, and messages to bytes. No port, clock or pin here
(the ends live in ``monitor.box``). See docs/box-protocol.md for the table.

One message per line: a UTF-8 JSON object ending in ``\\n``, at most
``MAX_LINE`` bytes including the newline, with ``"v": 1``, a sequence number
``"seq"`` (counted per sender, from 0) and a type ``"t"``::

    PC  -> box  {"v":1,"seq":7,"t":"pattern","pattern":"alarm","silenced":false}
    PC  -> box  {"v":1,"seq":8,"t":"hb"}
    box -> PC   {"v":1,"seq":0,"t":"hello","version":"0.1.0"}
    box -> PC   {"v":1,"seq":1,"t":"ack"}

A line that is too long, not UTF-8, not JSON, not an object, of another
version, of an unknown type or with a bad field is counted under its reason
and dropped; reading goes on at the next newline (a serial line picks up
noise when a cable is plugged or a box reboots).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.compat import StrEnum
from monitor.domain.enums import Pattern

VERSION = 1
MAX_LINE = 512  # bytes, including the newline
MAX_SEQ = 2**53 - 1  # stays exact in any JSON reader
MAX_BOX_VERSION = 64  # characters of the box's software version kept in a hello


class Reject(StrEnum):
    """Why a line was dropped (the key of the reader's counters)."""

    OVERSIZED = "oversized"  # longer than MAX_LINE before its newline
    NOT_UTF8 = "not-utf8"  # binary noise
    NOT_JSON = "not-json"
    NOT_OBJECT = "not-object"  # valid JSON, but not {...}
    BAD_VERSION = "bad-version"  # "v" missing or not 1
    BAD_FIELD = "bad-field"  # seq / pattern / silenced / version missing or of the wrong type
    UNKNOWN_TYPE = "unknown-type"  # "t" not a type of this version
    UNEXPECTED = "unexpected"  # a valid message that this end does not take (a PC sending ack)


@dataclass(frozen=True)
class PatternMsg:
    """PC -> box: show ``pattern``; ``silenced`` = the alarm was acknowledged (no buzzer)."""

    seq: int
    pattern: Pattern
    silenced: bool = False
    t = "pattern"


@dataclass(frozen=True)
class Heartbeat:
    """PC -> box: the monitor lives; keep the current pattern."""

    seq: int
    t = "hb"


@dataclass(frozen=True)
class Hello:
    """Box -> PC: the box (re)started or reopened its port; ``version`` of its software."""

    seq: int
    version: str
    t = "hello"


@dataclass(frozen=True)
class Ack:
    """Box -> PC: the box's button was pressed (acknowledge the alarm)."""

    seq: int
    t = "ack"


Message = PatternMsg | Heartbeat | Hello | Ack
TO_BOX = frozenset({"pattern", "hb"})
TO_PC = frozenset({"hello", "ack"})


class ProtocolError(ValueError):
    """A line was rejected; ``reason`` says why."""

    def __init__(self, reason: Reject, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else str(reason))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True == 1 in Python


def encode(msg: Message) -> bytes:
    """Return the line (with its newline) of ``msg``; raise ValueError if it would exceed
    MAX_LINE or carries a bad field (our own bug: never sent)."""
    if not _is_int(msg.seq) or not 0 <= msg.seq <= MAX_SEQ:
        raise ValueError(f"seq out of range: {msg.seq!r}")
    body: dict[str, object] = {"v": VERSION, "seq": msg.seq, "t": msg.t}
    if isinstance(msg, PatternMsg):
        body["pattern"] = Pattern(msg.pattern).value
        body["silenced"] = bool(msg.silenced)
    elif isinstance(msg, Hello):
        body["version"] = str(msg.version)[:MAX_BOX_VERSION]
    line = json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"
    if len(line) > MAX_LINE:
        raise ValueError(f"message of {len(line)} bytes exceeds {MAX_LINE}")
    return line


def decode(line: bytes) -> Message:
    """Return the message of one line (without or with its trailing newline);
    raise ProtocolError naming the reason if it is not a valid version-1 message."""
    line = line.rstrip(b"\r\n")
    if len(line) + 1 > MAX_LINE:
        raise ProtocolError(Reject.OVERSIZED, f"{len(line) + 1} bytes")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(Reject.NOT_UTF8) from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(Reject.NOT_JSON) from None
    if not isinstance(body, dict):
        raise ProtocolError(Reject.NOT_OBJECT)
    if not _is_int(body.get("v")) or body["v"] != VERSION:
        raise ProtocolError(Reject.BAD_VERSION, repr(body.get("v")))
    seq = body.get("seq")
    if not _is_int(seq) or not 0 <= seq <= MAX_SEQ:
        raise ProtocolError(Reject.BAD_FIELD, "seq")
    kind = body.get("t")
    if kind == "pattern":
        try:
            pattern = Pattern(body.get("pattern"))
        except ValueError:
            raise ProtocolError(Reject.BAD_FIELD, "pattern") from None
        silenced = body.get("silenced")
        if not isinstance(silenced, bool):
            raise ProtocolError(Reject.BAD_FIELD, "silenced")
        return PatternMsg(seq, pattern, silenced)
    if kind == "hb":
        return Heartbeat(seq)
    if kind == "hello":
        version = body.get("version")
        if not isinstance(version, str):
            raise ProtocolError(Reject.BAD_FIELD, "version")
        return Hello(seq, version[:MAX_BOX_VERSION])
    if kind == "ack":
        return Ack(seq)
    raise ProtocolError(Reject.UNKNOWN_TYPE, repr(kind)[:40])


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
