"""Watching something, or saying so.

A monitor that runs but sees no interface is worse than none: everybody trusts the
dark lamp. So when no watched interface is present at all (a typo in
``link.interfaces``, the only USB NIC unplugged, a driver that did not load), at
start or after the last one vanished, the daemon is *blind*: it raises a
``monitor`` alert, shows it in ``status`` and the ``systemctl status`` line, and
the lamp shows ``Pattern.BLIND`` (a double blink of its own: "call IT") in place
of OFF. The episode ends, with an alert saying so, when one appears.

Nothing is known before the watcher's first dump (``rt.synced``): no verdict then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from monitor.daemon.runtime import Runtime
from monitor.domain.enums import Pattern, Severity
from monitor.texts import t

log = logging.getLogger("monitor.daemon")


class Sight:
    """Whether any watched interface is present; the blind episode, its alerts and
    its look. ``alert(detail, severity)`` raises a ``monitor`` alert; ``publish()``
    sends the status line; ``show()`` (set once the lamp exists) shows the engine's
    pattern again (through ``shown``)."""

    def __init__(
        self,
        rt: Runtime,
        alert: Callable[[str, Severity], None],
        publish: Callable[[], None],
    ):
        self._rt = rt
        self._alert = alert
        self._publish = publish
        self.show: Callable[[], None] = lambda: None
        self.blind_since: datetime | None = None
        self._machine: list[str] = []

    @property
    def blind(self) -> bool:
        return self.blind_since is not None

    def present(self) -> list[str]:
        """Return the watched interfaces present now, by name."""
        link = self._rt.config.link
        return sorted(
            name for name, obs in self._rt.links.items() if obs.present and link.watches(name)
        )

    def check(self) -> None:
        """Start or end the blind episode after an observation (or a dump)."""
        if not self._rt.synced:
            return
        present = self.present()
        if not present and self.blind_since is None:
            self._start()
        elif present and self.blind_since is not None:
            self._end(present)

    def shown(self, pattern: Pattern) -> Pattern:
        """Return the pattern the lamp shows for the engine's ``pattern``: BLIND in
        place of OFF while blind (a WARN or ALARM still being shown wins)."""
        return Pattern.BLIND if self.blind and pattern is Pattern.OFF else pattern

    def _start(self) -> None:
        rt = self._rt
        self.blind_since = rt.now()
        self._machine = _guarded_names(rt.parts.interfaces)
        link = rt.config.link
        log.error(
            "no watched interface is present (link.interfaces %s, ignore %s; this machine "
            "has %s): connections cannot be detected",
            ", ".join(link.interfaces),
            ", ".join(link.ignore) or "-",
            ", ".join(self._machine) or "none",
        )
        detail = (
            f"no-interface: link.interfaces {', '.join(link.interfaces)}; "
            f"present: {', '.join(self._machine) or '-'}"
        )
        self._alert(detail, Severity.CRITICAL)
        self.show()
        self._publish()

    def _end(self, present: list[str]) -> None:
        log.info("watching again: %s", ", ".join(present))
        self.blind_since = None
        self._alert(f"interface-back: {', '.join(present)}", Severity.INFO)
        self.show()
        self._publish()

    def line(self, language: str) -> str:
        """Return what the status line adds while blind ("" otherwise)."""
        if not self.blind:
            return ""
        patterns = ", ".join(self._rt.config.link.interfaces)
        return t(language, "statusline.blind", patterns=patterns)

    def as_json(self) -> dict[str, Any] | None:
        """Return the blind episode for ``status`` (None: something is watched)."""
        if self.blind_since is None:
            return None
        link = self._rt.config.link
        return {
            "since": self.blind_since.isoformat(),
            "interfaces": list(link.interfaces),
            "ignore": list(link.ignore),
            "present_on_machine": self._machine,
        }


def _guarded_names(list_names: Callable[[], list[str]]) -> list[str]:
    try:
        return sorted(list_names())
    except Exception:
        log.warning("cannot list this machine's interfaces", exc_info=True)
        return []
