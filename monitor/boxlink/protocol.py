"""The serial protocol between the receipt PC and the Raspberry Pi indicator box.

Pure: bytes in, messages out, and messages to bytes. No port, clock or pin here
(the ends: ``monitor.boxlink.port``, used by ``monitor.indicator.box`` on the PC and
``monitor.box`` on the Pi). See docs/box-protocol.md for the table.

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
from dataclasses import dataclass
from typing import Any, TypeGuard

from monitor.compat import StrEnum
from monitor.domain.enums import Pattern

VERSION = 1
MAX_LINE = 512  # bytes, including the newline
MAX_SEQ = 2**53 - 1  # stays exact in any JSON reader
MAX_BOX_VERSION = 64  # characters of the box's software version kept in a hello

# Timing both ends rely on: the PC repeats its pattern every REPEAT_EVERY seconds (its
# heartbeat); the box shows `lost` after LOST_AFTER seconds without a valid message,
# so up to four lost lines in a row go unnoticed by the people at the desk.
REPEAT_EVERY = 1.0
LOST_AFTER = 5.0


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


def _is_int(value: object) -> TypeGuard[int]:
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


def _body(line: bytes) -> dict[str, Any]:
    """Return the JSON object of one line; raise ProtocolError if it is not one."""
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
    return body


def _pattern_msg(seq: int, body: dict[str, Any]) -> PatternMsg:
    raw = body.get("pattern")
    try:
        pattern = Pattern(raw if isinstance(raw, str) else "")
    except ValueError:
        raise ProtocolError(Reject.BAD_FIELD, "pattern") from None
    silenced = body.get("silenced")
    if not isinstance(silenced, bool):
        raise ProtocolError(Reject.BAD_FIELD, "silenced")
    return PatternMsg(seq, pattern, silenced)


def _hello(seq: int, body: dict[str, Any]) -> Hello:
    version = body.get("version")
    if not isinstance(version, str):
        raise ProtocolError(Reject.BAD_FIELD, "version")
    return Hello(seq, version[:MAX_BOX_VERSION])


def decode(line: bytes) -> Message:
    """Return the message of one line (without or with its trailing newline);
    raise ProtocolError naming the reason if it is not a valid version-1 message."""
    body = _body(line)
    version = body.get("v")
    if not _is_int(version) or version != VERSION:
        raise ProtocolError(Reject.BAD_VERSION, repr(version))
    seq = body.get("seq")
    if not _is_int(seq) or not 0 <= seq <= MAX_SEQ:
        raise ProtocolError(Reject.BAD_FIELD, "seq")
    kind = body.get("t")
    if kind == PatternMsg.t:
        return _pattern_msg(seq, body)
    if kind == Heartbeat.t:
        return Heartbeat(seq)
    if kind == Hello.t:
        return _hello(seq, body)
    if kind == Ack.t:
        return Ack(seq)
    raise ProtocolError(Reject.UNKNOWN_TYPE, repr(kind)[:40])
