"""The control socket's server side, in the daemon's asyncio loop.

It never lets a client disturb the daemon: malformed JSON, an unknown command, a
wrong type, a line longer than ``control.max_request`` bytes get an error reply
(never a traceback in the log); a client that sends nothing (``idle_timeout``, a
couple of seconds: the CLI sends its request at once) or does not read its replies
is dropped; at most ``max_clients`` connections are served at once and at most
``max_per_peer`` of one uid: a new connection of a uid at its limit (or of anyone
when all are taken) first closes the longest-idle connection counted against it,
so idle connections cannot lock anybody out. The caller's uid comes from
``SO_PEERCRED`` (the kernel's word, not the client's) and is turned into a user
name: that name is recorded as the grantor of a permit.

A ``status`` request with ``"follow": true`` whose reply carries ``follow: true``
turns the conversation into a stream: ``publish(obj)`` sends ``obj`` to every
follower, and a follower with nothing to send for ``keepalive`` seconds gets a
``{"ok": true, "kind": "keepalive"}`` line, so it can tell a quiet daemon from a
dead one. A follower is bounded: one that lets ``follow_queue`` lines pile up, or
does not read a line within ``write_timeout``, is dropped; ``publish`` never waits.
Followers count against ``max_clients``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from monitor.control.errors import Refused
from monitor.control.protocol import (
    BadRequest,
    Peer,
    Request,
    encode,
    error_reply,
    login_uid_of,
    parse_request,
    request_id,
    text,
)
from monitor.errors import ControlError, MonitorError

log = logging.getLogger(__name__)

SOCKET_MODE = 0o660  # owner (the service user) and the service group

Handler = Callable[[Request, Peer], Awaitable[dict[str, Any]]]


def _peer_of(sock: socket.socket | None) -> Peer:
    if sock is None:
        return Peer(0, -1, -1)
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    # Read at once: the kernel's audit login uid of the peer (the person behind sudo).
    return Peer(pid, uid, gid, login_uid_of(pid))


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


def _check_place(path: Path) -> None:
    """Make the socket's folder; raise ``ControlError`` when ``path`` is taken by a live
    daemon or by something other than a socket (a stale socket file is fine)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ControlError(text("socket.mkdir", dir=path.parent, error=exc.strerror)) from None
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise ControlError(text("socket.not_socket", path=path))
    if _socket_answers(path):
        raise ControlError(text("socket.in_use", path=path))
    log.info("replacing stale control socket %s", path)


def bind_socket(path: Path) -> socket.socket:
    """Return a listening Unix stream socket at ``path``, mode 0660, parent made if missing.

    A stale socket file (nothing answers) is replaced; raise ``ControlError`` when a
    live daemon answers there or ``path`` is something other than a socket.
    The socket is bound under a temporary name, chmod-ed, then renamed into place,
    so it is never reachable with looser permissions."""
    path = Path(path)
    _check_place(path)
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
        raise ControlError(text("socket.bind", path=path, error=exc.strerror)) from None
    sock.setblocking(False)
    return sock


class _TooLong(Exception):
    """A request line is longer than the server's limit."""


class _Client:
    """One connection: whose, since when it waits for a request line (None: busy
    answering one), its writer (to hang up on it)."""

    __slots__ = ("idle_since", "uid", "writer")

    def __init__(self, uid: int, writer: asyncio.StreamWriter, now: float):
        self.uid = uid
        self.writer = writer
        self.idle_since: float | None = now


