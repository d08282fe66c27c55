"""How soon a follower of the status stream (the screen lamp, ``status --follow``)
has the line of a cable change, beside the daemon's own indicator; prints figures.

    python bench/bench_stream.py [CHANGES]

The real daemon runs in this process on the test parts (tests/support/daemon_parts.py:
real register, real control socket, a queue-fed watcher, a recording lamp); one
follower reads the stream in a thread. For each plug or unplug (default 40) it
measures the time to the daemon's ``indicator.show`` and to the follower's line;
the reference in the same run is one plain ``status`` request's round trip.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.control import request
from monitor.control.client import follow
from tests.support.daemon_parts import Rig, Running, rig

Lines = queue.Queue[tuple[float, dict]]


def read(socket: Path, lines: Lines) -> None:
    try:
        for line in follow(socket):
            lines.put((time.perf_counter(), line))
    except Exception:  # noqa: BLE001 - the daemon stopped: the run is over
        return


def ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:6.2f} ms   max {max(xs) * 1000:6.2f} ms"


async def changes(r: Rig, lines: Lines, n: int) -> tuple[list[float], list[float]]:
    shown, followed = [], []
    for i in range(n):
        r.clock.advance(timedelta(minutes=1))  # a new session id each time
        await asyncio.sleep(0.05)
        while not lines.empty():
            lines.get_nowait()
        want = "alarm" if i % 2 == 0 else "off"
        before = len(r.lamp.shown)
        t0 = time.perf_counter()
        (r.links.plug if want == "alarm" else r.links.unplug)()
        while len(r.lamp.shown) == before:
            await asyncio.sleep(0)
        shown.append(time.perf_counter() - t0)
        while True:
            try:
                at, line = lines.get_nowait()
            except queue.Empty:
                await asyncio.sleep(0.0002)
                continue
            if line.get("pattern") == want:
                followed.append(at - t0)
                break
    return shown, followed


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        r = rig(Path(tmp))
        lines: Lines = queue.Queue()
        async with Running(r):
            threading.Thread(target=read, args=(r.socket, lines), daemon=True).start()
            await asyncio.to_thread(lines.get, True, 5)
            shown, followed = await changes(r, lines, n)
            trips = []
            for _ in range(n):
                t0 = time.perf_counter()
                await asyncio.to_thread(request, r.socket, {"cmd": "status"})
                trips.append(time.perf_counter() - t0)
    print(f"{n} cable changes")
    print(f"  change -> daemon's indicator.show      {ms(shown)}")
    print(f"  change -> follower has the stream line {ms(followed)}")
    print(f"  reference: one status request          {ms(trips)}")


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
