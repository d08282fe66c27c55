"""The witness: the register's last head, kept beside it, outside the SQLite file.

A register deleted, emptied, rolled back to an older copy, or rebuilt from scratch
leaves a valid SQLite file (or none) behind: nothing inside it can tell. The
witness file ``<register>.witness`` holds the head (record number and hash) the
daemon last saw, so that at its next start it can tell, and ``verify`` can use it
as an anchor. It is a small JSON file, replaced atomically.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.register.rows import to_iso

SUFFIX = ".witness"


@dataclass(frozen=True)
class Witness:
    """The head last seen: ``seq`` (also the count of records) and ``hash``, at ``at``."""

    seq: int
    hash: str
    at: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def witness_path(register: Path) -> Path:
    """Return the witness file of the register at ``register``."""
    return register.with_name(register.name + SUFFIX)


def read_witness(register: Path) -> Witness | None:
    """Return the witness of ``register``, or None when there is none or it cannot be
    read (a witness is evidence, not a requirement)."""
    try:
        data = json.loads(witness_path(register).read_text(encoding="utf-8"))
        seq, head, at = int(data["seq"]), str(data["hash"]), str(data.get("at", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if seq < 0 or len(head) != 64:
        return None
    return Witness(seq, head.lower(), at)


def write_witness(register: Path, head: tuple[int, str], at: datetime) -> Witness:
    """Replace the witness of ``register`` with ``head`` (atomically: a crash leaves the
    old one or the new one); return it. Raise OSError if it cannot be written."""
    witness = Witness(head[0], head[1], to_iso(at) or "")
    path = witness_path(register)
    tmp = path.with_name(path.name + ".tmp")
    data = {"seq": witness.seq, "hash": witness.hash, "at": witness.at}
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.chmod(tmp, os.stat(register).st_mode & 0o666)
    except OSError:
        pass  # the register's mode is a courtesy: readers of the register read this too
    os.replace(tmp, path)
    return witness
