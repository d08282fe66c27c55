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
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from measure import (
    GC_PROBE,
    Lines,
    gc_pauses,
    ip_monitor_says,
    latency_summary,
    ms,
    proc_usage,
    thread_wakeups,
    wakeups_per_minute,
)

from tests.support.daemon import LATER, NOW, hours
from tests.support.smtp_sink import SmtpSink

SETTLE = 0.2  # link.settle of the config below
DEFAULT_SETTLE = 2.0  # link.settle's default, for the last plugs
SHOWN = re.compile(r"indicator (\w+) shown at t=(\d+\.\d+)")


def write_config(folder: Path, smtp_url: str, settle: float = SETTLE) -> Path:
    path = folder / f"config-{settle:g}s.toml"
    path.write_text(f"""
timezone = "Asia/Tokyo"
[[clinic]]
days = ["all"]
hours = "{hours(*NOW)}"
[[maintenance]]
days = ["all"]
hours = "{hours(*LATER)}"
[link]
interfaces = ["eth*"]
settle = "{settle * 1000:.0f}ms"
[indicator]
kind = "auto"
[alerts]
urls = ["{smtp_url}"]
[store]
path = "{folder}/register.db"
[control]
socket = "{folder}/control.sock"
""")
    return path


class Daemon:
    """``link-monitor run -v`` in the namespace, with the GC probe installed (one stderr
    line per full collection or pause of 1 ms or more) and, unless ``watchdog`` is
    False, ``WATCHDOG_USEC`` = 30 s."""

    def __init__(self, ns: str, config: Path, notify: Path, *, watchdog: bool = True):
        self.notify_path = notify
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(notify))
        self.notify.settimeout(30)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GPIOZERO_PIN_FACTORY": "mock",
               "NOTIFY_SOCKET": str(notify)}
        if watchdog:
            env["WATCHDOG_USEC"] = "30000000"
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-c", GC_PROBE, "run", "-v",
             "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1, env=env,
            cwd=ROOT)  # `-c` looks in the working directory first
        self.log = Lines(self.proc.stderr)

    def wait_ready(self) -> float:
        """Return seconds from spawning to READY=1."""
        while True:
            data = self.notify.recv(4096).decode()
            if data.startswith("READY=1"):
                return time.time() - self.t0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.notify.close()
        self.notify_path.unlink(missing_ok=True)


def drain(folder: Path, limit: float = 300) -> None:
    """Return once no session is open and the outbox is empty (or after ``limit`` s)."""
    from monitor.control import request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        st = request(folder / "control.sock", {"cmd": "status"})
        if st["session"] is None and not st["outbox"]["pending"]:
            return
        time.sleep(0.5)


def shown(pattern: str):
    def match(line: str):
        m = SHOWN.search(line)
        return float(m.group(2)) if m and m.group(1) == pattern else None
    return match


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
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", SEND_SCRIPT,
                          str(smtp.port), str(eml)], capture_output=True, text=True, check=True)
    seen = wait_mail(smtp.folder, count)
    return (seen - t0 if seen is not None else None), float(out.stdout)


def plug_to_mail(ipr, peer: int, folder: Path, smtp: SmtpSink, settle: float) -> float | None:
    """Plug (clinic hours: an alarm and its mail), return plug -> mail seen minus the
    settle time; unplug and wait until the register is quiet again."""
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
    tracer = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=fdatasync,fsync", "-o",
                               str(out), "-p", str(pid)], stderr=subprocess.DEVNULL)
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
        print(f"  {name:<28} full collections {len(full)}"
              f" (longest {max(full, default=0.0):.1f} ms), pauses >= 1 ms {len(pauses)},"
              f" longest pause {worst:.1f} ms")


