"""Is the register file still the one that was opened?

SQLite keeps writing to a file that was deleted or replaced under it (the open
descriptor still points at the old inode), so nothing fails: every record written
afterwards is lost when the process ends. The daemon asks at each heartbeat.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class FileIdentity:
    """Device, inode and size of the register file, and of its ``-wal`` (None when
    there was none at open: read-only or immutable)."""

    dev: int
    ino: int
    size: int
    wal: tuple[int, int] | None

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        st = os.stat(path)
        return cls(st.st_dev, st.st_ino, st.st_size, _wal_id(path))

    def check(self, path: Path) -> tuple[str | None, FileIdentity]:
        """Return ``(problem, identity to keep)``: ``problem`` says what happened to the
        file (None when nothing did); the identity kept has the size grown since."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return f"{path} was deleted", self
        except OSError as exc:
            return f"{path} cannot be read: {exc.strerror}", self
        if (st.st_dev, st.st_ino) != (self.dev, self.ino):
            what = "an empty file" if st.st_size == 0 else "another file"
            return f"{path} was replaced by {what}", self
        if st.st_size < self.size:
            return f"{path} was truncated to {st.st_size} bytes (was {self.size})", self
        if self.wal is not None:
            wal = _wal_id(path)
            if wal is None:
                return f"{path}-wal was deleted (the newest records were in it)", self
            if wal != self.wal:
                return f"{path}-wal was replaced", self
        return None, replace(self, size=st.st_size)


def _wal_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(f"{path}-wal")
    except OSError:
        return None
    return st.st_dev, st.st_ino