class _Follower:
    """One follower's queue of lines; ``None`` in it ends the stream (dropped or closed)."""

    def __init__(self, size: int):
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=size)
        self.dropped = False

    def put(self, obj: dict[str, Any]) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(obj)
        except asyncio.QueueFull:
            self.dropped = True  # too slow: forget its backlog, wake it to end
            self.end()

    def end(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class ControlServer:
    """Serves the control protocol on ``path`` in the running asyncio loop.

    ``handler(request, peer)`` returns the reply's fields (``ok: true`` is added);
    raising ``MonitorError`` (or ValueError) turns into ``{"ok": false, "error": str(exc)}``;
    any other exception is logged and answered with an internal error. The daemon
    keeps running either way."""

    def __init__(
        self,
        path: Path | str,
        handler: Handler,
        *,
        max_request: int = 4096,
        read_timeout: float = 2.0,
        write_timeout: float = 5.0,
        max_clients: int = 16,
        max_per_peer: int = 4,
        keepalive: float = 2.0,
        follow_queue: int = 64,
    ):
        self.path = Path(path)
        self.handler = handler
        self.max_request = max_request
        self.read_timeout = read_timeout  # the idle timeout: a whole line within it
        self.write_timeout = write_timeout
        self.max_clients = max_clients
        self.max_per_peer = max(1, min(max_per_peer, max_clients))
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None
        self._clients: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._open: dict[asyncio.StreamWriter, _Client] = {}
        self.evicted = 0
        self.keepalive = keepalive
        self.follow_queue = follow_queue
        self._followers: set[_Follower] = set()
        self.served = 0
        self.rejected = 0
        self.dropped = 0  # followers dropped for being too slow

    @property
    def followers(self) -> int:
        """Return how many clients follow the status stream now."""
        return len(self._followers)

    def publish(self, obj: dict[str, Any]) -> None:
        """Queue ``obj`` (``ok: true`` is added) for every follower; never wait."""
        line = {"ok": True, **obj}
        for follower in list(self._followers):
            follower.put(line)

    async def start(self) -> None:
        """Bind the socket and start serving; raise ``ControlError`` if that cannot be done."""
        sock = bind_socket(self.path)
        self._inode = os.stat(self.path).st_ino
        # limit: a line may be max_request bytes plus its newline.
        self._server = await asyncio.start_unix_server(
            self._serve, sock=sock, limit=self.max_request + 1
        )

    async def close(self) -> None:
        """Stop serving, drop the clients, remove the socket file if it is still ours."""
        if self._server is not None:
            self._server.close()
            for follower in list(self._followers):
                follower.end()
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

    def _admit(self, peer: Peer) -> tuple[str, dict[str, Any]] | None:
        """Make room for a connection of ``peer``: close the longest-idle connection of
        its uid when it is at ``max_per_peer``, and of anyone when all ``max_clients``
        are taken; return the refusal's text name and values (None: admitted)."""
        for limit, of_uid, refusal in (
            (self.max_per_peer, True, ("busy_peer", {"limit": self.max_per_peer})),
            (self.max_clients, False, ("busy", {})),
        ):
            counted = [c for c in self._open.values() if not of_uid or c.uid == peer.uid]
            if len(counted) < limit:
                continue
            idle = [c for c in counted if c.idle_since is not None]
            if not idle:
                return refusal
            oldest = min(idle, key=lambda c: c.idle_since or 0.0)
            del self._open[oldest.writer]
            oldest.writer.transport.abort()  # its read ends: that conversation is over
            self.evicted += 1
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        self._writers.add(writer)
        try:
            peer = _peer_of(writer.get_extra_info("socket"))
            refusal = self._admit(peer)
            if refusal is not None:
                self.rejected += 1
                name, values = refusal
                worded = {"key": name, "values": values}
                await self._send(writer, error_reply(text(name, **values), worded))
                # Read what the client already sent before closing: a Unix socket closed
                # with unread data resets the connection, and the client loses the reply
                # (seen on Python 3.12 and 3.13 about every other time).
                with contextlib.suppress(Exception):
                    writer.write_eof()
                    await asyncio.wait_for(reader.read(65536), 1.0)
                return
            self._open[writer] = _Client(peer.uid, writer, time.monotonic())
            await self._conversation(reader, writer, peer)
        except (TimeoutError, asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a slow, vanished or half-open client: just drop it (3.10: asyncio's own)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("control socket: unexpected error with a client")
        finally:
            self._clients.discard(task)
            self._writers.discard(writer)
            self._open.pop(writer, None)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _read_line(self, reader: asyncio.StreamReader) -> bytes | None:
        """Return the next request line (maybe blank), or None at the clean end of the
        conversation; raise ``_TooLong`` for a line over the limit."""
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), self.read_timeout)
        except asyncio.IncompleteReadError as exc:
            if not exc.partial.strip():
                return None  # clean end of the conversation
            line = exc.partial  # last request without its newline
        except (asyncio.LimitOverrunError, ValueError):  # ValueError: some Pythons' limit error
            raise _TooLong from None
        if len(line.rstrip(b"\r\n")) > self.max_request:
            raise _TooLong
        return line

    async def _conversation(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        client = self._open[writer]
        while True:
            client.idle_since = time.monotonic()
            try:
                line = await self._read_line(reader)
            except _TooLong:
                self.rejected += 1
                await self._send(
                    writer,
                    error_reply(
                        text("too_long", limit=self.max_request),
                        {"key": "too_long", "values": {"limit": self.max_request}},
                    ),
                )
                return  # the rest of the line is unread garbage: end the conversation
            if line is None:
                return
            client.idle_since = None  # busy: not to be closed for a newcomer
            if line.strip():
                reply = await self._answer(line, peer)
                rid = request_id(line)
                if rid is not None:
                    reply["id"] = rid
                await self._send(writer, reply)
                if reply.get("ok") and reply.get("follow") is True:
                    await self._follow(writer, peer)
                    return
            if reader.at_eof():
                return

    async def _follow(self, writer: asyncio.StreamWriter, peer: Peer) -> None:
        """Send the published lines, and a keep-alive when there is none for a while,
        until the follower is dropped, hangs up or the server closes."""
        follower = _Follower(self.follow_queue)
        self._followers.add(follower)
        log.info("control socket: %s (pid %d) follows the status", peer.user, peer.pid)
        try:
            while True:
                try:
                    line = await asyncio.wait_for(follower.queue.get(), self.keepalive)
                except (TimeoutError, asyncio.TimeoutError):  # 3.10: asyncio's own
                    line = {"ok": True, "kind": "keepalive"}
                if line is None:
                    break
                try:
                    await self._send(writer, line)
                except (TimeoutError, asyncio.TimeoutError):
                    follower.dropped = True  # it does not read: drop it
                    break
        finally:
            self._followers.discard(follower)
        if follower.dropped:
            self.dropped += 1
            log.warning("control socket: dropped a slow follower (%s, pid %d)", peer.user, peer.pid)

    async def _answer(self, line: bytes, peer: Peer) -> dict[str, Any]:
        try:
            request = parse_request(line)
        except BadRequest as exc:
            self.rejected += 1
            log.info("control socket: bad request from %s (pid %d): %s", peer.user, peer.pid, exc)
            return error_reply(str(exc), exc.wire())
        except Exception as exc:  # noqa: BLE001 - a request the parser did not foresee
            self.rejected += 1
            problem = f"{type(exc).__name__}: {exc}"
            log.warning("control socket: unparsable request from %s: %s", peer.user, problem)
            values = {"type": type(exc).__name__, "error": str(exc)}
            return error_reply(text("internal", **values), {"key": "internal", "values": values})
        try:
            fields = await self.handler(request, peer)
        except Refused as exc:
            return error_reply(str(exc), exc.wire())
        except (MonitorError, ValueError) as exc:
            return error_reply(str(exc))
        except Exception as exc:
            log.exception("control socket: %s failed", type(request).__name__)
            values = {"type": type(exc).__name__, "error": str(exc)}
            return error_reply(text("internal", **values), {"key": "internal", "values": values})
        self.served += 1
        return {"ok": True, **fields}
