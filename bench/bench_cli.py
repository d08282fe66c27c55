"""How quickly the quick commands answer, beside a bare ``python -c pass``; prints a table.

    python bench/bench_cli.py [RUNS] [--tree PATH]

Each command runs RUNS times (default 15) as a subprocess, the commands taking turns
so that a busy machine slows them all alike; the table gives each one's median and
fastest wall time, each beside ``python -c pass`` run the same way in the same run
(ratio of medians, ratio of fastest runs) (issue 11's target: <= 3x for ``--help``, ``status`` and ``ack``).
``status`` and ``ack`` run twice: against no daemon (the time to the clear "not
running" error) and against a tiny fake daemon on a socket in a temporary folder.
``--tree PATH`` measures another checkout instead (``python -m monitor`` with PATH first
on PYTHONPATH, e.g. an old main to compare with). The package is byte-compiled first, as an installed one is (with
PYTHONDONTWRITEBYTECODE set, every run would otherwise compile our modules again).
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.stand_in import StandIn

STATUS_REPLY = {
    "ok": True,
    "online": False,
    "period": "off-hours",
    "holiday": None,
    "rule": None,
    "next_change": "2026-05-06T17:00:00+09:00",
    "pattern": "off",
    "silenced": False,
    "session": None,
    "interfaces": {"eth0": {"state": "offline"}},
    "outbox": {"pending": 0, "last_error": None},
    "indicator": {"kind": "console"},
    "monitor": {
        "pid": 1,
        "started_at": "2026-05-06T08:00:00+09:00",
        "config": "bench",
        "faults": {},
    },
}
REPLIES = {"status": STATUS_REPLY, "ack": {"ok": True, "silenced": False, "pattern": "off"}}


def command(tree: Path | None) -> list[str]:
    """Return argv of the command: ``python -m monitor`` for another ``tree``, else the
    installed command (the venv's script), else ``python -m monitor``."""
    if tree is not None:
        return [sys.executable, "-m", "monitor"]
    script = Path(sys.executable).with_name("link-monitor")
    if script.exists():
        return [str(script)]
    found = shutil.which("link-monitor")
    return [found] if found else [sys.executable, "-m", "monitor"]


def cases(tmp: Path, tree: Path | None) -> dict[str, list[str]]:
    """Return the argv of every measured case, by name."""
    lm = command(tree)
    absent = tmp / "absent.toml"
    absent.write_text(f'[control]\nsocket = "{tmp}/none.sock"\n')
    fake = tmp / "fake.toml"
    fake.write_text(f'[control]\nsocket = "{tmp}/fake.sock"\n')
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [*lm, "--help"],
        "status (no daemon)": [*lm, "status", "--config", str(absent)],
        "status (fake daemon)": [*lm, "status", "--config", str(fake)],
        "status --json (fake)": [*lm, "status", "--json", "--config", str(fake)],
        "ack (no daemon)": [*lm, "ack", "--config", str(absent)],
        "ack (fake daemon)": [*lm, "ack", "--config", str(fake)],
        "permit --help": [*lm, "permit", "--help"],
        "explain": [*lm, "explain", "--config", str(absent), "2026-05-06T17:00+09:00"],
    }


def measure(argvs: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Return each case's wall times in seconds; the cases take turns, ``runs`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in argvs}
    cwd = tempfile.gettempdir()  # not a checkout: `python -m` puts the cwd first on sys.path
    for name, argv in argvs.items():  # one warm-up each (page cache, .pyc files)
        subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
    for _ in range(runs):
        for name, argv in argvs.items():
            start = time.perf_counter()
            subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    args = sys.argv[1:]
    tree = None
    if "--tree" in args:
        at = args.index("--tree")
        tree = Path(args[at + 1]).resolve()
        del args[at : at + 2]
    runs = int(args[0]) if args else 15
    compileall.compile_dir((tree or ROOT) / "monitor", quiet=1)
    env = dict(os.environ, PYTHONPATH=str(tree or ROOT))
    env.pop("LINK_MONITOR_CONFIG", None)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fake = StandIn(tmp / "fake.sock", REPLIES)
        try:
            times = measure(cases(tmp, tree), runs, env)
        finally:
            fake.close()
    base = statistics.median(times["python -c pass"])
    fastest = min(times["python -c pass"])
    print(
        f"link-monitor CLI start-up ({tree or 'the installed command'}), {runs} runs each, "
        f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"
    )
    print(f"{'command':<24} {'median ms':>10} {'x bare':>7} {'fastest ms':>11} {'x bare':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<24} {median * 1000:>10.1f} {median / base:>7.2f} "
            f"{min(values) * 1000:>11.1f} {min(values) / fastest:>7.2f}"
        )


if __name__ == "__main__":
    main()
