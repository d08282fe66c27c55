"""The media watcher's cost, each figure beside a reference measured in the same run.

    sudo python bench/bench_media.py [ROUNDS]

1. Latency on the real kernel (root, /dev/loop-control): a loop device is added and
   removed ROUNDS times (default 40); for each block uevent, the time from the ioctl
   to ``MediaWatcher`` yielding its ``MediaObserved`` (the kernel's work, then parse +
   sysfs read + asyncio), beside the time from the ioctl to a bare uevent socket's
   blocking ``recv`` returning the same datagram in a thread of its own (the kernel's
   part alone).
2. Per datagram, in process: ``MediaWatcher.handle`` of a USB stick's add on the
   documented sysfs tree (parse + walk + eight attribute reads), beside
   ``parse_uevent`` of the same datagram alone.
3. Idle: the watcher's wake-ups while nothing happens (none: no polling), counted
   over 2 s with the process's CPU time, beside an idle asyncio loop.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import queue
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.media import MediaWatcher, parse_uevent
from monitor.media.uevent import KERNEL_GROUP, NETLINK_KOBJECT_UEVENT
from tests.fixtures import sysfs_trees, uevents

LOOP_CTL_ADD, LOOP_CTL_REMOVE = 0x4C80, 0x4C81


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return f"median {statistics.median(values) * 1e3:7.3f} ms  p95 {p95 * 1e3:7.3f} ms"


async def latency(rounds: int) -> None:
    """Per block uevent, from the ioctl: to ``MediaWatcher`` yielding it, and to a bare
    uevent socket's blocking ``recv`` returning it in a thread of its own."""
    raw = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
    raw.bind((0, KERNEL_GROUP))
    arrivals: queue.Queue[float] = queue.Queue()

    def bare() -> None:
        while True:
            try:
                data = raw.recv(1 << 16)
            except OSError:
                return
            if b"SUBSYSTEM=block" in data:
                arrivals.put(time.perf_counter())

    reader = threading.Thread(target=bare, daemon=True)
    reader.start()
    watcher = MediaWatcher()
    await watcher.start()
    changes = watcher.changes()
    ours, ref = [], []
    fd = os.open("/dev/loop-control", os.O_RDWR)
    number = None
    try:
        for i in range(rounds):
            number = 240 + (i % 8)
            for op in (LOOP_CTL_ADD, LOOP_CTL_REMOVE):
                t0 = time.perf_counter()
                # In a thread: the kernel sends the uevent before the ioctl returns,
                # and the loop must be free to read it meanwhile, as in the daemon.
                ioctl = asyncio.ensure_future(asyncio.to_thread(fcntl.ioctl, fd, op, number))
                obs = await asyncio.wait_for(changes.__anext__(), 5)
                ours.append(time.perf_counter() - t0)
                assert obs.medium.device == f"loop{number}"
                ref.append(arrivals.get(timeout=5) - t0)
                await ioctl
    finally:
        if number is not None and os.path.exists(f"/sys/block/loop{number}"):
            fcntl.ioctl(fd, LOOP_CTL_REMOVE, number)  # never leave a device behind
        os.close(fd)
        raw.close()
        await watcher.close()
    print(f"ioctl to MediaObserved ({len(ours)} events):      {ms(ours)}")
    print(f"  reference, ioctl to a bare socket's recv:  {ms(ref)}")


def per_datagram(n: int = 20000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sys"
        sysfs_trees.build(root, "usb-storage-stick")
        w = MediaWatcher(root=root)
        t0 = time.perf_counter()
        for _ in range(n):
            w.handle(uevents.STICK_ADD)
        handled = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for _ in range(n):
            parse_uevent(uevents.STICK_ADD)
        parsed = (time.perf_counter() - t0) / n
    print(f"handle (parse + sysfs), per add:        {handled * 1e6:7.1f} us")
    print(f"  reference, parse_uevent alone:        {parsed * 1e6:7.1f} us")


async def idle(seconds: float = 2.0) -> None:
    async def measure(watching: bool) -> tuple[float, int]:
        watcher = MediaWatcher() if watching else None
        if watcher is not None:
            await watcher.start()
        loop = asyncio.get_running_loop()
        ticks = 0
        orig = loop._run_once  # type: ignore[attr-defined]

        def counted():
            nonlocal ticks
            ticks += 1
            orig()

        loop._run_once = counted  # type: ignore[attr-defined]
        c0 = time.process_time()
        task = None
        if watcher is not None:

            async def drain():
                async for _ in watcher.changes():
                    pass

            task = asyncio.ensure_future(drain())
        await asyncio.sleep(seconds)
        cpu = time.process_time() - c0
        loop._run_once = orig  # type: ignore[attr-defined]
        if task is not None:
            task.cancel()
            await watcher.close()
        return cpu, ticks

    cpu, ticks = await measure(True)
    ref_cpu, ref_ticks = await measure(False)
    print(
        f"idle {seconds:.0f} s with the watcher:   CPU {cpu * 1e3:6.2f} ms, loop iterations {ticks}"
    )
    print(
        f"  reference, idle loop alone:     CPU {ref_cpu * 1e3:6.2f} ms, loop iterations {ref_ticks}"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    per_datagram()
    if os.geteuid() == 0 and os.path.exists("/dev/loop-control"):
        asyncio.run(latency(rounds))
        asyncio.run(idle())
    else:
        print("latency and idle: need root and /dev/loop-control (skipped)")


if __name__ == "__main__":
    main()
