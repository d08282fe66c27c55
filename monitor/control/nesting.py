"""How deep a request line nests, found before the JSON decoder sees it."""

from __future__ import annotations

#: No request nests deeper than this; a deeper line is refused before it is parsed,
#: the same on every Python (3.13's decoder no longer recurses once per level).
MAX_DEPTH = 32


def too_deep(line: bytes | str) -> bool:
    """Return True if ``line`` opens more than ``MAX_DEPTH`` arrays or objects at once
    (brackets inside JSON strings do not count)."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    depth, in_string, escaped = 0, False, False
    for c in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif c in "]}":
            depth -= 1
    return False
