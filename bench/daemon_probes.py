"""What the daemon benchmarks measure and do besides the lamp: a storm of cable toggles,
mail arrival, a plain smtplib send for reference, fsync calls under strace, wake-ups per
thread, GC pauses, and waiting until the daemon is quiet (the daemon itself and its
namespace: daemon_setup.py). Imported by the bench scripts (run as
``python bench/NAME.py``: their folder is then first on sys.path, and the checkout's
root is put there too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from measure import gc_pauses, thread_wakeups, wakeups_per_minute

from tests.support.smtp_sink import SmtpSink


def toggle_storm(ipr, peer: int, toggles: int, seconds: float) -> float:
    """Set the far end ``peer`` up, down, up, ... ``toggles`` times evenly over
    ``seconds`` (``ipr``: pyroute2 IPRoute in the namespace); return the seconds taken."""
    t_start = time.monotonic()
    gap = seconds / toggles
    for i in range(toggles):
        ipr.link("set", index=peer, state="up" if i % 2 == 0 else "down")
        delay = t_start + (i + 1) * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return time.monotonic() - t_start


def drain(folder: Path, limit: float = 300) -> None:
    """Return once no session is open and the outbox is empty (or after ``limit`` s)."""
    from monitor.control import request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        st = request(folder / "control.sock", {"cmd": "status"})
        if st["session"] is None and not st["outbox"]["pending"]:
            return
        time.sleep(0.5)


SEND_SCRIPT = """
import smtplib, sys, time
data = open(sys.argv[2], "rb").read()
t = time.perf_counter()
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    s.sendmail("link-monitor@example.jp", ["kenko@example.jp"], data)
print(time.perf_counter() - t)
"""


def mail_count(folder: Path) -> int:
    return sum(1 for name in os.listdir(folder) if name.endswith(".eml"))


def wait_mail(folder: Path, count: int, timeout: float = 15.0) -> float | None:
    """Return the wall-clock time at which mail number ``count + 1`` was seen (polled
    every 0.5 ms: file times are only as fine as the kernel tick), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mail_count(folder) > count:
            return time.time()
        time.sleep(0.0005)
    return None


def direct_send(ns: str, smtp: SmtpSink, eml: Path) -> tuple[float | None, float]:
    """Send ``eml`` with a plain smtplib script (a new interpreter in the namespace,
    as the issue's reference); return (spawn -> mail seen, the script's own send time)."""
    count = mail_count(smtp.folder)
    t0 = time.time()
    out = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", SEND_SCRIPT, str(smtp.port), str(eml)],
        capture_output=True,
        text=True,
        check=True,
    )
    seen = wait_mail(smtp.folder, count)
    return (seen - t0 if seen is not None else None), float(out.stdout)


def plug_to_mail(ipr, peer: int, folder: Path, smtp: SmtpSink, settle: float) -> float | None:
    """Plug (clinic hours: an alarm and its mail), return plug -> mail seen minus the
    settle time; unplug and wait until the register is quiet again."""
    time.sleep(1.5)  # past the outbox's pace (1 s between two sends): a first alert
    count = mail_count(smtp.folder)
    t0 = time.time()
    ipr.link("set", index=peer, state="up")
    seen = wait_mail(smtp.folder, count)
    ipr.link("set", index=peer, state="down")
    drain(folder)
    return seen - t0 - settle if seen is not None else None


def fsyncs(pid: int, seconds: float, out: Path) -> dict[str, int]:
    """Return the fsync and fdatasync calls of every thread of ``pid`` over ``seconds``
    (strace -c attached meanwhile: it slows every traced call, so nothing else is
    measured in that window)."""
    tracer = subprocess.Popen(
        ["strace", "-f", "-c", "-e", "trace=fdatasync,fsync", "-o", str(out), "-p", str(pid)],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(20)
    calls = {"fsync": 0, "fdatasync": 0}
    for line in out.read_text().splitlines():
        parts = line.split()
        if parts and parts[-1] in calls:
            calls[parts[-1]] = int(parts[3])
    return calls


def idle_wakeups(pid: int, seconds: float) -> list[tuple[str, float]]:
    before = thread_wakeups(pid)
    time.sleep(seconds)
    return wakeups_per_minute(before, thread_wakeups(pid), seconds, pid)


def wakeup_line(rows: list[tuple[str, float]]) -> str:
    return ", ".join(f"{label} {n:.1f}" for label, n in rows)


def gc_report(lines, phases: list[tuple[str, float, float]]) -> None:
    print("\nGC pauses (the probe: full collections, and any of 1 ms or more), per phase:")
    for name, since, until in phases:
        pauses = gc_pauses(lines, since, until)
        full = [ms_ for gen, ms_, _ in pauses if gen == 2]
        worst = max((ms_ for _, ms_, _ in pauses), default=0.0)
        print(
            f"  {name:<28} full collections {len(full)}"
            f" (longest {max(full, default=0.0):.1f} ms), pauses >= 1 ms {len(pauses)},"
            f" longest pause {worst:.1f} ms"
        )
