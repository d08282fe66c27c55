"""The config's duration notation: ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"``, ``"500ms"``.

Every duration is bounded: ``parse_duration`` refuses anything longer than
``MAX_DURATION`` (a year), so that no input, however large (``1e308``, ``inf``,
``"99999999999h"``), can overflow ``timedelta`` or the arithmetic done with it
later. Callers bound further for their own meaning (a config key: a day; a
permit: a week).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")

# The longest duration anything accepts (more is an error, not an overflow).
MAX_DURATION = timedelta(days=365)
_FORMS = '"90s", "15m", "2h", "1h30m" or "500ms"'


class DurationTooLong(ValueError):
    """A duration longer than the maximum its reader takes."""


def _bounded(td: timedelta | None, value: Any, maximum: timedelta) -> timedelta:
    if td is None or td > maximum:
        raise DurationTooLong(f"too long: at most {format_duration(maximum)}, got {value!r}")
    return td


def _from_number(value: float, maximum: timedelta) -> timedelta:
    if math.isnan(value):
        raise ValueError(f"expected a duration like {_FORMS}, got {value!r}")
    if value < 0:
        raise ValueError(f"duration must not be negative, got {value!r}")
    # Compared before converting: timedelta(seconds=1e308) overflows.
    return _bounded(
        timedelta(seconds=value) if value <= maximum.total_seconds() else None, value, maximum
    )


def _from_text(value: str, maximum: timedelta) -> timedelta | None:
    text = value.strip().lower()
    m = _DURATION_RE.match(text)
    if not (text and m and any(m.groups())):
        return None
    if any(g and len(g) > 15 for g in m.groups()):
        return _bounded(None, value, maximum)  # int() of thousands of digits refuses
    h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
    total_ms = ((h * 60 + mi) * 60 + s) * 1000 + ms  # exact (Python ints): no overflow
    if total_ms > maximum.total_seconds() * 1000:
        return _bounded(None, value, maximum)
    return timedelta(milliseconds=total_ms)


def parse_duration(value: Any, maximum: timedelta = MAX_DURATION) -> timedelta:
    """Return the timedelta of ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"``, ``"500ms"``
    (a bare number is seconds); raise ValueError naming the accepted forms, or
    ``DurationTooLong`` (a ValueError) naming the maximum when the value is longer
    than ``maximum`` (at most ``MAX_DURATION``).

    ValueError, never TypeError or OverflowError: pydantic reports only ValueError
    with the key path, and the control socket answers it as the request's error."""
    maximum = min(maximum, MAX_DURATION)
    if isinstance(value, timedelta):
        return _bounded(value, value, maximum)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value, maximum)
    if isinstance(value, str):
        td = _from_text(value, maximum)
        if td is not None:
            return td
    raise ValueError(f"expected a duration like {_FORMS}, got {value!r}")


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
