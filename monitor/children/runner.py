"""The generic child-process runner: start ``python -m monitor.jobs`` with one JSON
request, wait for its one JSON reply, kill it when it is no longer wanted. A child may
also be started ahead, warm (``start_waiting``), and given its request later
(``hand_over``) or let go unused (``let_go``).

A child that cannot start, crashes, times out or answers nonsense raises
``OffloadError``; callers fall back to doing the work in-process or retry later.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from typing import Any

from monitor.errors import OffloadError

# The child's main, started by name (a layer above: never imported from here).
CHILD_MODULE = "monitor.jobs"
# A check imports one library: well under a second here; allow for a loaded
# machine. A send is bounded by apprise's own timeouts (SMTP: 15 s per
# connection); the limit stays under the outbox lease (2 min), so a killed send
# is never attempted twice at the same time.
CHECK_TIMEOUT = 60.0
DELIVER_TIMEOUT = 100.0
# Variables the child must not see: it is not the service (sd_notify, socket
# activation belong to the daemon alone).
_PRIVATE_ENV = (
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
)

Popen = subprocess.Popen  # of bytes


def spawn(request: dict[str, Any]) -> Popen[bytes]:
    """Start a child and hand it ``request``; raise OffloadError if it cannot start."""
    proc = start()
    assert proc.stdin is not None
    try:
        # The child reads all of stdin before it writes anything: this cannot deadlock.
        proc.stdin.write(json.dumps(request, ensure_ascii=False).encode())
    except BrokenPipeError:
        pass  # it died at once; reply() reports how
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    # communicate() must not touch stdin again (3.11 flushes it even when closed).
    proc.stdin = None
    return proc


def start_waiting(first: dict[str, Any]) -> Popen[bytes]:
    """Start a child, hand it ``first`` as one line and keep its stdin open: it gets
    ready (``{"op": "warm", ...}``) and waits for one more request line (``hand_over``),
    or exits quietly when stdin closes. Raise OffloadError if it cannot start."""
    proc = start()
    assert proc.stdin is not None
    try:
        proc.stdin.write(json.dumps(first, ensure_ascii=False).encode() + b"\n")
        proc.stdin.flush()
    except BrokenPipeError:
        kill(proc)
        raise OffloadError("a child process ended at once") from None
    return proc


def hand_over(proc: Popen[bytes], request: dict[str, Any]) -> bool:
    """Give a waiting child (``start_waiting``) its request and close its stdin; return
    False (the child reaped) when it is gone already."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        proc.stdin.close()
    except (BrokenPipeError, ValueError):
        proc.stdin = None
        kill(proc)
        return False
    proc.stdin = None
    return True


def let_go(proc: Popen[bytes], timeout: float = 5.0) -> None:
    """End a waiting child: close its stdin (it exits at once) and reap it; kill it if
    it is still there after ``timeout``."""
    if proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        proc.stdin = None
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)


def start() -> Popen[bytes]:
    """Start ``python -m monitor.jobs`` with pipes; raise OffloadError if it cannot."""
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        raise OffloadError(f"cannot start a child process: {exc.strerror or exc}") from None
    return proc


def reply(proc: Popen[bytes], timeout: float, what: str) -> dict[str, Any]:
    """Return the child's reply; raise OffloadError when it gives none in time (it is
    killed), exits with an error, or answers something that is not a JSON object."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise OffloadError(
            f"{what}: the child process gave no answer within {timeout:.0f} s and was killed"
        ) from None
    tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
    if proc.returncode != 0:
        why = f": {tail[0]}" if tail else ""
        raise OffloadError(f"{what}: the child process exited with status {proc.returncode}{why}")
    try:
        answer = json.loads(out)
    except ValueError:
        raise OffloadError(
            f"{what}: the child process answered something that is not JSON ({out[:80]!r})"
        ) from None
    if not isinstance(answer, dict):
        raise OffloadError(f"{what}: the child process answered {answer!r}")
    return answer


def kill(proc: Popen[bytes]) -> None:
    """End ``proc`` if it still runs, and reap it."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.communicate()


def run(request: dict[str, Any], timeout: float, what: str) -> dict[str, Any]:
    """Return the reply of a new child to ``request`` (``spawn`` then ``reply``)."""
    return reply(spawn(request), timeout, what)
