"""The register's integrity while the daemon runs (issue 14).

- At start: what ``open_for_daemon`` found instead of the register of the last run
  (none, an empty or damaged file, an older or rebuilt one) is a critical
  ``monitor`` alert, written into the new register whose first record names it.
- At restore, and at every write: a row that is not what the chain last recorded
  of it is refused (never chained), and a critical ``register-altered`` alert says
  what and where; monitoring goes on (a refused open session: with a new one).
- At each heartbeat: the file is still the one opened (not deleted, replaced,
  truncated, its ``-wal`` not removed), else a critical ``register-file`` alert;
  while it is, the witness beside it notes the head.

Each of these marks the ``integrity`` part as failing until the next start, so
``status`` and the systemd status line show it, and lists it in ``status``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from monitor.daemon.faults import Faults
from monitor.daemon.runtime import Runtime
from monitor.daemon.status import iso
from monitor.domain.enums import Severity
from monitor.errors import ChainBroken, RegisterError

log = logging.getLogger("monitor.daemon")

#: How many integrity events ``status`` lists (the newest).
KEEP = 20


class Integrity:
    """Says, as critical alerts and in ``status``, what happened to the register."""

    def __init__(self, rt: Runtime, faults: Faults, alert: Callable[[str, Severity], None]):
        self._rt = rt
        self._faults = faults
        self._alert = alert
        self.events: list[dict[str, Any]] = []
        self._file_problem: str | None = None

    def at_start(self) -> None:
        """Alert what was found at start instead of the last run's register."""
        for found in getattr(self._rt.register, "found_at_start", ()):
            detail = f"register-{found.code}: {found.detail}"
            if found.moved_to is not None:
                detail += f"; kept as {found.moved_to}"
            if found.witness is not None:
                detail += f"; last head noted {found.witness}"
            self._raise(detail)

    def restored(self, altered: Iterable[object]) -> None:
        """Alert what restore refused or bounded (one alert for all of it)."""
        items = [str(a) for a in altered]
        if items:
            self._raise("register-altered: " + "; ".join(items))

    def write_refused(self, what: str, exc: ChainBroken) -> None:
        """A write was refused: the row it updates is not what the chain recorded."""
        self._raise(f"register-altered: {exc.record}: {exc.reason} (not written: {what})")

    def beat(self, now: Any) -> None:
        """Check the file is still the one opened; note the head in the witness."""
        register = self._rt.open_register
        if register is None:
            return
        try:
            problem = register.file_problem()
        except Exception as exc:  # noqa: BLE001 - a check must not stop the heartbeat
            problem = f"cannot check the register file: {exc}"
        if problem is not None:
            if problem != self._file_problem:
                self._file_problem = problem
                self._raise(f"register-file: {problem}{self._rescue(register, now)}")
            return
        try:
            register.note_witness(now)
        except (OSError, RegisterError) as exc:
            log.error("cannot note the register's head in its witness: %s", exc)

    def _rescue(self, register: Any, now: Any) -> str:
        """Save what the open connection still reads beside the file (the records of a
        deleted file live only in this process until it ends); return the words that
        say where, for the alert."""
        try:
            saved = register.rescue(now)
        except Exception as exc:  # noqa: BLE001 - the alert must go out even then
            log.error("cannot save a copy of the register: %s", exc)
            return f"; no copy could be saved ({exc})"
        log.warning("a copy of the register as this process reads it: %s", saved)
        return f"; a copy of the records held was saved as {saved}"

    def _raise(self, detail: str) -> None:
        log.critical("%s", detail)
        now = self._rt.now()
        self.events = [*self.events, {"at": iso(now), "detail": detail}][-KEEP:]
        self._faults["integrity"].failed(RegisterError(detail))
        self._alert(detail, Severity.CRITICAL)

    def as_dict(self) -> dict[str, Any]:
        return {"events": list(self.events), "file": self._file_problem}
