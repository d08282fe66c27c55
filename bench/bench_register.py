"""Does the register's cost grow with its history? Builds one and prints its figures.

    PYTHONPATH=. python bench/bench_register.py [--sizes 100000,300000,1000000]
                                                [--dir /dev/shm] [--keep]

One register is built through the public ``Register`` API, as a daemon on a PC with a
flapping NIC would over a few years: per session (every 3 hours) about 100 chain
records (link events, transitions, session updates, a permit on every fourth, two
alerts with attempts, one retried). Each write is timed; the status reads the daemon
makes beside them (``outbox_summary``, ``current_session``, an empty claim) too.
When the chain reaches each size of ``--sizes``, building pauses (the writer stays
open, like a running daemon) and child processes measure, on the same file:

- ``verify`` (``Register.open_readonly(...).verify()``): time, records/s and peak RSS
  (the child's own ``ru_maxrss``; beside it the same child before ``verify``);
- ``link-monitor log`` (every session), ``log --since`` (the last month) and
  ``export --month`` (the last month), as commands, with a config naming the file.

Then: the file size (with its ``-wal``). The register lives in ``--dir`` (default
/dev/shm, a tmpfs: the disk's fsync time is not what is measured here; the per-write
figures on a disk would add one fsync each). Measuring sizes as checkpoints of one
growing register gives the same files as building each size apart, for a third of
the CPU. The process runs at nice 10: other people share the machine.

Every time is printed as wall clock and, beside it, CPU time (user + system) of the
process that did the work: on a shared machine the wall clock also counts the other
jobs, so the targets are judged on both.

Targets (issue 18): the cost per write at 1 M within 1.5x of the cost at 100 k;
``verify`` peak RSS <= 100 MiB at 1 M records and >= 50 k records/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Severity, Verdict
from monitor.domain.model import Alert, LinkObserved, Permit, Session, Transition
from monitor.register import Register

T0 = datetime(2023, 1, 2, 0, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Tokyo")  # the config's zone (for `log --since`, `export --month`)
EVERY = timedelta(hours=3)  # one session every 3 hours: ~10 k sessions in 3.4 years
BLOCK = 1000  # writes per timed block
BODY = (
    "受付PCのLANケーブルが診療時間中に接続されました。\n"
    "接続開始: 2026-03-02 10:00 (月)\n時間帯: 診療時間 (clinic[0] mon-fri 09:00-18:00)\n"
    "インターフェース: eth0\n許可: なし\n"
    "オンライン資格確認端末以外の通信は診療時間外に行ってください。\n"
    "ケーブルを抜くか、許可を登録してください: link-monitor permit --for 1h ...\n"
) * 4  # a rendered alert is a few hundred characters to 1-2 KB

CHILD_VERIFY = r"""
import json, resource, sys, time
from monitor.register import Register
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
r = Register.open_readonly(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), cpu()
n = r.verify()
took, cpu_took = time.perf_counter() - t, cpu() - c
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"records": n, "seconds": took, "cpu": cpu_took,
                  "rss_before_kib": before, "rss_kib": after}))
"""

CONFIG = """
timezone = "Asia/Tokyo"
[store]
path = "{path}"
"""


class Clock:
    """Wall and CPU time (user + system of this process) together: on a shared machine
    the wall clock also counts other people's work, the CPU clock only ours."""

    @staticmethod
    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()


