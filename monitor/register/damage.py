"""A damaged register file: recognise SQLite's corruption errors, say so, move it aside.

Nothing recorded is ever deleted: a damaged file (and its ``-wal`` and ``-shm``) is
renamed beside itself with the time in its name, so that it can be examined or
repaired (``sqlite3 FILE .recover``) while monitoring goes on with a new register.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from monitor.errors import RegisterDamaged

#: SQLITE_CORRUPT, SQLITE_NOTADB (Python 3.11+ tells the code; older ones the text).
_CODES = (11, 26)
_WORDS = ("malformed", "not a database", "corrupt", "file is encrypted")
#: The files of one SQLite database in WAL mode.
SIDE_FILES = ("", "-wal", "-shm")


def is_damage(exc: BaseException) -> bool:
    """Return True if ``exc`` is SQLite saying the file is damaged (not busy, not
    locked, not a permission or disk-full problem)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _CODES:
        return True
    text = str(exc).lower()
    return any(word in text for word in _WORDS)


@contextmanager
def reading(path: str | Path) -> Iterator[None]:
    """Turn SQLite's corruption errors raised inside into RegisterDamaged for ``path``."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise RegisterDamaged(str(path), str(exc)) from None
        raise


def aside_name(path: Path, at: datetime, why: str = "damaged") -> Path:
    """Return where ``path`` goes when moved aside at ``at`` (UTC, to the second)."""
    return path.with_name(f"{path.name}.{why}-{at.strftime('%Y%m%dT%H%M%SZ')}")


def move_aside(path: Path, at: datetime, why: str = "damaged") -> Path:
    """Rename ``path`` and its ``-wal``/``-shm`` beside it (``NAME.damaged-TIME``); return
    the new name of the main file. Never overwrites: a second move in the same second
    gets a number. Raise OSError if the folder cannot be written."""
    target = aside_name(path, at, why)
    n = 1
    while any(Path(f"{target}{s}").exists() for s in SIDE_FILES):
        n += 1
        target = aside_name(path, at, f"{why}{n}")
    for suffix in SIDE_FILES:
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.rename(source, f"{target}{suffix}")
    _sync_folder(path.parent)
    return target


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a crash right after keeps it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
