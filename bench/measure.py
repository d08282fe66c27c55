"""What the benchmarks share: timestamped output lines, /proc usage, the `ip monitor
link` reference matcher and latency summaries. Imported by the bench scripts, which
run as ``python bench/NAME.py`` (their folder is then first on sys.path)."""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One line of `ip monitor link` / `ip link`: name, flags, operstate.
IP_LINE = re.compile(r"^(?:Deleted )?\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>.*?\bstate (\S+)")


class Lines:
    """A text stream's lines, each with its arrival time read from ``clock`` by a
    reader thread (``time.time`` to compare with wall-clock stamps in a log,
    ``time.perf_counter_ns`` for pure intervals)."""

    def __init__(self, stream, clock: Callable[[], Any] = time.time):
        self.lines: list[tuple[Any, str]] = []
        self.cond = threading.Condition()
        self._clock = clock
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            now = self._clock()
            with self.cond:
                self.lines.append((now, line))
                self.cond.notify_all()

    def first(self, after, match: Callable[[str], Any], timeout: float = 5.0):
        """Return ``(arrival, match(line))`` of the first line arriving at or after
        ``after`` for which ``match`` is truthy; None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for at, line in self.lines:
                    if at >= after and (m := match(line)):
                        return at, m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def ip_monitor_says(online: bool, interface: str = "eth0") -> Callable[[str], bool]:
    """Return a matcher for `ip monitor link` lines showing ``interface`` online (LOWER_UP,
    UP and state UP/UNKNOWN, as the watcher counts it) or offline."""

    def match(line: str) -> bool:
        m = IP_LINE.match(line)
        if not m or m.group(1) != interface:
            return False
        flags = m.group(2).split(",")
        up = "LOWER_UP" in flags and "UP" in flags and m.group(3) in ("UP", "UNKNOWN")
        return up is online

    return match


def proc_usage(pid: int) -> dict[str, float]:
    """Return CPU seconds (user+system), voluntary context switches (all threads, and
    ``main`` for the main thread), RSS and its peak ``hwm`` (KiB) and the thread count of
    process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches = main = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    switches += int(line.split()[1])
                    if task.name == str(pid):
                        main = int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread ended meanwhile
    status = {
        line.split(":")[0]: line.split()[1:]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    }
    rss, hwm = int(status["VmRSS"][0]), int(status["VmHWM"][0])
    return {
        "cpu": cpu,
        "switches": switches,
        "main": main,
        "rss": rss,
        "hwm": hwm,
        "threads": len(list(Path(f"/proc/{pid}/task").iterdir())),
    }


def ms(seconds: float) -> str:
    """Return ``seconds`` as milliseconds in a fixed-width column."""
    return f"{seconds * 1000:8.3f}"


def latency_summary(seconds: list[float]) -> str:
    """Return "p50 p95 max" of ``seconds`` in ms columns, or "(none)"."""
    if not seconds:
        return "  (none)"
    v = sorted(seconds)
    p95 = v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
    return f"{ms(statistics.median(v))} {ms(p95)} {ms(v[-1])}"


def thread_wakeups(pid: int) -> dict[int, tuple[str, int]]:
    """Return, per thread id of process ``pid``, its name and its context switches so
    far (voluntary + nonvoluntary: every time it was scheduled out, so every wake-up
    of an otherwise sleeping thread)."""
    out: dict[int, tuple[str, int]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            n = 0
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    n += int(line.split()[1])
        except FileNotFoundError:
            continue  # a thread ended meanwhile
        out[int(task.name)] = (name, n)
    return out


def wakeups_per_minute(
    before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]], seconds: float, pid: int
) -> list[tuple[str, float]]:
    """Return ``(label, wake-ups per minute)`` per thread alive at the end (``main`` for
    the event-loop thread), busiest first, and ``("all", total)`` last."""
    rows = []
    for tid, (name, n) in after.items():
        label = "main" if tid == pid else f"{name}/{tid}"
        rows.append((label, (n - before.get(tid, (name, 0))[1]) * 60 / seconds))
    rows.sort(key=lambda r: -r[1])
    return [*rows, ("all", sum(r[1] for r in rows))]


# Installed in the daemon by the benchmark (``python -c GC_PROBE run ...``): every full
# collection, and any collection of 1 ms or more, as one stderr line.
GC_PROBE = """
import gc, sys, time
_t = [0.0]
def _probe(phase, info):
    if phase == "start":
        _t[0] = time.perf_counter()
        return
    d = time.perf_counter() - _t[0]
    if info["generation"] == 2 or d >= 0.001:
        sys.stderr.write("gc-pause gen=%d ms=%.3f at=%.6f\\n" % (info["generation"], d * 1e3,
                         time.time()))
gc.callbacks.append(_probe)
from monitor.cli import main
main()
"""
GC_LINE = re.compile(r"gc-pause gen=(\d) ms=(\d+\.\d+) at=(\d+\.\d+)")


def gc_pauses(
    lines: list[tuple[Any, str]], since: float = 0.0, until: float = float("inf")
) -> list[tuple[int, float, float]]:
    """Return ``(generation, pause ms, at)`` of the probe's lines stamped in [since, until)."""
    out = []
    for _, line in lines:
        if (m := GC_LINE.search(line)) and since <= float(m.group(3)) < until:
            out.append((int(m.group(1)), float(m.group(2)), float(m.group(3))))
    return out
