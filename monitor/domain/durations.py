"""The config's duration notation: ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"``, ``"500ms"``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")


def parse_duration(value: Any) -> timedelta:
    """Return the timedelta of ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"``, ``"500ms"``
    (a bare number is seconds); raise ValueError naming the accepted forms otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        # ValueError, not TypeError: pydantic reports only ValueError with the key path.
        raise ValueError(  # noqa: TRY004
            f'expected a duration like "90s", "15m", "2h", "1h30m", got {value!r}'
        )
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"duration must not be negative, got {value!r}")
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower()
        m = _DURATION_RE.match(text)
        if text and m and any(m.groups()):
            h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
            return timedelta(hours=h, minutes=mi, seconds=s, milliseconds=ms)
    raise ValueError(
        f'expected a duration like "90s", "15m", "2h", "1h30m" or "500ms", got {value!r}'
    )


def format_duration(td: timedelta) -> str:
    """Return ``td`` in the config's own notation (``"1h30m"``, ``"90s"`` is ``"1m30s"``)."""
    total_ms = round(td.total_seconds() * 1000)
    if total_ms == 0:
        return "0s"
    h, rest = divmod(total_ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    out = "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s"), (ms, "ms")) if v)
    return out
