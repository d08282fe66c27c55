"""The control protocol: typed requests, parsing and encoding of JSON lines, its errors.

One request per line, one reply per line, UTF-8 JSON objects::

    {"cmd": "status"}                  {"cmd": "status", "follow": true}
    {"cmd": "permit", "purpose": "fee-update", "company": "C", "staff": "S",
     "for": "1h", "note": "", "after_the_fact": false}
    {"cmd": "ack"}
    {"cmd": "reload"}

    {"ok": true, ...}          or          {"ok": false, "error": "what is wrong"}

A request may carry an ``"id"`` (string or integer); the reply echoes it.

``status`` with ``"follow": true`` keeps the connection: the first reply is the
state in short (``kind: "state"``), then one line per change of it and a
``kind: "keepalive"`` line whenever nothing changed for a few seconds (see
``monitor.control.server``). ``ack`` may name where it was pressed
(``"source": "screen lamp"``; default ``"cli"``).
Pure: no socket, no loop (the server and the client both use it).
"""

from __future__ import annotations

import json
import pwd
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from monitor.control.errors import BadRequest, DaemonError, DaemonNotRunning, text
from monitor.domain.durations import format_duration, parse_duration
from monitor.domain.enums import Purpose

__all__ = [
    "AckRequest",
    "BadRequest",
    "DaemonError",
    "DaemonNotRunning",
    "Peer",
    "PermitRequest",
    "ReloadRequest",
    "Request",
    "StatusRequest",
    "encode",
    "error_reply",
    "parse_request",
    "request_id",
    "text",
]

MAX_TEXT = 200  # company / staff names
MAX_NOTE = 1000
MAX_PERMIT = timedelta(days=7)


# ---------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class StatusRequest:
    follow: bool = False


@dataclass(frozen=True)
class PermitRequest:
    purpose: Purpose
    company: str
    staff: str
    expected: timedelta
    note: str = ""
    after_the_fact: bool = False


#: Where a client may say an acknowledgement came from (``AckSource`` values).
CLIENT_ACK_SOURCES = ("cli", "screen lamp")


@dataclass(frozen=True)
class AckRequest:
    source: str = "cli"


@dataclass(frozen=True)
class ReloadRequest:
    pass


Request = StatusRequest | PermitRequest | AckRequest | ReloadRequest


@dataclass(frozen=True)
class Peer:
    """Who is on the other end, from ``SO_PEERCRED``."""

    pid: int
    uid: int
    gid: int

    @property
    def user(self) -> str:
        """Return the login name of ``uid``, or ``"uid <n>"`` when it has none."""
        try:
            return pwd.getpwuid(self.uid).pw_name
        except KeyError:
            return f"uid {self.uid}"


# ----------------------------------------------------------------------------- parsing


def _text(obj: dict[str, Any], key: str, *, limit: int, required: bool) -> str:
    value = obj.get(key, None if required else "")
    if value is None:
        raise BadRequest(text("text.required", field=key))
    if not isinstance(value, str):
        raise BadRequest(text("text.type", field=key, type=type(value).__name__))
    value = value.strip()
    if required and not value:
        raise BadRequest(text("text.empty", field=key))
    if len(value) > limit:
        raise BadRequest(text("text.long", field=key, limit=limit))
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise BadRequest(text("text.control", field=key))
    return value


_FIELDS = {
    "status": {"cmd", "id", "follow"},
    "ack": {"cmd", "id", "source"},
    "reload": {"cmd", "id"},
    "permit": {"cmd", "id", "purpose", "company", "staff", "for", "note", "after_the_fact"},
}
_SIMPLE: dict[str, Request] = {
    "status": StatusRequest(),
    "ack": AckRequest(),
    "reload": ReloadRequest(),
}


def _command_of(line: bytes | str) -> tuple[str, dict[str, Any]]:
    """Return ``(cmd, object)`` of a request line whose fields all belong to ``cmd``;
    raise ``BadRequest`` otherwise."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(text("bad.json", error=exc)) from None
    if not isinstance(obj, dict):
        raise BadRequest(text("bad.object", type=type(obj).__name__))
    cmd = obj.get("cmd")
    commands = ", ".join(sorted(_FIELDS))
    if not isinstance(cmd, str):
        raise BadRequest(text("bad.cmd_missing", commands=commands))
    if cmd not in _FIELDS:
        raise BadRequest(text("bad.cmd_unknown", cmd=cmd, commands=commands))
    unknown = sorted(set(obj) - _FIELDS[cmd])
    if unknown:
        raise BadRequest(text("bad.fields", cmd=cmd, fields=", ".join(unknown)))
    return cmd, obj


def _purpose(value: Any) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        choices = ", ".join(p.value for p in Purpose)
        raise BadRequest(text("bad.purpose", got=value, choices=choices)) from None


def _expected(raw: Any) -> timedelta:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise BadRequest(text("bad.for_type", got=raw))
    try:
        expected = parse_duration(raw)
    except ValueError as exc:
        raise BadRequest(text("bad.for", error=exc)) from None
    if not timedelta(0) < expected <= MAX_PERMIT:
        raise BadRequest(text("bad.for_range", max=format_duration(MAX_PERMIT)))
    return expected


def _permit(obj: dict[str, Any]) -> PermitRequest:
    purpose = _purpose(obj.get("purpose"))
    expected = _expected(obj.get("for", "1h"))
    aft = obj.get("after_the_fact", False)
    if not isinstance(aft, bool):
        raise BadRequest(text("bad.after_the_fact", got=aft))
    return PermitRequest(
        purpose=purpose,
        company=_text(obj, "company", limit=MAX_TEXT, required=True),
        staff=_text(obj, "staff", limit=MAX_TEXT, required=True),
        expected=expected,
        note=_text(obj, "note", limit=MAX_NOTE, required=False),
        after_the_fact=aft,
    )


def _status(obj: dict[str, Any]) -> StatusRequest:
    follow = obj.get("follow", False)
    if not isinstance(follow, bool):
        raise BadRequest(text("bad.follow", got=follow))
    return StatusRequest(follow=follow)


def _ack(obj: dict[str, Any]) -> AckRequest:
    source = obj.get("source", "cli")
    if source not in CLIENT_ACK_SOURCES:
        raise BadRequest(text("bad.ack_source", got=source, choices=", ".join(CLIENT_ACK_SOURCES)))
    return AckRequest(source=source)


def parse_request(line: bytes | str) -> Request:
    """Return the typed request of one JSON line; raise ``BadRequest`` naming the problem."""
    cmd, obj = _command_of(line)
    if cmd == "status" and "follow" in obj:
        return _status(obj)
    if cmd == "ack" and "source" in obj:
        return _ack(obj)
    simple = _SIMPLE.get(cmd)
    return simple if simple is not None else _permit(obj)


def request_id(line: bytes) -> Any:
    """Return the ``id`` of a request line if it has a usable one (for the reply)."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    rid = obj.get("id")
    if isinstance(rid, (str, int)) and not isinstance(rid, bool):
        return rid
    return None


def encode(obj: dict[str, Any]) -> bytes:
    """Return one reply line (UTF-8 JSON, no raw newlines inside, ``\\n`` at the end)."""
    return json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def error_reply(message: str) -> dict[str, Any]:
    """Return the reply refusing a request with ``message``."""
    return {"ok": False, "error": message}
