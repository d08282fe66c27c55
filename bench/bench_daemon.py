"""Benchmark the whole daemon (`link-monitor run`) in a network namespace. Needs root.

    PYTHONPATH=. python bench/bench_daemon.py [--toggles 50] [--idle-seconds 60]
                                              [--storm 1000] [--storm-seconds 10]

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
3. idle: CPU seconds, voluntary context switches (all threads) and RSS of the daemon
   over --idle-seconds with the systemd watchdog at 30 s (pings every 15 s), after
   it has sent every alert; its peak RSS since start-up;
4. storm: --storm toggles in --storm-seconds, ending unplugged: final state, alerts per
   kind per session (from the register's outbox), CPU used;
5. RSS once quiet again (outbox drained) after each of --storms storms.

It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from measure import Lines, ip_monitor_says, latency_summary, ms, proc_usage

from tests.support.daemon import LATER, NOW, hours
from tests.support.smtp_sink import SmtpSink

SHOWN = re.compile(r"indicator (\w+) shown at t=(\d+\.\d+)")


def write_config(folder: Path, smtp_url: str) -> Path:
    path = folder / "config.toml"
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
settle = "200ms"
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
    def __init__(self, ns: str, config: Path, notify: Path):
        self.notify_path = notify
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(notify))
        self.notify.settimeout(30)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GPIOZERO_PIN_FACTORY": "mock",
               "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "30000000"}
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-m", "monitor", "run", "-v",
             "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1, env=env,
            cwd=ROOT)  # `-m monitor` looks in the working directory first
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

            # 2. latency beside ip monitor link
            monitor = subprocess.Popen([*ip, "monitor", "link"], stdout=subprocess.PIPE,
                                       text=True, bufsize=1)
            ref = Lines(monitor.stdout)
            time.sleep(0.5)  # `ip monitor` prints nothing at start: let it subscribe
            ipr = IPRoute(netns=ns, flags=0)
            peer = ipr.link_lookup(ifname="peer0")[0]
            internal, arrival, reference, missed = [], [], [], 0
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
            pid = daemon.proc.pid
            before = proc_usage(pid)
            time.sleep(args.idle_seconds)
            after = proc_usage(pid)
            minutes = args.idle_seconds / 60
            print(f"\nidle {args.idle_seconds:.0f} s (watchdog pings every 15 s, GPIO "
                  f"indicator on mock pins with its heartbeat):")
            print(f"  CPU {after['cpu'] - before['cpu']:.2f} s, voluntary context switches "
                  f"{(after['switches'] - before['switches']) / minutes:.0f}/min "
                  f"(event-loop thread {(after['main'] - before['main']) / minutes:.0f}/min), "
                  f"RSS {after['rss'] / 1024:.1f} MiB, threads {after['threads']}")
            print(f"  peak RSS since start-up {after['hwm'] / 1024:.1f} MiB; "
                  f"{len(smtp.messages())} mails received by then")

            # 4. storm
            before = proc_usage(pid)
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
            ipr.close()
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
    ap.add_argument("--storm", type=int, default=1000)
    ap.add_argument("--storm-seconds", type=float, default=10.0)
    ap.add_argument("--storms", type=int, default=3,
                    help="storms after which RSS is read once quiet (the first is step 4)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
