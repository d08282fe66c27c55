"""Run the installed ``link-monitor`` command as a subprocess (e2e tier)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def command() -> list[str]:
    """Return argv for the installed command: the venv's ``link-monitor`` script when
    present (as installed by dev.py), else ``python -m monitor`` from this checkout."""
    script = Path(sys.executable).with_name("link-monitor")
    if script.exists():
        return [str(script)]
    found = shutil.which("link-monitor")
    return [found] if found else [sys.executable, "-m", "monitor"]


def env(**extra: str) -> dict[str, str]:
    """Return an environment in which the checkout's package is importable."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e.pop("LINK_MONITOR_CONFIG", None)
    e.update(extra)
    return e


def run(*args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    """Run ``link-monitor ARGS`` and return the completed process (text output)."""
    return subprocess.run(
        [*command(), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=kw.pop("env", None) or env(),
        **kw,
    )