def run(args) -> None:
    from pyroute2 import IPRoute

    from monitor.control import request
    from monitor.register import Register

    ns = f"lmbd-{os.getpid()}-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    daemon = None
    monitor = None
    smtp = None
    try:
        ip = ["ip", "-n", ns]
        subprocess.run([*ip, "link", "set", "lo", "up"], check=True)
        subprocess.run([*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"],
                       check=True)
        subprocess.run([*ip, "link", "set", "eth0", "up"], check=True)
        with TemporaryDirectory(prefix="lmbd-") as tmp:
            folder = Path(tmp)
            smtp = SmtpSink(folder / "mail", netns=ns).start()
            config = write_config(folder, smtp.url)

            # 1. start-up to READY=1
            starts = []
            for _ in range(args.starts):
                daemon = Daemon(ns, config, folder / "notify.sock")
                starts.append(daemon.wait_ready())
                if len(starts) < args.starts:
                    daemon.stop()
            print(f"start-up to READY=1 (s): median {statistics.median(starts):.3f} "
                  f"of {', '.join(f'{s:.3f}' for s in starts)}")
            phases = [("start-up (last start)", daemon.t0, daemon.t0 + starts[-1])]

            # 2. latency beside ip monitor link
            monitor = subprocess.Popen([*ip, "monitor", "link"], stdout=subprocess.PIPE,
                                       text=True, bufsize=1)
            ref = Lines(monitor.stdout)
            time.sleep(0.5)  # `ip monitor` prints nothing at start: let it subscribe
            ipr = IPRoute(netns=ns, flags=0)
            peer = ipr.link_lookup(ifname="peer0")[0]
            internal, arrival, reference, missed = [], [], [], 0
            t_toggles = time.time()
            for i in range(args.toggles):
                up = i % 2 == 0
                t0 = time.time()
                ipr.link("set", index=peer, state="up" if up else "down")
                got = daemon.log.first(t0, shown("alarm" if up else "off"))
                r = ref.first(t0, ip_monitor_says(up))
                if got is None:
                    missed += 1
                else:
                    internal.append(got[1] - t0)
                    arrival.append(got[0] - t0)
                if r is not None:
                    reference.append(r[0] - t0)
                time.sleep(args.gap)
            phases.append((f"{args.toggles} toggles", t_toggles, time.time()))
            print(f"\nlink change -> indicator pattern, {args.toggles} toggles "
                  f"(ms: p50 p95 max), missed {missed}")
            print(f"  daemon, indicator.show returned   {latency_summary(internal)}")
            print(f"  daemon, its log line arrived      {latency_summary(arrival)}")
            print(f"  ip monitor link, line arrived     {latency_summary(reference)}")
            if internal and reference:
                print(f"  p50 difference (show - ip monitor) "
                      f"{ms(statistics.median(internal) - statistics.median(reference))}")

            # 3. idle: once the last session has closed and the outbox has drained (the
            # worker paces sends 1 s apart, so the toggles' alerts take a while)
            drain(folder)
            time.sleep(args.quiet_seconds)  # past the daemon's warm_for: idle for real
            pid = daemon.proc.pid
            t_idle = time.time()
            before = proc_usage(pid)
            wakeups = idle_wakeups(pid, args.idle_seconds)
            after = proc_usage(pid)
            phases.append(("idle", t_idle, time.time()))
            print(f"\nidle {args.idle_seconds:.0f} s (watchdog pings every 15 s, GPIO "
                  f"indicator on mock pins with its heartbeat):")
            print(f"  wake-ups/min per thread (voluntary + nonvoluntary context switches): "
                  f"{wakeup_line(wakeups)}")
            print(f"  CPU {after['cpu'] - before['cpu']:.2f} s, "
                  f"RSS {after['rss'] / 1024:.1f} MiB, threads {after['threads']}")
            print(f"  peak RSS since start-up {after['hwm'] / 1024:.1f} MiB; "
                  f"{len(smtp.messages())} mails received by then")
            calls = fsyncs(pid, args.strace_seconds, folder / "strace.txt")
            scale = 3600 / args.strace_seconds
            print(f"  idle {args.strace_seconds:.0f} s under strace: fdatasync "
                  f"{calls['fdatasync']}, fsync {calls['fsync']} -> "
                  f"{(calls['fdatasync'] + calls['fsync']) * scale:.0f} per idle hour")

            # plug -> mail (clinic hours: one alarm mail), beside a plain smtplib script
            # sending that same mail to the same server, alternately
            t_mail = time.time()
            eml = max(smtp.folder.glob("*.eml"))
            mails, direct, direct_send_only = [], [], []
            for _ in range(args.mails):
                if (m := plug_to_mail(ipr, peer, folder, smtp, SETTLE)) is not None:
                    mails.append(m)
                seen, own = direct_send(ns, smtp, eml)
                if seen is not None:
                    direct.append(seen)
                direct_send_only.append(own)
            phases.append((f"{args.mails} plugs -> mail", t_mail, time.time()))
            print(f"\nplug -> mail seen, minus the settle time, {args.mails} plugs "
                  f"(ms: p50 p95 max), missed {args.mails - len(mails)}")
            print(f"  daemon                                  {latency_summary(mails)}")
            print(f"  smtplib script, spawn -> mail seen      {latency_summary(direct)}")
            print(f"  smtplib script, its own send            {latency_summary(direct_send_only)}")
            if mails and direct:
                print(f"  ratio of medians (daemon / script) "
                      f"{statistics.median(mails) / statistics.median(direct):.2f}")

            # 4. storm
            before = proc_usage(pid)
            t_storm = time.time()
            t_start = time.monotonic()
            gap = args.storm_seconds / args.storm
            for i in range(args.storm):
                ipr.link("set", index=peer, state="up" if i % 2 == 0 else "down")
                delay = t_start + (i + 1) * gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            took = time.monotonic() - t_start
            time.sleep(1.0)  # settle (200 ms) + closing the session
            after = proc_usage(pid)
            st = request(folder / "control.sock", {"cmd": "status"})
            with Register.open_readonly(folder / "register.db") as reg:
                rows = reg.outbox(include_delivered=True)
                sessions = reg.sessions()
            per: dict[tuple[str, str, int], int] = {}
            for row in rows:
                if row.session_id:
                    key = (row.session_id, str(row.kind), row.reminder)
                    per[key] = per.get(key, 0) + 1
            worst = max(per.values(), default=0)
            kinds = sorted({k[1] for k in per})
            print(f"\nstorm: {args.storm} toggles in {took:.1f} s, final state "
                  f"online={st['online']} pattern={st['pattern']} "
                  f"(expected online=False pattern=off), session open: {st['session'] is not None}")
            print(f"  sessions in the register {len(sessions)}, alerts raised by kind "
                  f"{kinds}, most alerts of one kind in one session: {worst}")
            print(f"  CPU used {after['cpu'] - before['cpu']:.2f} s, "
                  f"RSS {after['rss'] / 1024:.1f} MiB")

            # 5. RSS once quiet again, after each of --storms storms (does it keep growing?)
            rss = []
            for n in range(args.storms):
                if n:
                    for i in range(args.storm):
                        ipr.link("set", index=peer, state="up" if i % 2 == 0 else "down")
                        time.sleep(gap)
                drain(folder)
                time.sleep(10)  # past the daemon's heap trim (5 s after a session)
                rss.append(proc_usage(pid)["rss"] / 1024)
            print(f"\nRSS once quiet (outbox drained, +10 s) after each of {args.storms} "
                  f"storm(s): {', '.join(f'{r:.1f}' for r in rss)} MiB")
            phases.append(("storms and quiet", t_storm, time.time()))
            ipr.close()
            daemon.stop()
            gc_report(daemon.log.lines, phases)

            # 6. idle without a watchdog (no WatchdogSec=): a daemon of its own, with
            # the default link.settle (2 s): plug -> mail once more
            config = write_config(folder, smtp.url, DEFAULT_SETTLE)
            daemon = Daemon(ns, config, folder / "notify.sock", watchdog=False)
            daemon.wait_ready()
            drain(folder)
            time.sleep(args.quiet_seconds)
            wakeups = idle_wakeups(daemon.proc.pid, args.idle_seconds)
            print(f"\nidle {args.idle_seconds:.0f} s without a watchdog: wake-ups/min per "
                  f"thread {wakeup_line(wakeups)}")
            ipr = IPRoute(netns=ns, flags=0)
            mails, direct = [], []
            for _ in range(args.mails):
                if (m := plug_to_mail(ipr, peer, folder, smtp, DEFAULT_SETTLE)) is not None:
                    mails.append(m)
                if (seen := direct_send(ns, smtp, eml)[0]) is not None:
                    direct.append(seen)
            ipr.close()
            print(f"plug -> mail seen, minus the settle time, link.settle = 2 s (the default), "
                  f"{args.mails} plugs (ms: p50 p95 max), missed {args.mails - len(mails)}")
            print(f"  daemon                                  {latency_summary(mails)}")
            print(f"  smtplib script, spawn -> mail seen      {latency_summary(direct)}")
            if mails and direct:
                print(f"  ratio of medians (daemon / script) "
                      f"{statistics.median(mails) / statistics.median(direct):.2f}")
            daemon.stop()
            daemon = None
    except BaseException:
        if daemon is not None:  # why the daemon is gone or stuck: its last words
            code = daemon.proc.poll()
            print(f"\ndaemon {'exited with ' + str(code) if code is not None else 'running'}; "
                  "last log lines:", file=sys.stderr)
            for _, line in daemon.log.lines[-30:]:
                print("  " + line.rstrip(), file=sys.stderr)
        raise
    finally:
        if monitor is not None:
            monitor.terminate()
            monitor.wait()
        if daemon is not None:
            daemon.stop()
        if smtp is not None:
            smtp.stop()
        subprocess.run(["ip", "netns", "del", ns], check=False)


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench_daemon.py needs root (it creates a network namespace)")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--toggles", type=int, default=50)
    ap.add_argument("--gap", type=float, default=0.3, help="seconds between toggles")
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument("--strace-seconds", type=float, default=60.0,
                    help="idle window under strace counting fsync/fdatasync")
    ap.add_argument("--mails", type=int, default=5, help="plugs timed to their mail")
    ap.add_argument("--quiet-seconds", type=float, default=65.0,
                    help="wait after the outbox drained before an idle window (the daemon "
                    "lets the send child got ready at the last link-up go 60 s after it)")
    ap.add_argument("--storm", type=int, default=1000)
    ap.add_argument("--storm-seconds", type=float, default=10.0)
    ap.add_argument("--storms", type=int, default=3,
                    help="storms after which RSS is read once quiet (the first is step 4)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
