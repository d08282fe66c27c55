"""The status stream on the control socket: ``status`` with ``"follow": true``.

The real daemon in this process (tests/support/daemon_parts.py) and a real socket:
the follower gets the state, a line per change, keep-alives while nothing changes,
and the end of the stream when the daemon stops. The server alone: a follower that
does not read is dropped without ever blocking ``publish``, followers count against
the connection limit, and a silent daemon is told from a quiet one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from monitor.control import ControlServer, request
from monitor.control.client import follow
from monitor.control.errors import DaemonNotRunning
from monitor.errors import ControlError
from tests.support.daemon_parts import Running, rig, until

ROOT = Path(__file__).resolve().parents[2]


class Follower:
    """``follow()`` in a thread; its lines (and its end) land in ``lines``."""

    def __init__(self, path: Path, silence: float = 6.0):
        self.lines: queue.Queue[Any] = queue.Queue()
        self.ended: BaseException | None = None
        self.last: dict[str, Any] | None = None
        self._thread = threading.Thread(target=self._run, args=(path, silence), daemon=True)
        self._thread.start()

    def _run(self, path: Path, silence: float) -> None:
        try:
            for line in follow(path, silence=silence):
                self.lines.put(line)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.ended = exc
            self.lines.put(exc)

    async def next(self, *, skip_keepalive: bool = True, timeout: float = 5) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "no line from the stream in time"
            try:
                item = self.lines.get_nowait()
            except queue.Empty:
                await asyncio.sleep(0.01)
                continue
            if skip_keepalive and isinstance(item, dict) and item.get("kind") == "keepalive":
                continue
            return item

    async def first_that(self, test: Any, timeout: float = 5) -> dict[str, Any]:
        """Return the first state line that passes ``test`` (a change may come as two
        lines: the pattern at once, then the outbox after the register writes). Each
        line differs from the one before (a line is sent on a change only)."""
        deadline = time.monotonic() + timeout
        while True:
            line = await self.next(timeout=max(deadline - time.monotonic(), 0.01))
            assert isinstance(line, dict), line
            assert line["kind"] == "state" and line != self.last
            self.last = line
            if test(line):
                return line


def acks(store: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT by, source FROM acks ORDER BY id").fetchall()


def test_a_follower_gets_the_state_then_one_line_per_change_until_the_daemon_stops(tmp_path):
    r = rig(tmp_path)

    async def scenario() -> Follower:
        async with Running(r):
            f = Follower(r.socket)
            first = await f.next()
            assert first["kind"] == "state" and first["follow"] is True
            assert first["pattern"] == "off" and first["online"] is False
            assert first["can_ack"] is False and first["session"] is None
            assert first["faults"] == [] and first["language"] == "en"

            r.links.plug()
            alarm = await f.next()  # the pattern comes first, before the register writes
            assert alarm["pattern"] == "alarm" and alarm["can_ack"] is True
            assert alarm["online"] is True and alarm["session"]["id"]
            # then the alert in the outbox, then the outbox empty again once it is sent
            await f.first_that(lambda line: line["outbox"]["pending"] >= 1)
            await f.first_that(lambda line: line["outbox"]["pending"] == 0)

            reply = await asyncio.to_thread(
                request, r.socket, {"cmd": "ack", "source": "screen lamp"}, timeout=5
            )
            assert reply["silenced"] is True
            silenced = await f.first_that(lambda line: line["silenced"])
            assert silenced["pattern"] == "alarm" and silenced["can_ack"] is False
            await until(lambda: acks(r.store), 2, "the ack is recorded")
            assert acks(r.store)[0][1] == "screen lamp"

            r.links.unplug()
            off = await f.first_that(lambda line: line["pattern"] != "alarm")
            assert off["pattern"] == "off" and off["session"] is None
            return f

    f = asyncio.run(scenario())
    end = f.lines.get(timeout=5)
    while isinstance(end, dict):  # lines published while stopping, then the end
        end = f.lines.get(timeout=5)
    assert isinstance(end, DaemonNotRunning)


def test_a_quiet_daemon_sends_keepalives(tmp_path):
    r = rig(tmp_path)

    async def scenario() -> None:
        async with Running(r):
            f = Follower(r.socket)
            await f.next()
            started = time.monotonic()
            keep = await f.next(skip_keepalive=False, timeout=6)
            # (the daemon's own "started" mail may leave the outbox first: a change)
            while keep.get("kind") != "keepalive":
                keep = await f.next(skip_keepalive=False, timeout=6)
            assert time.monotonic() - started < 4.5

    asyncio.run(scenario())


def test_an_unknown_ack_source_or_a_follow_that_is_not_a_flag_is_refused(tmp_path):
    r = rig(tmp_path)

    async def scenario() -> list[dict]:
        async with Running(r):
            out = []
            for payload in (
                {"cmd": "ack", "source": "gpio button"},
                {"cmd": "status", "follow": "yes"},
            ):
                with contextlib.suppress(ControlError):
                    await asyncio.to_thread(request, r.socket, payload, timeout=5)
                    out.append({"accepted": payload})
                    continue
                out.append({"refused": payload})
            return out

    assert all("refused" in x for x in asyncio.run(scenario()))


def test_status_follow_prints_one_json_line_per_change(tmp_path):
    r = rig(tmp_path)

    async def scenario() -> list[dict]:
        async with Running(r):
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "monitor",
                "status",
                "--follow",
                "--config",
                str(r.config_path),
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
            )
            assert proc.stdout is not None
            try:
                first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 15))
                r.links.plug()
                second = json.loads(await asyncio.wait_for(proc.stdout.readline(), 5))
                while second["pattern"] != "alarm":
                    second = json.loads(await asyncio.wait_for(proc.stdout.readline(), 5))
            finally:
                proc.terminate()
                await proc.wait()
            return [first, second]

    first, second = asyncio.run(scenario())
    assert first["pattern"] == "off" and "keepalive" not in first.values()
    assert second["pattern"] == "alarm" and second["can_ack"] is True


# ------------------------------------------------------------------ the server alone


async def _follow_handler(request: Any, peer: Any) -> dict[str, Any]:
    return {"kind": "state", "follow": True}


def test_a_follower_that_does_not_read_is_dropped_and_publish_never_waits(tmp_path):
    path = tmp_path / "c.sock"

    async def scenario() -> tuple[int, float, int]:
        server = ControlServer(path, _follow_handler, write_timeout=0.5, follow_queue=8)
        await server.start()
        try:
            lazy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            lazy.connect(str(path))
            lazy.sendall(b'{"cmd": "status", "follow": true}\n')
            good = Follower(path)
            await good.next()
            await until_(lambda: server.followers == 2)
            worst = 0.0
            big = "x" * 20000
            for i in range(300):
                t0 = time.perf_counter()
                server.publish({"kind": "state", "n": i, "pad": big})
                worst = max(worst, time.perf_counter() - t0)
                await asyncio.sleep(0.002)
                if server.dropped:
                    break
            await until_(lambda: server.dropped == 1 and server.followers == 1)
            seen = await good.next()
            lazy.close()
            return server.dropped, worst, seen["n"]
        finally:
            await server.close()

    dropped, worst, seen = asyncio.run(scenario())
    assert dropped == 1
    assert worst < 0.05  # publish only queues
    assert seen == 0  # the reader got the lines in order from the first


async def until_(fn: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not fn():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.01)


def test_followers_count_against_the_connection_limit(tmp_path):
    path = tmp_path / "c.sock"

    async def scenario() -> str:
        server = ControlServer(path, _follow_handler, max_clients=2)
        await server.start()
        try:
            a, b = Follower(path), Follower(path)
            await a.next()
            await b.next()
            with pytest.raises(ControlError) as refused:
                await asyncio.to_thread(request, path, {"cmd": "status"}, timeout=5)
            return str(refused.value)
        finally:
            await server.close()

    assert "busy" in asyncio.run(scenario())


def test_a_daemon_that_accepts_but_says_nothing_is_told_apart_from_a_quiet_one(tmp_path):
    path = tmp_path / "mute.sock"
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mute.bind(str(path))
    mute.listen(1)
    try:
        started = time.monotonic()
        with pytest.raises(ControlError) as silent:
            next(follow(path, silence=0.5))
        assert 0.4 < time.monotonic() - started < 3
        assert "nothing from the daemon" in str(silent.value)
        assert not isinstance(silent.value, DaemonNotRunning)
    finally:
        mute.close()
        os.unlink(path)
