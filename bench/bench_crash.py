"""Every alert once and on time across ``kill -9`` (issue 13). Needs root.

    PYTHONPATH=. python bench/bench_crash.py [--cycles 100] [--seed N] [--settle 1.0]

In a throw-away network namespace with a veth pair (eth0 watched, peer0 = the far end
of the cable), clinic hours around now (every plug is a critical ``clinic-hours``
alert) and two real SMTP servers on the namespace's loopback (two destinations,
``tests/support/smtp_sink.py``), the real ``link-monitor run`` is

1. crash phase: plugged and unplugged ``--cycles`` times (held ``settle + 0.5..4 s``,
   apart ``settle + 0.3..2 s``) and killed with ``kill -9`` in about half of the cycles:
   at a random instant of the cycle, or just as a send child talks to a server; it is
   started again ``0.2..3 s`` later, and in half of the kills while plugged the cable
   is pulled while it is down. At the end the outbox is drained and the register read.
2. outage phase: both servers down, ``--outage-cycles`` plug/unplug cycles (their
   alerts fail and back off), the servers back, then a link comes up.

Figures: sessions lost (a plug with no session in the register overlapping it),
duplicate mails per (alert, destination) (an alert is one (session, kind, reminder)),
alerts never delivered (per destination), and for every critical alert the time from
it being raised, or from the restart that followed it, to its mail arriving (worst,
p50, and the target ``settle + 5 s``); for the outage: mails per alert and from the
link coming up to the last mail. The daemon's reference: start-up to READY=1 in the
same run. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon_setup import Daemon, namespace, write_config

from tests.support.smtp_sink import SmtpSink


@dataclass
class Cycle:
    plugged: float  # wall time
    unplugged: float = 0.0
    killed: str = ""  # "", "random", "mid-send"
    killed_after: float = 0.0  # seconds after the plug
    pulled_while_down: bool = False


@dataclass
class Run:
    cycles: list[Cycle] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)  # wall time of each (re)start
    ready: list[float] = field(default_factory=list)


def sending(store: Path) -> bool:
    """Return True while a send child holds a claim (it talks to a server)."""
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        return db.execute("SELECT 1 FROM alerts WHERE claim_pid IS NOT NULL").fetchone() is not None


def norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines())


def mails(folder: Path) -> list[tuple[str, str, float]]:
    """(subject, body, arrival wall time) of every message a sink received."""
    out = []
    for p in sorted(folder.glob("*.eml")):
        m = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        body = m.get_body(preferencelist=("plain",))
        out.append((str(m["subject"]), norm(body.get_content() if body else ""), p.stat().st_mtime))
    return out


def drain(store: Path, limit: float) -> bool:
    from monitor.register import Register

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with Register.open_readonly(store) as reg:
            if not reg.outbox():
                return True
        time.sleep(0.5)
    return False


def analyse(store: Path, sinks: list[SmtpSink], run: Run, settle: float, since: float = 0.0):
    """Return the figures of the alerts created at or after ``since`` (wall time)."""
    from monitor.domain.enums import AlertKind
    from monitor.register import Register, from_iso

    with Register.open_readonly(store) as reg:
        rows = [r for r in reg.outbox(include_delivered=True) if r.created_at.timestamp() >= since]
        sessions = reg.sessions()
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        ups = [
            from_iso(at).timestamp()
            for (at,) in db.execute("SELECT at FROM link_events WHERE online = 1")
        ]
    received = [mails(s.folder) for s in sinks]
    by_row: dict[int, list[list[float]]] = {}
    matched = [0] * len(sinks)
    for row in rows:
        per = []
        for d, got in enumerate(received):
            times = [at for subj, body, at in got if subj == row.title and body == norm(row.body)]
            matched[d] += len(times)
            per.append(times)
        by_row[row.id] = per
    duplicates = sum(max(0, len(t) - 1) for per in by_row.values() for t in per)
    dup_rows = [
        (r.session_id, str(r.kind), r.reminder)
        for r in rows
        if any(len(t) > 1 for t in by_row[r.id])
    ]
    undelivered = sum(1 for per in by_row.values() for t in per if not t)
    unmatched = sum(len(got) for got in received) - sum(matched)
    # A plug with no session overlapping it is lost, unless no daemon could see it: the
    # daemon was killed before it recorded the link up, and the cable was pulled before
    # the next one started (then there is no trace of it anywhere: unseen).
    lost, unseen = [], []
    for c in run.cycles:
        if any(
            s.started_at.timestamp() <= c.unplugged
            and (s.ended_at is None or s.ended_at.timestamp() >= c.plugged - 0.001)
            for s in sessions
        ):
            continue
        seen = any(c.plugged - 0.001 <= at <= c.unplugged for at in ups)
        why = (round(c.killed_after, 2), c.killed, c.pulled_while_down, seen)
        (unseen if c.pulled_while_down and not seen else lost).append(why)
    waits: list[float] = []
    slow: list[tuple] = []  # (wait, measured from, that start's time to READY=1)
    for row in rows:
        if row.kind is not AlertKind.CLINIC_HOURS:
            continue
        raised = row.created_at.timestamp()
        for times in by_row[row.id]:
            if not times:
                continue
            arrived = min(times)
            after = [i for i, r in enumerate(run.restarts) if raised <= r <= arrived]
            start = run.restarts[after[-1]] if after else raised
            waits.append(arrived - start)
            if arrived - start > settle + 5:
                ready = run.ready[after[-1]] if after else None
                slow.append(
                    (
                        round(arrived - start, 2),
                        "restart" if after else "raised",
                        None if ready is None else round(ready, 2),
                    )
                )
    return {
        "rows": len(rows),
        "sessions": len(sessions),
        "open_sessions": sum(s.ended_at is None for s in sessions),
        "lost": len(lost),
        "lost_why": lost,
        "unseen": unseen,
        "duplicates": duplicates,
        "dup_rows": dup_rows,
        "undelivered": undelivered,
        "unmatched": unmatched,
        "mails": [len(g) for g in received],
        "waits": waits,
        "slow": sorted(slow, reverse=True),
        "critical": sum(r.kind is AlertKind.CLINIC_HOURS for r in rows),
    }


class Crasher:
    """Plugs and unplugs, kills and restarts the daemon (the crash phase)."""

    def __init__(self, args, ns: str, peer: str, folder: Path, config: Path, rng):
        self.args, self.ns, self.peer, self.folder, self.config = args, ns, peer, folder, config
        self.rng = rng
        self.store = folder / "register.db"
        self.run = Run()
        self.daemon: Daemon | None = None
        self.down_since: float | None = None
        self.down_for = 0.0

    def start(self) -> None:
        notify = self.folder / f"notify-{len(self.run.restarts) + 1}.sock"
        d = Daemon(self.ns, self.config, notify, log_file=self.folder / "daemon.log")
        self.run.restarts.append(d.t0)
        self.run.ready.append(d.wait_ready())
        self.daemon = d

    def link(self, up: bool) -> None:
        cmd = ["ip", "-n", self.ns, "link", "set", self.peer, "up" if up else "down"]
        subprocess.run(cmd, check=True)

    def unplug(self, c: Cycle) -> None:
        self.link(False)
        c.unplugged = time.time()

    def kill(self, c: Cycle, mode: str) -> None:
        assert self.daemon is not None
        if mode == "mid-send":
            time.sleep(self.rng.uniform(0.0, 0.3))
        self.daemon.kill9()
        self.daemon = None
        c.killed, c.killed_after = mode, time.time() - c.plugged
        self.down_since = time.monotonic()
        self.down_for = self.rng.uniform(0.2, 3.0)
        if c.unplugged == 0.0 and self.rng.random() < 0.5:
            self.unplug(c)  # the cable pulled while the daemon is down
            c.pulled_while_down = True

    def cycle(self) -> Cycle:
        rng, settle = self.rng, self.args.settle
        hold = settle + rng.uniform(0.5, 4.0)
        gap = settle + rng.uniform(0.3, 2.0)
        c = Cycle(plugged=time.time())
        self.link(True)
        kill = rng.random() < self.args.kill_share
        mode = rng.choice(["random", "mid-send"]) if kill else ""
        kill_at = rng.uniform(0.05, hold + gap - 0.05) if mode == "random" else hold + gap
        t0 = time.monotonic()
        while (t := time.monotonic() - t0) < hold + gap:
            if c.unplugged == 0.0 and t >= hold:
                self.unplug(c)
            due = t >= kill_at or (mode == "mid-send" and t >= 0.2 and sending(self.store))
            if mode and not c.killed and due and self.daemon is not None:
                self.kill(c, mode)
            if self.down_since is not None and time.monotonic() - self.down_since >= self.down_for:
                self.start()
                self.down_since = None
            time.sleep(0.01)
        if c.unplugged == 0.0:
            self.unplug(c)
        if self.daemon is None:
            self.start()
            self.down_since = None
        return c


def crash_phase(args, ns: str, peer: str, folder: Path, config: Path, rng: random.Random):
    crasher = Crasher(args, ns, peer, folder, config, rng)
    crasher.start()
    try:
        for i in range(args.cycles):
            crasher.run.cycles.append(crasher.cycle())
            if (i + 1) % 10 == 0:
                kills = len(crasher.run.restarts) - 1
                print(f"  {i + 1} cycles, {kills} kills so far", flush=True)
        return crasher.daemon, crasher.run, drain(crasher.store, 180)
    except BaseException:
        if crasher.daemon is not None:
            crasher.daemon.stop()
        raise


def summary(waits: list[float]) -> str:
    if not waits:
        return "none"
    return (
        f"worst {max(waits):.2f} s, p50 {statistics.median(waits):.2f} s, "
        f"p95 {sorted(waits)[int(0.95 * (len(waits) - 1))]:.2f} s over {len(waits)} mails"
    )


def run_bench(args) -> None:
    rng = random.Random(args.seed)
    sinks: list[SmtpSink] = []
    daemon = None
    with namespace("lmbc") as ns, TemporaryDirectory(prefix="lmbc-") as tmp:
        folder = Path(tmp)
        ip = ["ip", "-n", ns]
        try:
            sinks = [
                SmtpSink(folder / f"mail{d}", port=2525 + d, netns=ns).start() for d in range(2)
            ]
            config = write_config(
                folder, [s.url for s in sinks], args.settle, indicator="none", retry=("1s", "30s")
            )
            print(
                f"crash phase: {args.cycles} plug/unplug cycles, kill -9 in about "
                f"{args.kill_share:.0%} of them, settle {args.settle:.1f} s, 2 destinations, "
                f"seed {args.seed}",
                flush=True,
            )
            daemon, run, drained = crash_phase(args, ns, "peer0", folder, config, rng)
            f = analyse(folder / "register.db", sinks, run, args.settle)
            kills = [c for c in run.cycles if c.killed]
            print(
                f"\nkills: {len(kills)} ({sum(c.killed == 'random' for c in kills)} at a "
                f"random instant, {sum(c.killed == 'mid-send' for c in kills)} during a send), "
                f"cable pulled while down {sum(c.pulled_while_down for c in kills)} times; "
                f"outbox drained: {drained}"
            )
            print(
                f"start-up to READY=1 (the reference): median "
                f"{statistics.median(run.ready):.2f} s, worst {max(run.ready):.2f} s "
                f"over {len(run.ready)} starts"
            )
            print(
                f"sessions: {f['sessions']} in the register for {len(run.cycles)} plugs, "
                f"lost {f['lost']} {f['lost_why'] or ''}, still open {f['open_sessions']}; "
                f"plugs no daemon could see (killed that many s after the plug, before "
                f"recording it, the cable pulled while down): {f['unseen']}"
            )
            print(
                f"alerts: {f['rows']} ({f['critical']} critical), mails per destination "
                f"{f['mails']}, not matching any alert {f['unmatched']}"
            )
            print(
                f"duplicate mails per (session, kind, destination): {f['duplicates']}"
                + (f" {f['dup_rows'][:5]}" if f["dup_rows"] else "")
            )
            print(f"alerts never delivered (alert x destination): {f['undelivered']}")
            print(
                f"critical alert raised (or the restart after it) -> its mail: "
                f"{summary(f['waits'])}; target settle + 5 s = {args.settle + 5:.1f} s, "
                f"over it: {sum(w > args.settle + 5 for w in f['waits'])}"
            )
            if f["slow"]:
                print(f"  the slowest (s, from, that start to READY=1): {f['slow'][:8]}")

            # 2. the SMTP outage
            for s in sinks:
                s.stop()
            since = time.time()
            for _ in range(args.outage_cycles):
                subprocess.run([*ip, "link", "set", "peer0", "up"], check=True)
                time.sleep(args.settle + 1.5)
                subprocess.run([*ip, "link", "set", "peer0", "down"], check=True)
                time.sleep(args.settle + 1.0)
            time.sleep(3)  # their attempts fail and back off
            for s in sinks:
                s.start()
            time.sleep(0.5)
            up = time.time()
            subprocess.run([*ip, "link", "set", "peer0", "up"], check=True)
            drain(folder / "register.db", 60)
            time.sleep(2)
            o = analyse(folder / "register.db", sinks, run, args.settle, since=since)
            arrivals = [
                at for d in range(len(sinks)) for _, _, at in mails(sinks[d].folder) if at >= up
            ]
            last = max(arrivals) - up if arrivals else float("nan")
            print(
                f"\nSMTP outage: {args.outage_cycles} plug/unplug cycles with both servers "
                f"down, then the servers back and a link up: {o['rows']} alerts, duplicates "
                f"{o['duplicates']}, never delivered {o['undelivered']}, link up -> last "
                f"mail {last:.2f} s (target 10 s)"
            )
            daemon.stop()
            daemon = None
        finally:
            if daemon is not None:
                daemon.stop()
            for s in sinks:
                s.stop()


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench_crash.py needs root (it creates a network namespace)")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--kill-share", type=float, default=0.5)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--outage-cycles", type=int, default=3)
    ap.add_argument("--seed", type=int, default=13)
    run_bench(ap.parse_args())


if __name__ == "__main__":
    main()
