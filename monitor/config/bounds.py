"""Bounds on raw config input, checked before the model sees it: no input, however
hostile, may end in a traceback instead of a ``Problem`` with its key path. (The
file's size is bounded where it is read: ``monitor.configfile.MAX_BYTES``.)

    MAX_DEPTH                        containers a value may nest (the sample uses 3)
    input_problems(data)             too-deep values and control characters in parsed
                                     TOML, each a Problem with its key path
    without_bad_input(data)          ``data`` with those values set to None and
                                     those keys dropped (the model reports the rest)
    under(path, problems)            True when ``path`` is at or below one of them
    deep_nesting_at(text, limit)     the key path and line of the first value nested
                                     deeper than ``limit`` in TOML text (for a text
                                     the parser itself cannot nest into)
"""

from __future__ import annotations

from typing import Any

from monitor.domain.text import control_problem
from monitor.errors import Problem

# clinic (array) ─► a window (table) ─► days (array): 3 levels. 8 leaves room and
# keeps every recursion over the data far from the interpreter's limit.
MAX_DEPTH = 8

KeyPath = tuple[str | int, ...]


def path_text(path: KeyPath) -> str:
    """Return ``("clinic", 0, "hours")`` as ``clinic[0].hours``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


_control = control_problem


def _walk(value: Any, path: KeyPath, out: list[tuple[KeyPath, str]]) -> None:
    if len(path) > MAX_DEPTH and isinstance(value, (dict, list)):
        out.append((path, f"nested deeper than {MAX_DEPTH} levels"))
        return
    if isinstance(value, str):
        if problem := _control(value):
            out.append((path, problem))
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := _control(key):
                out.append((path, f"key {key!r} {problem}"))
            else:
                _walk(item, (*path, key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, (*path, i), out)


def input_problems(data: dict[str, Any]) -> list[Problem]:
    """Return a ``Problem`` for each value nested deeper than ``MAX_DEPTH``
    and each string or key holding a control character (a NUL byte in a path
    kills ``open``; a newline in a name forges a mail header or a log line)."""
    out: list[tuple[KeyPath, str]] = []
    _walk(data, (), out)
    return [Problem(path_text(path), message) for path, message in out]


def _clean(value: Any, depth: int) -> Any:
    if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return None if _control(value) else value
    if isinstance(value, dict):
        return {k: _clean(v, depth + 1) for k, v in value.items() if _control(k) is None}
    if isinstance(value, list):
        return [_clean(v, depth + 1) for v in value]
    return value


def without_bad_input(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with what ``input_problems`` names taken out: each too-deep
    value and each string holding a control character replaced by None, each key
    holding one dropped (the model then reports the rest, not these twice)."""
    return _clean(data, 0)  # type: ignore[no-any-return]


def under(path: str, bad: list[Problem]) -> bool:
    """Return True when key path ``path`` is one of ``bad``'s paths or below one."""
    return any(
        path == p.path or path.startswith((p.path + ".", p.path + "[")) for p in bad if p.path
    )


# ------------------------------------------------------------ in the TOML text


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        return len(text) if end < 0 else end + 3
    j = i + 1
    while j < len(text) and text[j] not in (quote, "\n"):
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1


def _skip_to_line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _header_or_key(text: str, i: int, table: str, seen: dict[str, int]) -> tuple[int, str, str]:
    """At the start of a line outside any value: return (next index, table, key).
    ``seen`` counts the ``[[array]]`` headers so far (the path's index)."""
    if text[i] == "[":
        end = _skip_to_line_end(text, i)
        name = text[i:end].split("#")[0].strip().strip("[]").strip().replace('"', "")
        if text.startswith("[[", i):
            seen[name] = seen.get(name, -1) + 1
            return end, f"{name}[{seen[name]}]", ""
        return end, name, ""
    eq = text.find("=", i)
    end = _skip_to_line_end(text, i)
    if eq < 0 or eq > end:
        return end, table, ""
    return eq + 1, table, text[i:eq].strip().replace('"', "")


def deep_nesting_at(text: str, limit: int = MAX_DEPTH) -> tuple[str, int] | None:
    """Return ``(key path, line number)`` of the first value nested deeper than
    ``limit`` brackets or braces in TOML ``text``, or None. A locator for the
    message only: strings and comments are skipped, inline-table keys are not
    followed (the path names the top key)."""
    table = key = ""
    seen: dict[str, int] = {}
    depth, i, line, line_start = 0, 0, 1, True
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line, line_start, i = line + 1, depth == 0, i + 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#":
            i = _skip_to_line_end(text, i)
        elif ch in "\"'" and not line_start:
            line += text.count("\n", i, (j := _skip_string(text, i)))
            i = j
        elif line_start:
            i, table, key = _header_or_key(text, i, table, seen)
            line_start = False
        else:
            depth += (ch in "[{") - (ch in "]}")
            if depth > limit:
                return ".".join(p for p in (table, key) if p), line
            i += 1
    return None
