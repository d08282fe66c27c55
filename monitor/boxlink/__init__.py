"""The serial link between the receipt PC and the Raspberry Pi indicator box.

Layer 1: both ends use it, the PC's indicator (``monitor.indicator.box``) and the
Pi's box program (``monitor.box``), and neither may import the other.

Modules: ``protocol`` (the version-1 messages as bytes and back, timing; pure),
``reader`` (a byte stream ─► accepted messages, with counters; pure), ``port``
(``LinkEnd``: the port thread both ends run). See docs/box-protocol.md.
"""

from __future__ import annotations

from monitor.boxlink.port import BACKOFF_FIRST, BACKOFF_MAX, BAUDRATE, LinkEnd, open_serial
from monitor.boxlink.protocol import (
    LOST_AFTER,
    MAX_BOX_VERSION,
    MAX_LINE,
    MAX_SEQ,
    REPEAT_EVERY,
    TO_BOX,
    TO_PC,
    VERSION,
    Ack,
    Heartbeat,
    Hello,
    Message,
    PatternMsg,
    ProtocolError,
    Reject,
    decode,
    encode,
)
from monitor.boxlink.reader import LineReader

__all__ = [
    "BACKOFF_FIRST",
    "BACKOFF_MAX",
    "BAUDRATE",
    "LOST_AFTER",
    "MAX_BOX_VERSION",
    "MAX_LINE",
    "MAX_SEQ",
    "REPEAT_EVERY",
    "TO_BOX",
    "TO_PC",
    "VERSION",
    "Ack",
    "Heartbeat",
    "Hello",
    "LineReader",
    "LinkEnd",
    "Message",
    "PatternMsg",
    "ProtocolError",
    "Reject",
    "decode",
    "encode",
    "open_serial",
]