class Builder:
    """Writes the sessions of a flapping NIC and times every write in blocks."""

    def __init__(self, reg: Register):
        self.reg = reg
        self.n = 0  # sessions written
        self.writes = 0
        self.paused = (0.0, 0.0)  # wall, CPU spent on status reads in this block
        self.block_started = Clock.now()
        self.blocks: list[tuple[float, float]] = []  # (wall, CPU) s per BLOCK writes
        self.block_ends: list[int] = []  # chain size at the end of each block
        self.status_reads: list[float] = []

    def _w(self, call, *args, **kw):
        result = call(*args, **kw)
        self.writes += 1
        if self.writes % BLOCK == 0:
            (w0, c0), (w1, c1), (pw, pc) = self.block_started, Clock.now(), self.paused
            self.blocks.append((w1 - w0 - pw, c1 - c0 - pc))
            self.block_ends.append(self.reg.head()[0])
            self.paused = (0.0, 0.0)
            self.block_started = Clock.now()
        return result

    def _status(self) -> None:
        """The reads the daemon and `status` make beside the writes (not writes)."""
        w0, c0 = Clock.now()
        self.reg.outbox_summary()
        self.reg.current_session()
        w1, c1 = Clock.now()
        self.status_reads.append(w1 - w0)
        self.paused = (self.paused[0] + w1 - w0, self.paused[1] + c1 - c0)

    def session(self) -> None:
        """Write one session: ~100 chain records."""
        i, w = self.n, self._w
        t = T0 + i * EVERY
        self._status()  # none open: the open-session index must answer alone
        permit = None
        if i % 4 == 0:
            permit = w(
                self.reg.add_permit,
                Permit(
                    Purpose.FEE_UPDATE, "日医システム", "山田 太郎", timedelta(hours=1), "hoken", t
                ),
            )
        s = Session(
            id=f"S{t:%Y%m%dT%H%M%S}000000Z",
            started_at=t,
            interfaces=frozenset({"eth0"}),
            periods=frozenset({Period.CLINIC}),
            verdicts=(Verdict.CLINIC_HOURS,),
            permit=permit,
        )
        w(self.reg.open_session, s)
        w(self.reg.record_transition, Transition("machine", "offline", "online", "eth0 up", t))
        aid = w(
            self.reg.enqueue_alert,
            Alert(AlertKind.CLINIC_HOURS, Severity.CRITICAL, t, s),
            "[重要] 診療時間中の接続",
            BODY,
        )
        for k in range(40):  # the NIC flaps: carrier bounces inside the session
            at = t + timedelta(seconds=10 + 20 * k)
            up = k % 2 == 1
            w(
                self.reg.record_link_event,
                LinkObserved("eth0", 2, up, up, "up" if up else "down", True, at),
            )
            if k % 2 == 0:
                w(
                    self.reg.record_transition,
                    Transition("pattern", "alarm", "warn", "carrier bounce", at),
                )
            if k % 4 == 0:
                s = replace(s, bytes_sent=s.bytes_sent + 1500 * k, last_seen=at)
                w(self.reg.update_session, s)
            if k % 10 == 0:
                self._status()
        self._deliver(aid, t, fail_first=i % 3 == 0)
        s = replace(s, verdicts=(Verdict.CLINIC_HOURS, Verdict.OVERDUE))
        w(self.reg.update_session, s)
        reminder = w(
            self.reg.enqueue_alert,
            Alert(AlertKind.OVERDUE, Severity.WARNING, t + timedelta(hours=1), s, 1),
            "[警告] 接続が予定時間を超えています",
            BODY[: len(BODY) // 2],
        )
        self._deliver(reminder, t + timedelta(hours=1), fail_first=False)
        end = t + timedelta(hours=1, minutes=5)
        w(self.reg.record_link_event, LinkObserved("eth0", 2, False, False, "down", True, end))
        w(self.reg.record_transition, Transition("machine", "online", "offline", "eth0 down", end))
        w(self.reg.close_session, replace(s, ended_at=end, end_reason=EndReason.UNPLUGGED))
        w(self.reg.set_last_seen, end)
        self.n += 1

    def _deliver(self, aid: int | None, t: datetime, *, fail_first: bool) -> None:
        w = self._w
        (row,) = w(self.reg.claim_due_alerts, t, 5)
        if fail_first:
            w(
                self.reg.record_attempt,
                row.id,
                False,
                "[Errno 101] Network is unreachable",
                0.01,
                t + timedelta(minutes=1),
                None,
                at=t,
            )
            (row,) = w(self.reg.claim_due_alerts, t + timedelta(minutes=1), 5)
        w(self.reg.record_attempt, row.id, True, None, 0.4, None, t + timedelta(minutes=1))
        w(self.reg.claim_due_alerts, t + timedelta(minutes=2), 5)  # nothing due: empty claim
        assert aid == row.id


def child_verify(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", CHILD_VERIFY, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(out)


def children_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def time_cli(config: Path, *args: str) -> tuple[float, float, int]:
    """Return (wall s, CPU s, bytes printed) of one `link-monitor` command."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t, c = time.perf_counter(), children_cpu()
    out = subprocess.run(
        [sys.executable, "-m", "monitor", *args, "--config", str(config)],
        check=True,
        capture_output=True,
        env=env,
    ).stdout
    return time.perf_counter() - t, children_cpu() - c, len(out)


def per_write_us(b: Builder, upto: int, *, last: bool) -> tuple[float, float]:
    """Return the median (wall, CPU) µs per write over 10 blocks: the first ones (after
    2 of warm-up) or the last ones before the chain reached ``upto``."""
    chosen = [t for t, e in zip(b.blocks, b.block_ends, strict=True) if e <= upto]
    window = chosen[-10:] if last else chosen[2:12]
    wall = statistics.median(w for w, _ in window)
    cpu = statistics.median(c for _, c in window)
    return wall / BLOCK * 1e6, cpu / BLOCK * 1e6


def measure(b: Builder, path: Path, config: Path) -> dict:
    """Measure verify, log and export on the register as it now stands."""
    seq = b.reg.head()[0]
    t = T0 + (b.n - 1) * EVERY
    month = t.astimezone(ZONE).strftime("%Y-%m")
    since = (t - timedelta(days=30)).astimezone(ZONE).strftime("%Y-%m-%d")
    v = child_verify(path)
    wal = path.with_name(path.name + "-wal")
    return {
        "records": seq,
        "sessions": b.n,
        "start": per_write_us(b, seq, last=False),
        "end": per_write_us(b, seq, last=True),
        "status_ms": statistics.median(b.status_reads[-200:]) * 1000,
        "verify": (v["seconds"], v["cpu"]),
        "verify_rate": (v["records"] / v["seconds"], v["records"] / max(v["cpu"], 1e-9)),
        "verify_rss_mib": v["rss_kib"] / 1024,
        "open_rss_mib": v["rss_before_kib"] / 1024,
        "log": time_cli(config, "log"),
        "log_month": time_cli(config, "log", "--since", since),
        "export": time_cli(config, "export", "--month", month),
        "file_mib": (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20,
        "load": os.getloadavg()[0],
    }


def _pair(wall_cpu: tuple[float, ...], unit: str, scale: float = 1.0, digits: int = 0) -> str:
    """Format "wall (CPU)" figures."""
    w, c = wall_cpu[0] * scale, wall_cpu[1] * scale
    return f"{w:.{digits}f} {unit} ({c:.{digits}f})"


def print_table(rows: list[dict], build: tuple[float, float]) -> None:
    print()
    print("Each figure: wall clock (CPU time of the process in parentheses).")
    print()
    print(
        "| chain records | per 1,000 writes: first 10 k | last 10 k | status reads "
        "| `verify` | `verify` rate | `verify` peak RSS (after open) "
        "| `log` (every session) | `log --since` 30 d | `export --month` | file | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['records']:,} ({r['sessions']:,} sessions) | {_pair(r['start'], 'ms')} "
            f"| {_pair(r['end'], 'ms')} | {r['status_ms']:.2f} ms "
            f"| {_pair(r['verify'], 's', digits=1)} | {_pair(r['verify_rate'], 'k/s', 1e-3)} "
            f"| {r['verify_rss_mib']:.1f} MiB ({r['open_rss_mib']:.1f}) "
            f"| {_pair(r['log'], 's', digits=2)}, {r['log'][2] / 1024:.0f} KiB "
            f"| {_pair(r['log_month'], 's', digits=2)} | {_pair(r['export'], 's', digits=2)} "
            f"| {r['file_mib']:.0f} MiB | {r['load']:.1f} |"
        )
    first, last = rows[0], rows[-1]
    ratio = (last["end"][0] / first["end"][0], last["end"][1] / first["end"][1])
    print()
    print(
        f"per write at {last['records']:,} / at {first['records']:,}: "
        f"{ratio[0]:.2f}x wall, {ratio[1]:.2f}x CPU (target <= 1.5x)"
    )
    print(
        f"verify at {last['records']:,}: peak RSS {last['verify_rss_mib']:.1f} MiB (target <= 100), "
        f"{_pair(last['verify_rate'], 'k records/s', 1e-3)} (target >= 50)"
    )
    print(f"building took {_pair(build, 's')}; load average now {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes",
        default="100000,300000,1000000",
        help="chain sizes to measure at, comma-separated (default: %(default)s)",
    )
    ap.add_argument(
        "--dir",
        type=Path,
        default=Path("/dev/shm"),
        help="where the register is built (default: %(default)s, a tmpfs)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the register afterwards")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    os.nice(10)
    folder = Path(tempfile.mkdtemp(prefix="bench-register-", dir=args.dir))
    path = folder / "register.db"
    config = folder / "link-monitor.toml"
    config.write_text(CONFIG.format(path=path))
    rows: list[dict] = []
    built = (0.0, 0.0)  # wall, CPU spent building (measuring is not building)
    # A SIGTERM ends the run through the finally below (the register is removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with Register(path) as reg:
            b = Builder(reg)
            for size in sizes:
                w0, c0 = Clock.now()
                while reg.head()[0] < size:
                    b.session()
                w1, c1 = Clock.now()
                built = (built[0] + w1 - w0, built[1] + c1 - c0)
                rows.append(r := measure(b, path, config))
                print(
                    f"{r['records']:,} records after {_pair(built, 's')} of building: "
                    f"{_pair(r['end'], 'ms')} per 1,000 writes, verify "
                    f"{_pair(r['verify'], 's', digits=1)}, {r['verify_rss_mib']:.1f} MiB",
                    flush=True,
                )
        print_table(rows, built)
    finally:
        if args.keep:
            print(f"kept {path}")
        else:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
