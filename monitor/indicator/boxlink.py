"""TEMPORARY re-export (issue 11): the box wire protocol moved to ``monitor.boxlink``.
Remove once nothing imports ``monitor.indicator.boxlink`` (tests/e2e/test_daemon_e2e.py
still does)."""

from __future__ import annotations

from monitor.boxlink import (
    MAX_BOX_VERSION,
    MAX_LINE,
    MAX_SEQ,
    TO_BOX,
    TO_PC,
    VERSION,
    Ack,
    Heartbeat,
    Hello,
    LineReader,
    Message,
    PatternMsg,
    ProtocolError,
    Reject,
    decode,
    encode,
)

__all__ = [
    "MAX_BOX_VERSION",
    "MAX_LINE",
    "MAX_SEQ",
    "TO_BOX",
    "TO_PC",
    "VERSION",
    "Ack",
    "Heartbeat",
    "Hello",
    "LineReader",
    "Message",
    "PatternMsg",
    "ProtocolError",
    "Reject",
    "decode",
    "encode",
]
