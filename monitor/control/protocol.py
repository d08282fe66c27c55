"""The control protocol: typed requests, parsing and encoding of JSON lines, its errors.

One request per line, one reply per line, UTF-8 JSON objects::

    {"cmd": "status"}                  {"cmd": "status", "follow": true}
    {"cmd": "permit", "purpose": "fee-update", "company": "C", "staff": "S",
     "for": "1h", "note": "", "after_the_fact": false}
    {"cmd": "ack"}                      (optional "source": "cli" or "screen lamp")
    {"cmd": "reload"}
    {"cmd": "cancel"}                   (optional "permit": the id; else the waiting one)
    {"cmd": "report", "session": null, "done": "...", "personal_data": false,
     "erased": "none", "as_planned": true, "note": ""}

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from monitor.control.errors import BadRequest, DaemonError, DaemonNotRunning, text
from monitor.control.nesting import too_deep
from monitor.domain.durations import DurationTooLong, format_duration, parse_duration
from monitor.domain.enums import Purpose

__all__ = [
    "AckRequest",
    "BadRequest",
    "CancelRequest",
    "DaemonError",
    "DaemonNotRunning",
    "Peer",
    "PermitRequest",
    "ReloadRequest",
    "ReportRequest",
    "Request",
    "StatusRequest",
    "encode",
    "error_reply",
    "login_uid_of",
    "parse_request",
    "request_id",
    "text",
]

MAX_TEXT = 200  # company / staff names
MAX_NOTE = 1000
MAX_PERMIT = timedelta(days=7)
MAX_ID = 100  # characters of a string request id (echoed in the reply)


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
    attendant: str = ""


#: Where a client may say an acknowledgement came from (``AckSource`` values).
CLIENT_ACK_SOURCES = ("cli", "screen lamp")


@dataclass(frozen=True)
class AckRequest:
    source: str = "cli"


@dataclass(frozen=True)
class CancelRequest:
    permit: int | None = None  # None: the waiting permit (else the open session's)


@dataclass(frozen=True)
class ReportRequest:
    session: str | None  # None: the newest ended session without a report
    done: str
    personal_data: bool
    erased: str  # "yes", "no", "none"
    as_planned: bool
    note: str = ""


@dataclass(frozen=True)
class ReloadRequest:
    pass


Request = StatusRequest | PermitRequest | AckRequest | ReloadRequest | CancelRequest | ReportRequest
ERASED = ("yes", "no", "none")


UNSET_LOGIN_UID = 4294967295  # (uid_t)-1: no login (a service, or no audit support)


def login_uid_of(pid: int) -> int | None:
    """Return the kernel's audit login uid of process ``pid`` (``/proc/PID/loginuid``:
    kept across ``sudo`` and ``su``), or None when it is unset or unreadable."""
    try:
        with open(f"/proc/{pid}/loginuid", encoding="ascii") as f:
            value = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return None if value == UNSET_LOGIN_UID else value


def _name_of(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


@dataclass(frozen=True)
class Peer:
    """Who is on the other end: ``SO_PEERCRED`` and the peer's audit login uid."""

    pid: int
    uid: int
    gid: int
    login_uid: int | None = None

    @property
    def user(self) -> str:
        """Return the name of the effective ``uid``, or ``"uid <n>"`` when it has none."""
        return _name_of(self.uid)

    @property
    def login(self) -> str:
        """Return the name of the person who logged in (the login uid behind ``sudo``),
        or the effective user when the kernel knows no login."""
        return _name_of(self.login_uid) if self.login_uid is not None else self.user

    @property
    def acting_as(self) -> str:
        """Return the effective user when it is not the login (``root`` under sudo), else ""."""
        return self.user if self.user != self.login else ""


# ----------------------------------------------------------------------------- parsing


def _text(obj: dict[str, Any], key: str, *, limit: int, required: bool) -> str:
    value = obj.get(key, None if required else "")
    if value is None:
        raise BadRequest("text.required", field=key)
    if not isinstance(value, str):
        raise BadRequest("text.type", field=key, type=type(value).__name__)
    value = value.strip()
    if required and not value:
        raise BadRequest("text.empty", field=key)
    if len(value) > limit:
        raise BadRequest("text.long", field=key, limit=limit)
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise BadRequest("text.control", field=key)
    if not _utf8(value):
        raise BadRequest("text.surrogate", field=key)
    return value


