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
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_daemon import write_config
from measure import Lines, ms

from tests.support.smtp_sink import SmtpSink

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


class Daemon:
    """``link-monitor run`` of ``tree`` in namespace ``ns``; READY=1 on our socket."""

    def __init__(self, ns: str, config: Path, notify: Path, tree: Path):
        self.notify_path = notify
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(notify))
        self.notify.settimeout(60)
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "GPIOZERO_PIN_FACTORY": "mock",
            "NOTIFY_SOCKET": str(notify),
        }
        self.proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                ns,
                sys.executable,
                "-m",
                "monitor",
                "run",
                "--config",
                str(config),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
            cwd=tree,
        )
        self.log = Lines(self.proc.stderr)

    def wait_ready(self) -> None:
        while not self.notify.recv(4096).decode().startswith("READY=1"):
            pass

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
    t_start = time.monotonic()
    gap = args.storm_seconds / args.storm
    for i in range(args.storm):  # bench_daemon.py's storm: up, down, ..., ending down
        ipr.link("set", index=peer, state="up" if i % 2 == 0 else "down")
        delay = t_start + (i + 1) * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    took = time.monotonic() - t_start
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
    ns = f"lmbc-{os.getpid()}-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    daemon = smtp = None
    try:
        ip = ["ip", "-n", ns]
        subprocess.run([*ip, "link", "set", "lo", "up"], check=True)
        subprocess.run(
            [*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"], check=True
        )
        subprocess.run([*ip, "link", "set", "eth0", "up"], check=True)
        with TemporaryDirectory(prefix="lmbc-") as tmp:
            folder = Path(tmp)
            smtp = SmtpSink(folder / "mail", netns=ns).start()
            config = write_config(folder, smtp.url)
            if args.indicator != "auto":  # e.g. "none": without the mock GPIO's threads
                text = config.read_text().replace('kind = "auto"', f'kind = "{args.indicator}"')
                config.write_text(text)
            sock = folder / "control.sock"
            daemon = Daemon(ns, config, folder / "notify.sock", tree)
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
        subprocess.run(["ip", "netns", "del", ns], check=False)


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
