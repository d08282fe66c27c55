"""Unix-socket JSON-lines protocol: status, permit, ack, reload (server and client).

One request per line, one reply per line, UTF-8 JSON objects::

    {"cmd": "status"}
    {"cmd": "permit", "purpose": "fee-update", "company": "C", "staff": "S",
     "for": "1h", "note": "", "after_the_fact": false}
    {"cmd": "ack"}
    {"cmd": "reload"}

    {"ok": true, ...}          or          {"ok": false, "error": "what is wrong"}

A request may carry an ``"id"`` (string or integer); the reply echoes it.

The server (``ControlServer``) belongs to the daemon's asyncio loop. It never
lets a client disturb the daemon: malformed JSON, an unknown command, a wrong
type, a line longer than ``control.max_request`` bytes get an error reply; a
client that sends nothing or does not read its replies is dropped after a
timeout; at most ``max_clients`` connections are served at once. The caller's
uid comes from ``SO_PEERCRED`` (the kernel's word, not the client's) and is
turned into a user name: that name is recorded as the grantor of a permit.

The client (``request``) is synchronous: the CLI has no loop of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pwd
import socket
import stat
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from monitor.domain.durations import format_duration, parse_duration
from monitor.domain.enums import Purpose
from monitor.errors import ControlError, MonitorError

log = logging.getLogger(__name__)

SOCKET_MODE = 0o660  # owner (the service user) and the service group
MAX_TEXT = 200  # company / staff names
MAX_NOTE = 1000
MAX_PERMIT = timedelta(days=7)


class BadRequest(MonitorError, ValueError):
    """A request line is not valid JSON, names an unknown command, or has a wrong field."""


class DaemonNotRunning(ControlError):
    """Nothing answers on the control socket."""


class DaemonError(ControlError):
    """The daemon answered ``{"ok": false, "error": ...}``; ``reply`` is the whole answer."""

    def __init__(self, message: str, reply: dict[str, Any]):
        self.reply = reply
        super().__init__(message)


# ---------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class StatusRequest:
    pass


@dataclass(frozen=True)
class PermitRequest:
    purpose: Purpose
    company: str
    staff: str
    expected: timedelta
    note: str = ""
    after_the_fact: bool = False


@dataclass(frozen=True)
class AckRequest:
    pass


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


def _text(obj: dict[str, Any], key: str, *, limit: int, required: bool) -> str:
    value = obj.get(key, None if required else "")
    if value is None:
        raise BadRequest(f"{key}: required")
    if not isinstance(value, str):
        raise BadRequest(f"{key}: expected a string, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise BadRequest(f"{key}: must not be empty")
    if len(value) > limit:
        raise BadRequest(f"{key}: longer than {limit} characters")
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise BadRequest(f"{key}: contains control characters")
    return value


_FIELDS = {
    "status": {"cmd", "id"},
    "ack": {"cmd", "id"},
    "reload": {"cmd", "id"},
    "permit": {"cmd", "id", "purpose", "company", "staff", "for", "note", "after_the_fact"},
}


def parse_request(line: bytes | str) -> Request:
    """Return the typed request of one JSON line; raise ``BadRequest`` naming the problem."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"not a JSON line: {exc}") from None
    if not isinstance(obj, dict):
        raise BadRequest(f"expected a JSON object, got {type(obj).__name__}")
    cmd = obj.get("cmd")
    if not isinstance(cmd, str):
        raise BadRequest("cmd: required, one of " + ", ".join(sorted(_FIELDS)))
    if cmd not in _FIELDS:
        raise BadRequest(f"cmd: unknown command {cmd!r} (one of {', '.join(sorted(_FIELDS))})")
    unknown = sorted(set(obj) - _FIELDS[cmd])
    if unknown:
        raise BadRequest(f"{cmd}: unknown field(s) {', '.join(unknown)}")
    if cmd == "status":
        return StatusRequest()
    if cmd == "ack":
        return AckRequest()
    if cmd == "reload":
        return ReloadRequest()
    purpose = obj.get("purpose")
    try:
        purpose = Purpose(purpose)
    except ValueError:
        raise BadRequest(
            f"purpose: got {purpose!r}, expected one of {', '.join(p.value for p in Purpose)}"
        ) from None
    raw_for = obj.get("for", "1h")
    if isinstance(raw_for, bool) or not isinstance(raw_for, (str, int, float)):
        raise BadRequest(f"for: expected a duration like \"1h\", got {raw_for!r}")
    try:
        expected = parse_duration(raw_for)
    except ValueError as exc:
        raise BadRequest(f"for: {exc}") from None
    if not timedelta(0) < expected <= MAX_PERMIT:
        raise BadRequest(f"for: must be more than 0 and at most {format_duration(MAX_PERMIT)}")
    aft = obj.get("after_the_fact", False)
    if not isinstance(aft, bool):
        raise BadRequest(f"after_the_fact: expected true or false, got {aft!r}")
    return PermitRequest(
        purpose=purpose,
        company=_text(obj, "company", limit=MAX_TEXT, required=True),
        staff=_text(obj, "staff", limit=MAX_TEXT, required=True),
        expected=expected,
        note=_text(obj, "note", limit=MAX_NOTE, required=False),
        after_the_fact=aft,
    )