def _utf8(value: str) -> bool:
    """Return True when ``value`` can be written as UTF-8 (JSON's ``"\\ud800"`` escape
    gives a lone surrogate, which neither the register nor a reply can hold)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _loads(line: bytes | str) -> Any:
    """Return the JSON value of ``line``; raise ``BadRequest`` naming what is wrong."""
    if too_deep(line):
        raise BadRequest("bad.nested")
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("bad.json", error=exc) from None
    except RecursionError:  # "[" * 3000: the decoder recurses once per level
        raise BadRequest("bad.nested") from None


_FIELDS = {
    "status": {"cmd", "id", "follow"},
    "ack": {"cmd", "id", "source"},
    "reload": {"cmd", "id"},
    "cancel": {"cmd", "id", "permit"},
    "permit": {
        "cmd",
        "id",
        "purpose",
        "company",
        "staff",
        "attendant",
        "for",
        "note",
        "after_the_fact",
    },
    "report": {"cmd", "id", "session", "done", "personal_data", "erased", "as_planned", "note"},
}
_SIMPLE: dict[str, Request] = {
    "status": StatusRequest(),
    "reload": ReloadRequest(),
}


def _command_of(line: bytes | str) -> tuple[str, dict[str, Any]]:
    """Return ``(cmd, object)`` of a request line whose fields all belong to ``cmd``;
    raise ``BadRequest`` otherwise."""
    obj = _loads(line)
    if not isinstance(obj, dict):
        raise BadRequest("bad.object", type=type(obj).__name__)
    cmd = obj.get("cmd")
    commands = ", ".join(sorted(_FIELDS))
    if not isinstance(cmd, str):
        raise BadRequest("bad.cmd_missing", commands=commands)
    if cmd not in _FIELDS:
        raise BadRequest("bad.cmd_unknown", cmd=cmd, commands=commands)
    unknown = sorted(set(obj) - _FIELDS[cmd])
    if unknown:
        raise BadRequest("bad.fields", cmd=cmd, fields=", ".join(unknown))
    return cmd, obj


def _purpose(value: Any) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        choices = ", ".join(p.value for p in Purpose)
        raise BadRequest("bad.purpose", got=value, choices=choices) from None


def _expected(raw: Any) -> timedelta:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise BadRequest("bad.for_type", got=raw)
    try:
        expected = parse_duration(raw, MAX_PERMIT)  # never overflows (1e308, Infinity)
    except DurationTooLong:
        raise BadRequest("bad.for_range", max=format_duration(MAX_PERMIT)) from None
    except ValueError as exc:
        raise BadRequest("bad.for", error=exc) from None
    if not timedelta(0) < expected <= MAX_PERMIT:
        raise BadRequest("bad.for_range", max=format_duration(MAX_PERMIT))
    return expected


def _flag(obj: dict[str, Any], key: str, default: bool | None = None) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise BadRequest("bad.bool", field=key, got=value)
    return value


def _permit(obj: dict[str, Any]) -> PermitRequest:
    purpose = _purpose(obj.get("purpose"))
    expected = _expected(obj.get("for", "1h"))
    request = PermitRequest(
        purpose=purpose,
        company=_text(obj, "company", limit=MAX_TEXT, required=True),
        staff=_text(obj, "staff", limit=MAX_TEXT, required=True),
        expected=expected,
        note=_text(obj, "note", limit=MAX_NOTE, required=False),
        after_the_fact=_flag(obj, "after_the_fact", False),
        attendant=_text(obj, "attendant", limit=MAX_TEXT, required=False),
    )
    if purpose is Purpose.OTHER and not request.note:
        raise BadRequest("bad.note_other")
    return request


def _cancel(obj: dict[str, Any]) -> CancelRequest:
    pid = obj.get("permit")
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int) or pid < 1):
        raise BadRequest("bad.permit_id", got=pid)
    return CancelRequest(permit=pid)


def _report(obj: dict[str, Any]) -> ReportRequest:
    session = obj.get("session")
    if session is not None and not isinstance(session, str):
        raise BadRequest("text.type", field="session", type=type(session).__name__)
    erased = obj.get("erased")
    if erased not in ERASED:
        raise BadRequest("bad.choice", field="erased", got=erased, choices=", ".join(ERASED))
    as_planned = _flag(obj, "as_planned")
    note = _text(obj, "note", limit=MAX_NOTE, required=False)
    if not as_planned and not note:
        raise BadRequest("bad.note_deviation")
    return ReportRequest(
        session=session,
        done=_text(obj, "done", limit=MAX_NOTE, required=True),
        personal_data=_flag(obj, "personal_data"),
        erased=erased,
        as_planned=as_planned,
        note=note,
    )


def _status(obj: dict[str, Any]) -> StatusRequest:
    follow = obj.get("follow", False)
    if not isinstance(follow, bool):
        raise BadRequest("bad.follow", got=follow)
    return StatusRequest(follow=follow)


def _ack(obj: dict[str, Any]) -> AckRequest:
    source = obj.get("source", "cli")
    if source not in CLIENT_ACK_SOURCES:
        raise BadRequest("bad.ack_source", got=source, choices=", ".join(CLIENT_ACK_SOURCES))
    return AckRequest(source=source)


_PARSERS: dict[str, Callable[[dict[str, Any]], Request]] = {
    "permit": _permit,
    "ack": _ack,
    "cancel": _cancel,
    "report": _report,
}


def parse_request(line: bytes | str) -> Request:
    """Return the typed request of one JSON line; raise ``BadRequest`` naming the problem."""
    cmd, obj = _command_of(line)
    if cmd == "status" and "follow" in obj:
        return _status(obj)
    if cmd == "ack" and "source" in obj:
        return _ack(obj)
    simple = _SIMPLE.get(cmd)
    return simple if simple is not None else _PARSERS[cmd](obj)


def request_id(line: bytes) -> Any:
    """Return the ``id`` of a request line if it has a usable one (for the reply): an
    integer, or a string of at most ``MAX_ID`` characters that UTF-8 can hold."""
    try:
        obj = _loads(line)
    except BadRequest:
        return None
    rid = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(rid, int) and not isinstance(rid, bool):
        return rid
    if isinstance(rid, str) and len(rid) <= MAX_ID and _utf8(rid):
        return rid
    return None


def encode(obj: dict[str, Any]) -> bytes:
    """Return one reply line (UTF-8 JSON, no raw newlines inside, ``\\n`` at the end).
    A text UTF-8 cannot hold (a lone surrogate) is sent as a JSON escape instead."""
    try:
        return json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, default=str).encode("ascii") + b"\n"


def error_reply(message: str, worded: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the reply refusing a request with ``message`` (and its catalog key and
    values, ``worded``, for the client to say it in its language)."""
    reply: dict[str, Any] = {"ok": False, "error": message}
    if worded is not None:
        reply["text"] = worded
    return reply
