"""The control socket's errors and texts (light: the client imports this and no more).

A refusal travels as its English sentence (``error``: for scripts and the journal) and as
its catalog key and values (``text``: ``{"key": ..., "values": {...}}``), so that the
command prints it in the configured language. The client's own errors take the
language they are asked in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.errors import ControlError, MonitorError
from monitor.texts import has, t

#: The language of the ``error`` sentence on the wire (scripts and the journal read it).
WIRE_LANGUAGE = "en"


def text(name: str, /, *, language: str = WIRE_LANGUAGE, **values: Any) -> str:
    """Return the control text ``name`` in ``language`` (the wire's by default)."""
    return t(language, f"control.{name}", **values)


class Worded:
    """An error that names its catalog text: ``name`` (in the ``control`` area) and
    ``values`` (made JSON-able: strings and numbers)."""

    name: str = ""
    values: dict[str, Any]

    def word(self, name: str, values: dict[str, Any]) -> str:
        self.name = name
        self.values = {
            k: v if isinstance(v, (int, float, str)) or v is None else str(v)
            for k, v in values.items()
        }
        return text(name, **self.values)

    def wire(self) -> dict[str, Any]:
        """Return the reply's ``text`` field."""
        return {"key": self.name, "values": self.values}


class BadRequest(Worded, MonitorError, ValueError):
    """A request line is not valid JSON, names an unknown command, or has a wrong field."""

    def __init__(self, name: str, /, **values: Any):
        super().__init__(self.word(name, values))


class Refused(Worded, MonitorError):
    """The daemon will not do what was asked (no waiting permit to cancel, ...)."""

    def __init__(self, name: str, /, **values: Any):
        super().__init__(self.word(name, values))


class DaemonNotRunning(ControlError):
    """Nothing answers on the control socket."""


class AccessDenied(ControlError):
    """This user may not open the control socket at ``path`` (not in the service group)."""

    def __init__(self, path: Path, language: str = WIRE_LANGUAGE):
        self.path = path
        super().__init__(text("client.denied", language=language, path=path))


class DaemonError(ControlError):
    """The daemon answered ``{"ok": false, "error": ...}``; ``reply`` is the whole answer."""

    def __init__(self, message: str, reply: dict[str, Any]):
        self.reply = reply
        super().__init__(message)


def reply_text(reply: dict[str, Any], language: str) -> str:
    """Return the refusal of an error ``reply`` in ``language``: from its ``text`` when the
    catalog has it, else its ``error`` sentence as sent."""
    worded = reply.get("text")
    if isinstance(worded, dict) and isinstance(worded.get("values"), dict):
        name = f"control.{worded.get('key')}"
        if has(language, name):
            try:
                return t(language, name, **worded["values"])
            except (KeyError, IndexError, ValueError):
                pass  # a reply from another version: its sentence is still good
    return str(reply.get("error") or text("refused", language=language))
