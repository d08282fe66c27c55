"""What Python 3.10 lacks, in one place (the receipt PC's Ubuntu 22.04 has 3.10).

Import ``UTC``, ``StrEnum``, ``Self``, ``tomllib`` and ``fromisoformat`` from here,
never from the standard library directly: on 3.11 and later these are the standard
ones. Nothing here imports asyncio: the quick commands import this module.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

UTC = timezone.utc

if sys.version_info >= (3, 11):
    from enum import StrEnum
    from typing import Self

    import tomllib

    fromisoformat = datetime.fromisoformat
else:  # pragma: no cover - exercised by the 3.10 test run
    from enum import Enum

    import tomli as tomllib
    from typing_extensions import Self

    class StrEnum(str, Enum):
        """``enum.StrEnum`` of 3.11: members are strings and print as their value."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return str(self.value).__format__(spec)

        @staticmethod
        def _generate_next_value_(name, start, count, last_values):  # type: ignore[no-untyped-def]
            return name.lower()

    def fromisoformat(text: str) -> datetime:
        """``datetime.fromisoformat`` of 3.11 for the forms people and JSON write:
        3.10 reads only what ``isoformat()`` writes, so a trailing ``Z`` is turned
        into ``+00:00`` and a fraction is padded to 3 or 6 digits first."""
        text = text.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(_pad_fraction(text))

    def _pad_fraction(text: str) -> str:
        head, dot, rest = text.partition(".")
        if not dot:
            return text
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if digits in (3, 6):
            return text
        fraction = (rest[:digits] + "000000")[:6]
        return f"{head}.{fraction}{rest[digits:]}"


__all__ = ["UTC", "Self", "StrEnum", "fromisoformat", "tomllib"]
