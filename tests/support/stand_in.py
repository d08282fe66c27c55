"""A stand-in for the daemon's control socket, for the quick commands (``status``, ``ack``,
``permit``...) run as subprocesses: a real Unix socket answered with canned replies.
Used by the e2e tests and by bench/bench_cli.py."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path


class StandIn:
    """A one-reply-per-connection daemon on the Unix socket ``path`` (a thread): each
    request line is recorded in ``requests`` and answered with ``replies[cmd]``, or with
    an error reply naming a ``cmd`` it has no reply for."""

    def __init__(self, path: Path, replies: dict[str, dict]):
        self.replies = replies
        self.requests: list[dict] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = json.loads(conn.makefile("rb").readline())
                self.requests.append(request)
                cmd = request.get("cmd")
                reply = self.replies.get(cmd, {"ok": False, "error": f"no reply for {cmd!r}"})
                conn.sendall(json.dumps(reply).encode() + b"\n")

    def close(self) -> None:
        self.sock.close()
