"""Language-dependent formats of times, durations and sizes, for every text people read."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo


def format_elapsed(td: timedelta, language: str = "ja", *, pad_minutes: bool = True) -> str:
    """Return a duration for people: ``1時間05分`` / ``1h05m``; minutes under an hour
    (``5分`` / ``5m``), seconds under a minute (``30秒`` / ``30s``). Rounded down.
    ``pad_minutes=False`` gives the compact Japanese ``1時間5分`` (status lines)."""
    total = max(0, int(td.total_seconds()))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if language == "ja":
        if h:
            return f"{h}時間{m:02d}分" if pad_minutes else f"{h}時間{m}分"
        return f"{m}分" if m else f"{s}秒"
    if h:
        return f"{h}h{m:02d}m"
    return f"{m}m" if m else f"{s}s"


def format_bytes(n: int) -> str:
    """Return ``n`` bytes as ``512 B``, ``1.5 KB``, ``3.2 MB`` (powers of 1024)."""
    if n < 1024:
        return f"{n} B"
    units = ("KB", "MB", "GB", "TB")
    exp = min(int(math.log(n, 1024)), len(units))
    return f"{n / 1024**exp:.1f} {units[exp - 1]}"


_WEEKDAYS = {"ja": "月火水木金土日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def format_local(t: datetime, zone: tzinfo, language: str = "ja") -> str:
    """Return aware ``t`` in ``zone`` as ``2026-05-03 (日) 17:20:05 JST``; raise ValueError
    if ``t`` is naive."""
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: pass an aware one")
    local = t.astimezone(zone)
    day = _WEEKDAYS[language][local.weekday()]
    return f"{local:%Y-%m-%d} ({day}) {local:%H:%M:%S} {local.tzname()}"


def short_duration(td: timedelta, language: str) -> str:
    """Return ``td`` as ``"1h05m"`` / ``"12m"`` / ``"40s"`` (en) or ``"1時間5分"`` / ``"12分"`` (ja)."""
    return format_elapsed(td, language, pad_minutes=False)


def rule_words(rule: str | None, language: str) -> str:
    """Return a schedule rule (``clinic[0] sun,holiday 17:00-22:00``) in words:
    ``日曜・祝日 17:00〜22:00`` / ``Sun, holiday 17:00–22:00``; "" for None. A rule of
    another shape is returned as it is."""
    from monitor.texts import has, t

    if not rule:
        return ""
    _, _, rest = rule.partition(" ")
    days, _, hours = rest.partition(" ")
    names = days.split(",")
    if not hours or not all(has(language, f"words.day.{d}") for d in names):
        return rule
    joined = t(language, "words.day_joiner").join(t(language, f"words.day.{d}") for d in names)
    start, _, end = hours.partition("-")
    return t(language, "words.rule", days=joined, start=start, end=end)
