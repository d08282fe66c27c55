"""Benchmark the netlink link watcher against `ip monitor link`, in one run. Needs root.

    PYTHONPATH=. python bench/bench_links.py [--toggles 50] [--idle-seconds 60]

In a throw-away network namespace with a veth pair (eth0 watched, peer0 = the far
end of the cable), it starts two observers side by side, each a subprocess in the
namespace whose stdout lines are timestamped on arrival by this process:

- the watcher as users run it: ``link-monitor watch --json -i eth0`` under
  ``ip netns exec`` (the measured PID is the watcher itself: ``ip netns exec`` execs);
- the reference: ``ip monitor link`` in the same namespace.

Then it toggles peer0 (pyroute2 in the namespace; the clock is read just before the
request) and, per toggle, takes the first line of each observer that shows eth0 in
the expected state (online = LOWER_UP and state UP/UNKNOWN for `ip monitor`).
Latency = that line's arrival - the instant before the toggle. Then it leaves both
idle for --idle-seconds and reads /proc: CPU seconds, voluntary context switches
(all threads) and RSS. It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon_setup import namespace
from measure import Lines, ip_monitor_says, latency_summary, ms, proc_usage


class Observer:
    """A subprocess whose stdout lines are collected with their arrival time (ns)."""

    def __init__(self, argv: list[str]):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1, env=env
        )
        self.output = Lines(self.proc.stdout, clock=time.perf_counter_ns)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def watcher_says(online: bool):
    def match(line: str) -> bool:
        try:
            obj = json.loads(line)
        except ValueError:
            return False
        return obj.get("interface") == "eth0" and obj.get("online") is online

    return match


def run(toggles: int, idle_seconds: float, gap: float) -> None:
    from pyroute2 import IPRoute

    observers: list[Observer] = []
    with namespace("lmbench") as ns:
        try:
            ip = ["ip", "-n", ns]
            watcher = Observer(
                [
                    "ip",
                    "netns",
                    "exec",
                    ns,
                    sys.executable,
                    "-m",
                    "monitor",
                    "watch",
                    "--json",
                    "-i",
                    "eth0",
                ]
            )
            reference = Observer([*ip, "monitor", "link"])
            observers += [watcher, reference]
            if watcher.output.first(0, watcher_says(False), timeout=20) is None:
                raise SystemExit(f"watcher did not start: {watcher.proc.stderr.read()}")
            time.sleep(0.5)  # `ip monitor` prints nothing at start: give it time to subscribe

            ipr = IPRoute(netns=ns, flags=0)
            try:
                peer = ipr.link_lookup(ifname="peer0")[0]
                lat_w: list[float] = []  # seconds
                lat_ip: list[float] = []
                missed_w = missed_ip = 0
                for i in range(toggles):
                    online = i % 2 == 0
                    t0 = time.perf_counter_ns()
                    ipr.link("set", index=peer, state="up" if online else "down")
                    got_w = watcher.output.first(t0, watcher_says(online), timeout=2)
                    got_ip = reference.output.first(t0, ip_monitor_says(online), timeout=2)
                    if got_w is None:
                        missed_w += 1
                    else:
                        lat_w.append((got_w[0] - t0) / 1e9)
                    if got_ip is None:
                        missed_ip += 1
                    else:
                        lat_ip.append((got_ip[0] - t0) / 1e9)
                    time.sleep(gap)
            finally:
                ipr.close()
            reports = sum(1 for _at, line in watcher.output.lines if '"event": "change"' in line)

            before = {o: proc_usage(o.proc.pid) for o in observers}
            time.sleep(idle_seconds)
            after = {o: proc_usage(o.proc.pid) for o in observers}

            print(
                f"link watcher benchmark: {toggles} toggles of a veth peer in a namespace "
                f"(kernel {os.uname().release}, {os.cpu_count()} CPU)"
            )
            print()
            print("latency, toggle -> line   p50 ms   p95 ms   max ms   missed")
            print(f"  link-monitor watch     {latency_summary(lat_w)}   {missed_w}")
            print(f"  ip monitor link        {latency_summary(lat_ip)}   {missed_ip}")
            diffs = sorted(w - r for w, r in zip(lat_w, lat_ip, strict=False))
            if diffs:
                print(
                    f"  watcher - ip monitor   {ms(statistics.median(diffs))} (p50 of per-toggle "
                    f"differences)"
                )
            print(f"  watcher change reports: {reports} for {toggles} toggles")
            print()
            minutes = idle_seconds / 60
            print(
                f"idle {idle_seconds:g} s                CPU s   vol. switches/min   RSS MiB  threads"
            )
            for name, o in (("link-monitor watch", watcher), ("ip monitor link", reference)):
                cpu = after[o]["cpu"] - before[o]["cpu"]
                sw = (after[o]["switches"] - before[o]["switches"]) / minutes
                print(
                    f"  {name:<22} {cpu:6.2f}   {sw:17.1f}   {after[o]['rss'] / 1024:7.1f}  "
                    f"{after[o]['threads']:7d}"
                )
        finally:
            for o in observers:
                o.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toggles", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--gap", type=float, default=0.05, help="pause after each toggle, seconds (default 0.05)"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_links.py needs root (it creates a network namespace)")
    run(args.toggles, args.idle_seconds, args.gap)


if __name__ == "__main__":
    main()
