"""Real pseudo-terminals standing in for the box's serial port in tests.

``PtyPort`` is one pty pair: the code under test opens ``path`` (a symlink to the
slave, like /dev/serial/by-id/...) through pyserial; the test holds the master.
``unplug()`` closes the master and removes the link (the device vanishes: reads on
the slave fail with EIO), ``plug()`` makes a fresh pair behind the same link.
``PtyCable`` copies bytes between the masters of two ports: a PC end and a box end.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from pathlib import Path


class PtyPort:
    def __init__(self, directory: Path, name: str = "ttyBOX"):
        self.path = Path(directory) / name
        self.master: int | None = None
        self._slave: int | None = None
        self._buf = b""
        self.plug()

    def plug(self) -> None:
        """Create a new pty pair behind ``path`` (raw, no echo, like a USB serial port)."""
        master, slave = os.openpty()
        tty.setraw(slave)  # before anyone writes: no echo, no line editing
        self.master, self._slave = master, slave
        tmp = self.path.with_suffix(".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)

    def unplug(self) -> None:
        """Remove the link and destroy the pair: the device vanishes."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for fd in (self.master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self._slave = None
        self._buf = b""

    close = unplug

    def write(self, data: bytes) -> None:
        """Write ``data`` as the far end would (blocks while the pty buffer is full)."""
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def read_lines(self, timeout: float) -> list[bytes]:
        """Return the complete lines that arrive within ``timeout`` s (maybe none)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self._buf += os.read(self.master, 65536)
                except OSError:  # EIO: nobody holds the slave right now
                    time.sleep(0.01)
        *lines, self._buf = self._buf.split(b"\n")
        return [line + b"\n" for line in lines]

    def wait_line(self, predicate, timeout: float = 3.0) -> bytes:
        """Return the first line that arrives within ``timeout`` s and satisfies
        ``predicate``; raise AssertionError naming what did arrive otherwise."""
        deadline = time.monotonic() + timeout
        seen: list[bytes] = []
        while time.monotonic() < deadline:
            for line in self.read_lines(min(0.05, max(0.0, deadline - time.monotonic()))):
                if predicate(line):
                    return line
                seen.append(line)
        raise AssertionError(f"no matching line within {timeout}s; got {seen[-5:]!r}")


class PtyCable:
    """Copy bytes both ways between the masters of ``a`` and ``b`` (in a thread) while
    ``connected``; while not connected, bytes are dropped (the cable is out)."""

    def __init__(self, a: PtyPort, b: PtyPort):
        self.a, self.b = a, b
        self.connected = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-cable", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ends = [(p, q) for p, q in ((self.a, self.b), (self.b, self.a)) if p.master is not None]
            fds = {p.master: (p, q) for p, q in ends}
            if not fds:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select(list(fds), [], [], 0.05)
            except (OSError, ValueError):
                continue  # a master was closed under us (unplug)
            for fd in ready:
                _src, dst = fds[fd]
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    time.sleep(0.01)
                    continue
                if self.connected and dst.master is not None:
                    with contextlib.suppress(OSError):
                        dst.write(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
