"""Text that may not go where a person or the kernel reads it: control characters.

A NUL byte in a path kills ``open``; a newline in a name forges a mail header or a
log line. Shared by the config's bounds and the quick commands' config reader
(which must not import pydantic)."""

from __future__ import annotations

import unicodedata


def control_problem(text: str) -> str | None:
    """Return what is wrong when ``text`` holds a control character ("contains a NUL
    byte at position 3"), else None."""
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cc":
            what = "a NUL byte" if ch == "\0" else f"control character U+{ord(ch):04X}"
            return f"contains {what} at position {i}"
    return None
