#!/usr/bin/env python3
"""Set up a private virtualenv on first use, then run the monitor or the tests.

    python3 dev.py run [ARGS...]    link-monitor run ARGS (console indicator without GPIO)
    python3 dev.py test [ARGS...]   the whole test suite (pytest ARGS)
    python3 dev.py cli ARGS...      any link-monitor sub-command

Needs only python3 (>= 3.11) with venv and pip. The virtualenv lives in .venv
next to this file and is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".link-monitor-installed"


def _ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"dev.py: Python >= 3.11 is needed, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "link-monitor").exists():
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing link-monitor and its test tools into .venv ...", file=sys.stderr)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "cli"):
        print(__doc__, file=sys.stderr)
        return 2
    _ensure_venv()
    verb, rest = argv[0], argv[1:]
    if verb == "test":
        os.chdir(ROOT)
        cmd = [str(BIN / "python"), "-m", "pytest", *rest]
    elif verb == "run":
        cmd = [str(BIN / "link-monitor"), "run", *rest]
    else:
        cmd = [str(BIN / "link-monitor"), *rest]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
