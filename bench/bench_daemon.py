"""Benchmark the whole daemon (`link-monitor run`) in a network namespace. Needs root.

    PYTHONPATH=. python bench/bench_daemon.py [--toggles 50] [--idle-seconds 60]
        [--strace-seconds 60] [--mails 5] [--storm 1000] [--storm-seconds 10] [--storms 3]

In a throw-away namespace with a veth pair (eth0 watched, peer0 = the far end of
the cable), with clinic hours around now (so a plug means ``alarm``), gpiozero's
mock pins (``GPIOZERO_PIN_FACTORY=mock``, the GPIO indicator code path) and a real
SMTP server (aiosmtpd) on the namespace's loopback as the alert destination, as on
a receipt PC: the start notice and every alert are really sent.

1. start-up: from spawning ``link-monitor run`` to ``READY=1`` on our own
   ``NOTIFY_SOCKET`` (median of --starts runs);
2. latency: --toggles plugs/unplugs; per toggle, from the wall clock just before the
   request to (a) the daemon's own timestamp logged when ``indicator.show`` returned
   (``-v``: "indicator P shown at t=..."), (b) that log line's arrival here, and
   (c) the matching line of ``ip monitor link`` running at the same time;
3. idle: wake-ups per minute per thread (voluntary + nonvoluntary context switches
   from /proc/PID/task/*/status), CPU seconds and RSS of the daemon over
   --idle-seconds with the systemd watchdog at 30 s (pings every 15 s), once it has
   sent every alert and --quiet-seconds more have passed; its peak RSS since
   start-up; then fsync + fdatasync calls over --strace-seconds more
   (``strace -f -c -p PID``), scaled to an idle hour;
4. plug -> mail: --mails plugs (clinic hours: one alarm mail each), from the plug to
   the mail file appearing in the SMTP server's folder, minus ``link.settle``;
   alternately, a plain smtplib script (a new interpreter in the namespace) sending
   that same mail to the same server, from its spawn to its mail appearing;
5. storm: --storm toggles in --storm-seconds, ending unplugged: final state, alerts per
   kind per session (from the register's outbox), CPU used;
6. RSS once quiet again (outbox drained) after each of --storms storms;
7. GC pauses per phase, from a probe on ``gc.callbacks`` installed in the daemon
   (``python -c GC_PROBE run ...``: every full collection, and any pause >= 1 ms);
8. idle without a watchdog: a new daemon without ``WATCHDOG_USEC``, wake-ups per thread.

It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon_probes import (
    direct_send,
    drain,
    fsyncs,
    gc_report,
    idle_wakeups,
    plug_to_mail,
    toggle_storm,
    wakeup_line,
)
from daemon_setup import Daemon, namespace, write_config
from measure import Lines, ip_monitor_says, latency_summary, ms, proc_usage

from tests.support.smtp_sink import SmtpSink

SETTLE = 0.2  # link.settle of the benchmark's config
DEFAULT_SETTLE = 2.0  # link.settle's default, for the last plugs
SHOWN = re.compile(r"indicator (\w+) shown at t=(\d+\.\d+)")


def shown(pattern: str):
    def match(line: str):
        m = SHOWN.search(line)
        return float(m.group(2)) if m and m.group(1) == pattern else None

    return match


@dataclass
class Bench:
    """What the phases share: the namespace, its far end of the cable, the folder, the
    SMTP server, the daemon running now and the phases' time spans (for GC pauses)."""

    args: Any
    ns: str
    folder: Path
    smtp: SmtpSink
    ipr: Any = None  # pyroute2 IPRoute in the namespace
    peer: int = 0
    daemon: Daemon | None = None
    phases: list[tuple[str, float, float]] = field(default_factory=list)

    def set_peer(self, up: bool) -> None:
        self.ipr.link("set", index=self.peer, state="up" if up else "down")

    def last_mail(self) -> Path:
        return max(self.smtp.folder.glob("*.eml"))


def start_up(b: Bench, config: Path) -> None:
    """1. spawn -> READY=1, --starts times; the last daemon stays."""
    starts = []
    for _ in range(b.args.starts):
        b.daemon = Daemon(b.ns, config, b.folder / "notify.sock", gc_probe=True, watchdog=True)
        starts.append(b.daemon.wait_ready())
        if len(starts) < b.args.starts:
            b.daemon.stop()
    print(
        f"start-up to READY=1 (s): median {statistics.median(starts):.3f} "
        f"of {', '.join(f'{s:.3f}' for s in starts)}"
    )
    b.phases.append(("start-up (last start)", b.daemon.t0, b.daemon.t0 + starts[-1]))


