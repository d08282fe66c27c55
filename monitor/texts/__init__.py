"""The one catalog of every text a person reads, in Japanese and English.

Texts live in area modules of this package (``alerts``, ``status``, ``cli``, ...),
each defining ``JA`` and ``EN``: dicts from a key to a ``str.format`` template.
Keys are looked up as ``"<area>.<key>"``. Both languages hold the same keys and
the same placeholders (a unit test checks it). Code never builds a sentence a
person reads inline: it calls ``t(language, key, **values)``.

Adding an area: create ``monitor/texts/<area>.py`` with ``JA`` and ``EN`` and add
its name to ``AREAS``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"

# Area modules, in no particular order. Each is imported on first use only, so a
# quick command pays for the texts it prints and nothing more.
AREAS: tuple[str, ...] = (
    "alerts",
    "cli",
    "clickwords",
    "help",
    "control",
    "indicator",
    "lamp",
    "media",
    "printout",
    "register",
    "reports",
    "status",
    "statusline",
    "words",
)


@cache
def area(name: str) -> dict[str, dict[str, str]]:
    """Return ``{"ja": {...}, "en": {...}}`` of one area; raise KeyError if unknown."""
    if name not in AREAS:
        raise KeyError(f"no text area {name!r}")
    module = importlib.import_module(f"monitor.texts.{name}")
    return {"ja": module.JA, "en": module.EN}


def language_of(language: str | None) -> str:
    """Return ``language`` if the catalog has it, else the default (Japanese)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def template(language: str | None, key: str) -> str:
    """Return the raw template of ``"<area>.<key>"``; raise KeyError if it is missing."""
    name, _, rest = key.partition(".")
    return area(name)[language_of(language)][rest]


def t(language: str | None, key: str, **values: Any) -> str:
    """Return the text of ``"<area>.<key>"`` in ``language`` with ``values`` filled in.

    Raise KeyError if the key is missing (a programming error a unit test catches)."""
    text = template(language, key)
    return text.format(**values) if values else text


def has(language: str | None, key: str) -> bool:
    """Return True if the catalog holds ``key``."""
    try:
        template(language, key)
    except KeyError:
        return False
    return True
