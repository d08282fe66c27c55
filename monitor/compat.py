"""What Python 3.10 lacks, in one place (the receipt PC's Ubuntu 22.04 has 3.10).

Import ``UTC``, ``StrEnum``, ``Self`` and ``tomllib`` from here, never from the
standard library directly: on 3.11 and later these are the standard ones.
"""

from __future__ import annotations

import sys
from datetime import timezone

UTC = timezone.utc

if sys.version_info >= (3, 11):
    from enum import StrEnum
    from typing import Self

    import tomllib
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
        def _generate_next_value_(name, start, count, last_values):
            return name.lower()


__all__ = ["UTC", "Self", "StrEnum", "tomllib"]
