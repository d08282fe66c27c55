#!/usr/bin/env python3
"""Write the lock files the offline bundles are built from (needs internet and uv).

    python3 packaging/lock.py          # rewrite packaging/lock/pc.txt and box.txt

One lock per bundle kind, each for every target at once (``uv pip compile
--universal``: Python 3.10-3.13, any CPU, with environment markers where a pin
differs), pinned to exact versions with the sha256 of every file PyPI has for that
version. ``build_bundle.py`` downloads only what one target needs, and pip checks each
file against these hashes. Re-run after changing the dependencies in pyproject.toml,
then commit the lock files and build the bundles again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "packaging" / "lock"
KINDS = {
    # the PC's daemon and every command
    "pc": ["--extra", "pc"],
    # the Raspberry Pi indicator box: `link-monitor box` only (no pydantic, apprise, holidays)
    "box": [],
}


def uv_command() -> list[str]:
    if shutil.which("uv"):
        return ["uv"]
    try:
        import uv  # type: ignore[import-not-found]

        return [uv.find_uv_bin()]
    except ImportError:
        sys.exit("lock.py: needs uv (pip install uv)")


def main() -> int:
    LOCKS.mkdir(parents=True, exist_ok=True)
    for kind, extra in KINDS.items():
        out = LOCKS / f"{kind}.txt"
        subprocess.run(
            [
                *uv_command(),
                "pip",
                "compile",
                str(ROOT / "pyproject.toml"),
                *extra,
                "--universal",
                "--python-version",
                "3.10",
                "--generate-hashes",
                "--quiet",
                "--custom-compile-command",
                "python3 packaging/lock.py",
                "-o",
                str(out),
            ],
            check=True,
        )
        print(f"lock.py: wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
