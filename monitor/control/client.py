"""The control socket's client: one synchronous request (the CLI has no loop of its own).

Light on purpose: ``link-monitor status`` and ``ack`` import this and nothing heavy
(no asyncio, no pydantic).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from monitor.control.errors import AccessDenied, DaemonError, DaemonNotRunning, reply_text, text
from monitor.errors import ControlError


def _exchange(
    sock: socket.socket, path: Path, payload: dict[str, Any], timeout: float, lang: str
) -> bytes:
    """Send ``payload`` on the connected ``sock``; return the reply line's bytes."""
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
        raise ControlError(
            text("client.timeout", language=lang, path=path, seconds=timeout)
        ) from None
    except OSError as exc:
        raise ControlError(
            text("client.lost", language=lang, path=path, error=exc.strerror or exc)
        ) from None
    return buf


def _connect(sock: socket.socket, path: Path, lang: str = "en") -> None:
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise DaemonNotRunning(text("client.not_running", language=lang, path=path)) from None
    except PermissionError:
        raise AccessDenied(path, lang) from None
    except OSError as exc:
        raise ControlError(
            text("client.unreachable", language=lang, path=path, error=exc.strerror)
        ) from None


def request(
    path: Path | str,
    payload: dict[str, Any],
    *,
    timeout: float = 10.0,
    language: str = "en",
) -> dict[str, Any]:
    """Send one request to the daemon at ``path``; return its reply when ``ok``. Errors
    are said in ``language``.

    Raise ``DaemonNotRunning`` when nothing listens at ``path``, ``DaemonError`` when
    the daemon answers ``ok: false``, ``ControlError`` for any other failure
    (permission, timeout, a garbled reply)."""
    path = Path(path)
    lang = language
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        _connect(sock, path, lang)
        buf = _exchange(sock, path, payload, timeout, lang)
    finally:
        sock.close()
    try:
        reply = json.loads(buf)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ControlError(
            text("client.garbled", language=lang, path=path, raw=repr(buf[:80]))
        ) from None
    if not isinstance(reply, dict):
        raise ControlError(text("client.garbled", language=lang, path=path, raw=repr(buf[:80])))
    if not reply.get("ok"):
        raise DaemonError(reply_text(reply, lang), reply)
    return reply


def _parse_line(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ControlError(text("client.garbled", path=path, raw=repr(raw[:80]))) from None
    if not isinstance(obj, dict):
        raise ControlError(text("client.garbled", path=path, raw=repr(raw[:80])))
    if not obj.get("ok"):
        raise DaemonError(str(obj.get("error") or text("refused")), obj)
    return obj


def follow(path: Path | str, *, silence: float = 6.0) -> Iterator[dict[str, Any]]:
    """Yield the daemon's status stream at ``path``: the state first, then one line per
    change and the keep-alives (``kind: "keepalive"``).

    Raise ``DaemonNotRunning`` when nothing listens or the daemon hangs up (it
    stopped), ``ControlError`` when no line (not even a keep-alive) came for
    ``silence`` seconds (a hung daemon) or on any other failure, ``DaemonError``
    when the daemon refuses. Closing the generator closes the connection."""
    path = Path(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(silence)
    try:
        _connect(sock, path)
        try:
            sock.sendall(b'{"cmd": "status", "follow": true}\n')
        except OSError as exc:
            raise ControlError(text("client.lost", path=path, error=exc.strerror or exc)) from None
        buf = b""
        while True:
            while b"\n" not in buf:
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    raise ControlError(text("client.silent", path=path, seconds=silence)) from None
                except OSError as exc:
                    raise DaemonNotRunning(text("client.ended", path=path)) from exc
                if not chunk:
                    raise DaemonNotRunning(text("client.ended", path=path))
                buf += chunk
            raw, _, buf = buf.partition(b"\n")
            if raw.strip():
                yield _parse_line(path, raw)
    finally:
        sock.close()
