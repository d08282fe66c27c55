"""How long `link-monitor explain` takes over 1,000 instants; prints its figures.

    PYTHONPATH=. python bench/bench_explain.py

Reference measured in the same run: the same command with one instant (start-up:
Python, click, pydantic, the config), so the difference is the schedule's own work.
Also times Schedule.at in-process over the same instants, with a cold and a warm
Schedule (holiday tables and per-day occurrences cached).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_config
from monitor.jobs import local_holidays
from monitor.schedule import Schedule

SAMPLE = ROOT / "config" / "link-monitor.toml"
N = 1000
RUNS = 5


def instants() -> list[datetime]:
    """1,000 instants ~7 hours apart over about ten months (holidays, year end included)."""
    start = datetime(2026, 4, 1, tzinfo=ZoneInfo("Asia/Tokyo"))
    return [start + timedelta(minutes=431 * i) for i in range(N)]


def run_cli(args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "monitor", "explain", "--config", str(SAMPLE), "--json", *args],
        check=True,
        capture_output=True,
        env=env,
    )
    return time.perf_counter() - t0


def main() -> None:
    ats = [t.isoformat() for t in instants()]
    one = [run_cli(ats[:1]) for _ in range(RUNS)]
    many = [run_cli(ats) for _ in range(RUNS)]
    print(
        f"explain CLI, 1 instant (reference): median {statistics.median(one) * 1000:.0f} ms "
        f"over {RUNS} runs"
    )
    print(
        f"explain CLI, {N} instants:          median {statistics.median(many) * 1000:.0f} ms "
        f"over {RUNS} runs"
    )
    print(
        f"  difference (schedule + output):   {(statistics.median(many) - statistics.median(one)) * 1000:.0f} ms"
    )

    config = load_config(SAMPLE)
    ts = instants()
    t0 = time.perf_counter()
    s = Schedule(config, holidays=local_holidays(config))
    for t in ts:
        s.at(t)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in ts:
        s.at(t)
    warm = time.perf_counter() - t0
    print(
        f"Schedule.at in-process, {N} instants: cold {cold * 1000:.1f} ms, "
        f"warm {warm * 1000:.1f} ms ({warm / N * 1e6:.0f} µs each)"
    )


if __name__ == "__main__":
    main()