def latency(b: Bench) -> None:
    """2. link change -> lamp, beside ``ip monitor link``."""
    assert b.daemon is not None
    monitor = subprocess.Popen(
        ["ip", "-n", b.ns, "monitor", "link"], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        ref = Lines(monitor.stdout)
        time.sleep(0.5)  # `ip monitor` prints nothing at start: let it subscribe
        internal, arrival, reference = [], [], []
        t_toggles = time.time()
        for i in range(b.args.toggles):
            up = i % 2 == 0
            t0 = time.time()
            b.set_peer(up)
            got = b.daemon.log.first(t0, shown("alarm" if up else "off"))
            r = ref.first(t0, ip_monitor_says(up))
            if got is not None:
                internal.append(got[1] - t0)
                arrival.append(got[0] - t0)
            if r is not None:
                reference.append(r[0] - t0)
            time.sleep(b.args.gap)
        b.phases.append((f"{b.args.toggles} toggles", t_toggles, time.time()))
    finally:
        monitor.terminate()
        monitor.wait()
    print(
        f"\nlink change -> indicator pattern, {b.args.toggles} toggles "
        f"(ms: p50 p95 max), missed {b.args.toggles - len(internal)}"
    )
    print(f"  daemon, indicator.show returned   {latency_summary(internal)}")
    print(f"  daemon, its log line arrived      {latency_summary(arrival)}")
    print(f"  ip monitor link, line arrived     {latency_summary(reference)}")
    if internal and reference:
        diff = statistics.median(internal) - statistics.median(reference)
        print(f"  p50 difference (show - ip monitor) {ms(diff)}")


def idle(b: Bench) -> None:
    """3. idle: wake-ups per thread, CPU, RSS; then fsync calls under strace."""
    assert b.daemon is not None
    drain(b.folder)
    time.sleep(b.args.quiet_seconds)  # past the daemon's warm_for: idle for real
    pid = b.daemon.proc.pid
    t_idle = time.time()
    before = proc_usage(pid)
    wakeups = idle_wakeups(pid, b.args.idle_seconds)
    after = proc_usage(pid)
    b.phases.append(("idle", t_idle, time.time()))
    print(
        f"\nidle {b.args.idle_seconds:.0f} s (watchdog pings every 15 s, GPIO "
        f"indicator on mock pins with its heartbeat):"
    )
    print(
        f"  wake-ups/min per thread (voluntary + nonvoluntary context switches): "
        f"{wakeup_line(wakeups)}"
    )
    print(
        f"  CPU {after['cpu'] - before['cpu']:.2f} s, "
        f"RSS {after['rss'] / 1024:.1f} MiB, threads {after['threads']}"
    )
    print(
        f"  peak RSS since start-up {after['hwm'] / 1024:.1f} MiB; "
        f"{len(b.smtp.messages())} mails received by then"
    )
    calls = fsyncs(pid, b.args.strace_seconds, b.folder / "strace.txt")
    per_hour = (calls["fdatasync"] + calls["fsync"]) * 3600 / b.args.strace_seconds
    print(
        f"  idle {b.args.strace_seconds:.0f} s under strace: fdatasync "
        f"{calls['fdatasync']}, fsync {calls['fsync']} -> {per_hour:.0f} per idle hour"
    )


def mails(b: Bench, settle: float, eml: Path) -> None:
    """4. plug -> mail minus ``settle``, alternately with a plain smtplib script
    sending ``eml`` (the same mail) to the same server."""
    t_mail = time.time()
    took, direct, own = [], [], []
    for _ in range(b.args.mails):
        if (m := plug_to_mail(b.ipr, b.peer, b.folder, b.smtp, settle)) is not None:
            took.append(m)
        seen, by_itself = direct_send(b.ns, b.smtp, eml)
        if seen is not None:
            direct.append(seen)
        own.append(by_itself)
    b.phases.append((f"{b.args.mails} plugs -> mail", t_mail, time.time()))
    print(
        f"\nplug -> mail seen, minus link.settle = {settle * 1000:.0f} ms, {b.args.mails} "
        f"plugs (ms: p50 p95 max), missed {b.args.mails - len(took)}"
    )
    print(f"  daemon                                  {latency_summary(took)}")
    print(f"  smtplib script, spawn -> mail seen      {latency_summary(direct)}")
    print(f"  smtplib script, its own send            {latency_summary(own)}")
    if took and direct:
        ratio = statistics.median(took) / statistics.median(direct)
        print(f"  ratio of medians (daemon / script) {ratio:.2f}")


def storm(b: Bench) -> None:
    """5. a storm: final state, alerts per kind per session, CPU; 6. RSS once quiet
    after each of --storms storms."""
    from monitor.control import request
    from monitor.register import Register

    assert b.daemon is not None
    pid = b.daemon.proc.pid
    before = proc_usage(pid)
    t_storm = time.time()
    took = toggle_storm(b.ipr, b.peer, b.args.storm, b.args.storm_seconds)  # ends unplugged
    time.sleep(1.0)  # settle (200 ms) + closing the session
    after = proc_usage(pid)
    st = request(b.folder / "control.sock", {"cmd": "status"})
    with Register.open_readonly(b.folder / "register.db") as reg:
        rows = reg.outbox(include_delivered=True)
        sessions = reg.sessions()
    per: dict[tuple[str, str, int], int] = {}
    for row in rows:
        if row.session_id:
            key = (row.session_id, str(row.kind), row.reminder)
            per[key] = per.get(key, 0) + 1
    print(
        f"\nstorm: {b.args.storm} toggles in {took:.1f} s, final state "
        f"online={st['online']} pattern={st['pattern']} "
        f"(expected online=False pattern=off), session open: {st['session'] is not None}"
    )
    print(
        f"  sessions in the register {len(sessions)}, alerts raised by kind "
        f"{sorted({k[1] for k in per})}, most alerts of one kind in one session: "
        f"{max(per.values(), default=0)}"
    )
    print(f"  CPU used {after['cpu'] - before['cpu']:.2f} s, RSS {after['rss'] / 1024:.1f} MiB")
    rss = []
    for n in range(b.args.storms):
        if n:
            toggle_storm(b.ipr, b.peer, b.args.storm, b.args.storm_seconds)
        drain(b.folder)
        time.sleep(10)  # past the daemon's heap trim (5 s after a session)
        rss.append(proc_usage(pid)["rss"] / 1024)
    print(
        f"\nRSS once quiet (outbox drained, +10 s) after each of {b.args.storms} "
        f"storm(s): {', '.join(f'{r:.1f}' for r in rss)} MiB"
    )
    b.phases.append(("storms and quiet", t_storm, time.time()))


def without_watchdog(b: Bench, eml: Path) -> None:
    """8. a daemon without a watchdog and with the default settle: idle wake-ups, then
    plug -> mail once more."""
    config = write_config(b.folder, [b.smtp.url], DEFAULT_SETTLE)
    b.daemon = Daemon(b.ns, config, b.folder / "notify.sock", gc_probe=True)
    b.daemon.wait_ready()
    drain(b.folder)
    time.sleep(b.args.quiet_seconds)
    wakeups = idle_wakeups(b.daemon.proc.pid, b.args.idle_seconds)
    print(
        f"\nidle {b.args.idle_seconds:.0f} s without a watchdog: wake-ups/min per "
        f"thread {wakeup_line(wakeups)}"
    )
    mails(b, DEFAULT_SETTLE, eml)


def last_words(daemon: Daemon) -> None:
    """Why the daemon is gone or stuck: its last log lines."""
    code = daemon.proc.poll()
    state = f"exited with {code}" if code is not None else "running"
    print(f"\ndaemon {state}; last log lines:", file=sys.stderr)
    for _, line in daemon.log.lines[-30:]:
        print("  " + line.rstrip(), file=sys.stderr)


def phases(b: Bench) -> None:
    """Every phase in order, in the namespace set up by ``run``."""
    from pyroute2 import IPRoute

    start_up(b, write_config(b.folder, [b.smtp.url], SETTLE))
    b.ipr = IPRoute(netns=b.ns, flags=0)
    b.peer = b.ipr.link_lookup(ifname="peer0")[0]
    latency(b)
    idle(b)
    eml = b.last_mail()
    mails(b, SETTLE, eml)
    storm(b)
    assert b.daemon is not None
    b.daemon.stop()
    gc_report(b.daemon.log.lines, b.phases)
    b.daemon = None
    without_watchdog(b, eml)


def run(args) -> None:
    with namespace("lmbd") as ns, TemporaryDirectory(prefix="lmbd-") as tmp:
        folder = Path(tmp)
        b = Bench(args, ns, folder, SmtpSink(folder / "mail", netns=ns).start())
        try:
            phases(b)
        except BaseException:
            if b.daemon is not None:
                last_words(b.daemon)
            raise
        finally:
            if b.daemon is not None:
                b.daemon.stop()
            if b.ipr is not None:
                b.ipr.close()
            b.smtp.stop()


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench_daemon.py needs root (it creates a network namespace)")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--toggles", type=int, default=50)
    ap.add_argument("--gap", type=float, default=0.3, help="seconds between toggles")
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument(
        "--strace-seconds",
        type=float,
        default=60.0,
        help="idle window under strace counting fsync/fdatasync",
    )
    ap.add_argument("--mails", type=int, default=5, help="plugs timed to their mail")
    ap.add_argument(
        "--quiet-seconds",
        type=float,
        default=65.0,
        help="wait after the outbox drained before an idle window (the daemon "
        "lets the send child got ready at the last link-up go 60 s after it)",
    )
    ap.add_argument("--storm", type=int, default=1000)
    ap.add_argument("--storm-seconds", type=float, default=10.0)
    ap.add_argument(
        "--storms",
        type=int,
        default=3,
        help="storms after which RSS is read once quiet (the first is step 4)",
    )
    run(ap.parse_args())


if __name__ == "__main__":
    main()