def _request_id(line: bytes) -> Any:
    """Return the ``id`` of a request line if it has a usable one (for the reply)."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int)) \
            and not isinstance(obj.get("id"), bool):
        return obj["id"]
    return None


def encode(obj: dict[str, Any]) -> bytes:
    """Return one reply line (UTF-8 JSON, no raw newlines inside, ``\\n`` at the end)."""
    return json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


# ------------------------------------------------------------------------------ server

Handler = Callable[[Request, Peer], Awaitable[dict[str, Any]]]


def _peer_of(sock: socket.socket | None) -> Peer:
    if sock is None:
        return Peer(0, -1, -1)
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return Peer(*struct.unpack("3i", raw))


def _socket_answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def bind_socket(path: Path) -> socket.socket:
    """Return a listening Unix stream socket at ``path``, mode 0660, parent made if missing.

    A stale socket file (nothing answers) is replaced; raise ``ControlError`` when a
    live daemon answers there or ``path`` is something other than a socket.
    The socket is bound under a temporary name, chmod-ed, then renamed into place,
    so it is never reachable with looser permissions."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ControlError(f"cannot create {path.parent}: {exc.strerror}") from None
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            raise ControlError(f"{path} exists and is not a socket; refusing to replace it")
        if _socket_answers(path):
            raise ControlError(f"another link-monitor is running (its socket {path} answers)")
        log.info("replacing stale control socket %s", path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(tmp))
        os.chmod(tmp, SOCKET_MODE)
        os.rename(tmp, path)
        sock.listen(16)
    except OSError as exc:
        sock.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ControlError(f"cannot create control socket {path}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


class ControlServer:
    """Serves the control protocol on ``path`` in the running asyncio loop.

    ``handler(request, peer)`` returns the reply's fields (``ok: true`` is added);
    raising ``MonitorError`` (or ValueError) turns into ``{"ok": false, "error": str(exc)}``;
    any other exception is logged and answered with an internal error. The daemon
    keeps running either way."""

    def __init__(self, path: Path | str, handler: Handler, *, max_request: int = 4096,
                 read_timeout: float = 10.0, write_timeout: float = 5.0,
                 max_clients: int = 16):
        self.path = Path(path)
        self.handler = handler
        self.max_request = max_request
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.max_clients = max_clients
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None
        self._clients: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.served = 0
        self.rejected = 0

    async def start(self) -> None:
        """Bind the socket and start serving; raise ``ControlError`` if that cannot be done."""
        sock = bind_socket(self.path)
        self._inode = os.stat(self.path).st_ino
        # limit: a line may be max_request bytes plus its newline.
        self._server = await asyncio.start_unix_server(
            self._serve, sock=sock, limit=self.max_request + 1)

    async def close(self) -> None:
        """Stop serving, drop the clients, remove the socket file if it is still ours."""
        if self._server is not None:
            self._server.close()
            # Hang up on the clients (their reads end) rather than cancelling their tasks.
            for writer in list(self._writers):
                writer.transport.abort()
            if self._clients:
                await asyncio.wait(list(self._clients), timeout=1.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()

    async def _send(self, writer: asyncio.StreamWriter, reply: dict[str, Any]) -> None:
        writer.write(encode(reply))
        await asyncio.wait_for(writer.drain(), self.write_timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        self._writers.add(writer)
        try:
            if len(self._clients) > self.max_clients:
                self.rejected += 1
                await self._send(writer, {"ok": False, "error": "busy: too many connections"})
                # Read what the client already sent before closing: a Unix socket closed
                # with unread data resets the connection, and the client loses the reply
                # (seen on Python 3.12 and 3.13 about every other time).
                with contextlib.suppress(Exception):
                    writer.write_eof()
                    await asyncio.wait_for(reader.read(65536), 1.0)
                return
            peer = _peer_of(writer.get_extra_info("socket"))
            await self._conversation(reader, writer, peer)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):  # 3.10
            pass  # a slow, vanished or half-open client: just drop it
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("control socket: unexpected error with a client")
        finally:
            self._clients.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _conversation(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            peer: Peer) -> None:
        while True:
            try:
                line = await asyncio.wait_for(reader.readuntil(b"\n"), self.read_timeout)
            except asyncio.IncompleteReadError as exc:
                if not exc.partial.strip():
                    return  # clean end of the conversation
                line = exc.partial  # last request without its newline
            except asyncio.LimitOverrunError:
                self.rejected += 1
                await self._send(writer, {
                    "ok": False,
                    "error": f"request too long (more than {self.max_request} bytes)"})
                return  # the rest of the line is unread garbage: end the conversation
            except ValueError:  # readuntil's own limit error in some Python versions
                self.rejected += 1
                await self._send(writer, {
                    "ok": False,
                    "error": f"request too long (more than {self.max_request} bytes)"})
                return
            if len(line.rstrip(b"\r\n")) > self.max_request:
                self.rejected += 1
                await self._send(writer, {
                    "ok": False,
                    "error": f"request too long (more than {self.max_request} bytes)"})
                return
            if not line.strip():
                if reader.at_eof():
                    return
                continue
            reply = await self._answer(line, peer)
            rid = _request_id(line)
            if rid is not None:
                reply["id"] = rid
            await self._send(writer, reply)
            if reader.at_eof():
                return

    async def _answer(self, line: bytes, peer: Peer) -> dict[str, Any]:
        try:
            request = parse_request(line)
        except BadRequest as exc:
            self.rejected += 1
            log.info("control socket: bad request from %s (pid %d): %s", peer.user, peer.pid, exc)
            return {"ok": False, "error": str(exc)}
        try:
            fields = await self.handler(request, peer)
        except (MonitorError, ValueError) as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:
            log.exception("control socket: %s failed", type(request).__name__)
            return {"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}
        self.served += 1
        return {"ok": True, **fields}


# ------------------------------------------------------------------------------ client


def request(path: Path | str, payload: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
    """Send one request to the daemon at ``path``; return its reply when ``ok``.

    Raise ``DaemonNotRunning`` when nothing listens at ``path``, ``DaemonError`` when
    the daemon answers ``ok: false``, ``ControlError`` for any other failure
    (permission, timeout, a garbled reply)."""
    path = Path(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise DaemonNotRunning(f"link-monitor is not running (no socket at {path})") from None
        except PermissionError:
            raise ControlError(
                f"permission denied on {path}: run as root or as a member of the "
                "link-monitor group") from None
        except OSError as exc:
            raise ControlError(f"cannot reach the daemon at {path}: {exc.strerror}") from None
        try:
            try:
                sock.sendall(json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the daemon hung up at once (busy): its reply may still be readable
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except TimeoutError:
            raise ControlError(f"the daemon at {path} did not answer within {timeout:g} s") from None
        except OSError as exc:
            raise ControlError(f"lost the daemon at {path}: {exc.strerror or exc}") from None
    finally:
        sock.close()
    try:
        reply = json.loads(buf)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ControlError(f"garbled reply from the daemon at {path}: {buf[:80]!r}") from None
    if not isinstance(reply, dict):
        raise ControlError(f"garbled reply from the daemon at {path}: {buf[:80]!r}")
    if not reply.get("ok"):
        raise DaemonError(str(reply.get("error") or "the daemon refused the request"), reply)
    return reply
