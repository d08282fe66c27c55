"""Passwords in URLs, hidden before any text is shown, logged or stored."""

from __future__ import annotations

import re

_PASSWORD_RE = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(text: str) -> str:
    """Return ``text`` with every password of a ``scheme://user:password@`` URL as ``***``."""
    return _PASSWORD_RE.sub(r"\1***@", text)
