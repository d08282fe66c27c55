"""The control socket's errors and texts (light: the client imports this and no more)."""

from __future__ import annotations

from typing import Any

from monitor.errors import ControlError, MonitorError
from monitor.texts import t

#: The replies and the client's errors are in English: scripts, the README and the
#: tests read them (the catalog holds the Japanese too).
WIRE_LANGUAGE = "en"


def text(name: str, /, **values: Any) -> str:
    """Return the control text ``name`` in the wire's language."""
    return t(WIRE_LANGUAGE, f"control.{name}", **values)


class BadRequest(MonitorError, ValueError):
    """A request line is not valid JSON, names an unknown command, or has a wrong field."""


class DaemonNotRunning(ControlError):
    """Nothing answers on the control socket."""


class DaemonError(ControlError):
    """The daemon answered ``{"ok": false, "error": ...}``; ``reply`` is the whole answer."""

    def __init__(self, message: str, reply: dict[str, Any]):
        self.reply = reply
        super().__init__(message)
