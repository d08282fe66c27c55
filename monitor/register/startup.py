"""The daemon's start: open the register it had before, or say why it cannot.

Before the daemon writes anything it compares what it finds with the witness of
the last run (``witness``) and asks SQLite to read every page. What it finds:

- ``missing``: the witness says there was a register, there is none;
- ``empty``: a zero-length file where the register was;
- ``damaged``: SQLite cannot read it (``database disk image is malformed``);
- ``reshaped``: a table, column or index dropped, a trigger or view added (``shape``);
- ``older``: its head is older than the witness (a copy put back, the ``-wal``
  removed after a crash);
- ``rewritten``: the record the witness names carries another hash.

Each is a finding for a critical alert. Nothing recorded is ever deleted: a file
found so is moved aside with the time in its name, and the new register's first
chain record (table ``register``) names it and says why.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.errors import ChainBroken, RegisterDamaged
from monitor.register.damage import move_aside, reading
from monitor.register.rows import to_iso
from monitor.register.shape import check_shape
from monitor.register.store import Register
from monitor.register.witness import Witness, read_witness

log = logging.getLogger(__name__)

FINDINGS = ("missing", "empty", "damaged", "reshaped", "older", "rewritten")


@dataclass(frozen=True)
class StartFinding:
    """What the daemon found at start instead of the register it had: ``code`` (one of
    FINDINGS), ``detail`` (English, for the log and the alert's detail), where the file
    was moved (None: there was none) and the witness it was compared with."""

    code: str
    detail: str
    moved_to: Path | None = None
    witness: Witness | None = None


@dataclass(frozen=True)
class Opened:
    """The register the daemon writes to, and what was found before it (empty: the
    register of the last run, as the witness says)."""

    register: Register
    findings: tuple[StartFinding, ...] = ()


def open_for_daemon(path: str | Path, now: datetime, *, check_pages: bool = True) -> Opened:
    """Open the register at ``path`` for the daemon at ``now``; see the module's doc.

    ``check_pages``: let SQLite read every page first (``quick_check``), so that a
    damaged page is found now rather than by a later write. Raise RegisterError if the
    register cannot be opened or created for another reason (permissions, disk)."""
    path = Path(path)
    witness = read_witness(path)
    finding = _examine(path, witness, now, check_pages)
    if isinstance(finding, Register):
        reg = finding
        _witness(reg, now)
        return Opened(reg)
    if finding is None:  # no register and no witness: a first start
        reg = Register(path)
        _witness(reg, now)
        return Opened(reg)
    log.critical("register at %s: %s: %s", path, finding.code, finding.detail)
    origin: dict[str, object] = {
        "reason": finding.code,
        "detail": finding.detail,
        "moved_to": str(finding.moved_to) if finding.moved_to else None,
        "witness": str(witness) if witness else None,
        "at": to_iso(now),
    }
    reg = Register(path, origin=origin)
    _witness(reg, now)
    reg.found_at_start = (finding,)
    return Opened(reg, (finding,))


def _examine(
    path: Path, witness: Witness | None, now: datetime, check_pages: bool
) -> Register | StartFinding | None:
    """Return the register if it is the one the witness knows, else what was found."""
    if not path.exists():
        if witness is None:
            return None
        return StartFinding("missing", f"no register at {path}", None, witness)
    if path.stat().st_size == 0:
        moved = move_aside(path, now, "empty")
        return StartFinding("empty", f"{path} is a zero-length file", moved, witness)
    try:
        problem = _against(path, witness)
        if problem is not None:
            code, detail = problem
            return StartFinding(code, detail, move_aside(path, now, code), witness)
        reg = Register(path)
        try:
            if check_pages:
                reg.check_integrity()
        except BaseException:
            reg.close()
            raise
    except RegisterDamaged as exc:
        moved = move_aside(path, now, "damaged")
        return StartFinding("damaged", exc.detail, moved, witness)
    return reg


def _against(path: Path, witness: Witness | None) -> tuple[str, str] | None:
    """Return ``(code, detail)`` when the file at ``path`` is not the register
    ``witness`` saw, or its shape is not one of its schema version (a dropped table, an
    added trigger: writing on would lose or falsify records). Reads only (a file set
    aside is left as it was found); raise RegisterDamaged if SQLite cannot read it."""
    with reading(path):
        db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=10.0)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            try:
                check_shape(db, version)
            except ChainBroken as exc:
                return "reshaped", str(exc)
            seq, have = _head_and(db, witness.seq if witness else 0)
        finally:
            db.close()
    if witness is None:
        return None
    if seq < witness.seq:
        return "older", f"its head is record {seq}, the witness saw {witness}"
    if witness.seq and have != witness.hash:
        return "rewritten", f"record {witness.seq} has hash {have}, the witness saw {witness}"
    return None


def _head_and(db: sqlite3.Connection, seq: int) -> tuple[int, str | None]:
    """Return the newest record number of the chain and the hash of record ``seq``."""
    has_chain = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain'"
    ).fetchone()
    if not has_chain:
        return 0, None
    head = db.execute("SELECT COALESCE(MAX(seq), 0) FROM chain").fetchone()[0]
    r = db.execute("SELECT hash FROM chain WHERE seq = ?", (seq,)).fetchone()
    return head, (r[0] if r else None)


def _witness(reg: Register, now: datetime) -> None:
    """Note the head in the witness; a witness that cannot be written is logged only
    (the register itself is fine)."""
    try:
        reg.note_witness(now)
    except OSError as exc:
        log.error("cannot write the witness of %s: %s", reg.path, exc)
