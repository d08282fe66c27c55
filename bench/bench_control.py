"""Benchmark the control socket of a running daemon (`link-monitor run`). Needs root.

    PYTHONPATH=. python bench/bench_control.py [--storm 1000] [--storm-seconds 10]
                                               [--tree PATH]

The set-up of bench_daemon.py (a throw-away namespace with a veth pair, clinic hours
around now, mock GPIO pins, a real SMTP server on the namespace's loopback), then:

1. reference: --quiet `status` requests one after another on a quiet daemon;
2. storm: --storm toggles of the cable in --storm-seconds (bench_daemon's storm)
   while a thread asks `status` every --every seconds, each on a new connection:
   the worst, p99 and p50 latency from connect to the reply, and the requests
   not answered within --timeout;
3. lock-out: --idle idle connections from this uid (as one group member could open),
   then `status` from a new connection: its latency;
4. hostile requests (issue 15): each one's reply.

``--tree`` runs the daemon of another checkout (e.g. main before a change) with the
same benchmark code. It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon_probes import toggle_storm
from daemon_setup import Daemon, namespace, write_config
from measure import ms

from tests.support.smtp_sink import SmtpSink

SETTLE = 0.2  # link.settle of the benchmark's config (bench_daemon's)
HOSTILE = [
    (
        "for 99999999999h",
        b'{"cmd":"permit","purpose":"other","company":"C","staff":"S","for":"99999999999h"}',
    ),
    ("for 1e308", b'{"cmd":"permit","purpose":"other","company":"C","staff":"S","for":1e308}'),
    (
        "for Infinity",
        b'{"cmd":"permit","purpose":"other","company":"C","staff":"S","for":Infinity}',
    ),
    ('"[" * 3000', b"[" * 3000),
    ('id "\\ud800"', b'{"cmd":"status","id":"\\ud800"}'),
    ('company "\\ud800"', b'{"cmd":"permit","purpose":"other","company":"\\ud800","staff":"S"}'),
]


def exchange(path: Path, line: bytes, timeout: float) -> tuple[float, bytes]:
    """Return (seconds from connect to the reply's end, the reply) of one request."""
    t0 = time.perf_counter()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(line + b"\n")
        out = b""
        while not out.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    return time.perf_counter() - t0, out


def status_latency(path: Path, timeout: float) -> float | None:
    try:
        took, out = exchange(path, b'{"cmd": "status"}', timeout)
    except OSError:
        return None
    return took if out.startswith(b'{"ok": true') else None


def summary(values: list[float]) -> str:
    if not values:
        return "no answer"
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return (
        f"worst {ms(values[-1])}, p99 {ms(p99)}, p50 {ms(statistics.median(values))} "
        f"({len(values)} answered)"
    )


def storm(ns: str, sock: Path, args) -> None:
    from pyroute2 import IPRoute

    ipr = IPRoute(netns=ns, flags=0)
    peer = ipr.link_lookup(ifname="peer0")[0]
    latencies: list[float] = []
    missed = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal missed
        while not stop.is_set():
            took = status_latency(sock, args.timeout)
            if took is None:
                missed += 1
            else:
                latencies.append(took)
            stop.wait(args.every)

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    took = toggle_storm(ipr, peer, args.storm, args.storm_seconds)  # bench_daemon.py's storm
    stop.set()
    asker.join(args.timeout + 1)
    ipr.close()
    print(
        f"\nstorm: {args.storm} toggles in {took:.1f} s; `status` every "
        f"{args.every * 1000:.0f} ms on a new connection:"
    )
    print(
        f"  status latency during the storm: {summary(latencies)}, "
        f"not answered within {args.timeout:.0f} s: {missed}"
    )


def lock_out(sock: Path, args) -> None:
    idle = []
    try:
        for _ in range(args.idle):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(sock))
            idle.append(s)
        time.sleep(0.1)
        took, out = exchange(sock, b'{"cmd": "status"}', args.timeout)
        ok = out.startswith(b'{"ok": true')
        print(
            f"\nlock-out: {args.idle} idle connections from this uid, then `status`: "
            f"{'answered' if ok else 'refused: ' + out.decode(errors='replace').strip()} "
            f"in {ms(took)}"
        )
    finally:
        for s in idle:
            s.close()


def hostile(sock: Path, args) -> None:
    print("\nhostile requests (issue 15):")
    for name, line in HOSTILE:
        try:
            took, out = exchange(sock, line, args.timeout)
            reply = out.decode("utf-8", errors="replace").strip() or "(no reply)"
        except OSError as exc:
            took, reply = 0.0, f"({type(exc).__name__}: {exc})"
        if reply.startswith("{"):
            with __import__("contextlib").suppress(ValueError):
                reply = json.loads(reply).get("error", reply)
        print(f"  {name:<20} {ms(took):>9}  {reply[:110]}")


def run(args) -> None:
    tree = Path(args.tree).resolve()
    daemon = smtp = None
    with namespace("lmbc") as ns, TemporaryDirectory(prefix="lmbc-") as tmp:
        folder = Path(tmp)
        try:
            smtp = SmtpSink(folder / "mail", netns=ns).start()
            # --indicator none: without the mock GPIO's threads
            config = write_config(folder, [smtp.url], SETTLE, indicator=args.indicator)
            sock = folder / "control.sock"
            daemon = Daemon(ns, config, folder / "notify.sock", tree=tree, verbose=False)
            daemon.wait_ready()
            print(f"daemon of {tree}")
            quiet = [
                t
                for t in (status_latency(sock, args.timeout) for _ in range(args.quiet))
                if t is not None
            ]
            print(f"reference, quiet daemon: status latency {summary(quiet)}")
            storm(ns, sock, args)
            time.sleep(1.0)
            lock_out(sock, args)
            hostile(sock, args)
            still = status_latency(sock, args.timeout)
            print(f"\nafterwards: status {'answered in ' + ms(still) if still else 'NOT answered'}")
            tracebacks = sum("Traceback" in line for _, line in daemon.log.lines)
            print(f"tracebacks in the daemon's log: {tracebacks}")
            daemon.stop()
            daemon = None
        finally:
            if daemon is not None:
                daemon.stop()
            if smtp is not None:
                smtp.stop()


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench_control.py needs root (it creates a network namespace)")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--storm", type=int, default=1000)
    ap.add_argument("--storm-seconds", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=0.02, help="seconds between status requests")
    ap.add_argument("--quiet", type=int, default=100)
    ap.add_argument("--idle", type=int, default=16)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--tree", default=str(ROOT), help="the checkout whose daemon runs")
    ap.add_argument("--indicator", default="auto", help="indicator.kind (auto: mock GPIO)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
