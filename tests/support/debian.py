"""Skip a test, with the reason, when a Debian package it needs is not installed.

    pytestmark = needs_debian("debootstrap", "systemd-container")

``python3 dev.py test`` installs ``tests/debian-packages.txt`` as root and writes what
could not be installed, with apt's error, to ``.dev/debian-packages.json``: that error
is the skip reason. Add the package to that list when a test needs a new one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

STATUS = Path(__file__).resolve().parents[2] / ".dev" / "debian-packages.json"


def is_installed(package: str) -> bool:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    return out.returncode == 0 and out.stdout.strip().endswith(" installed")


def why_missing(package: str) -> str:
    try:
        known = json.loads(STATUS.read_text())
    except (OSError, ValueError):
        known = {}
    reason = known.get(package, "not installed (python3 dev.py test installs it as root)")
    return f"Debian package {package}: {reason}"


def needs_debian(*packages: str) -> pytest.MarkDecorator:
    """A skip mark naming the first of ``packages`` that is not installed, and why."""
    missing = [p for p in packages if not is_installed(p)]
    return pytest.mark.skipif(bool(missing), reason=why_missing(missing[0]) if missing else "")
