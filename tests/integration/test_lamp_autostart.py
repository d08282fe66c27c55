"""The screen lamp's XDG autostart file: valid, and it starts the installed command."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "systemd" / "link-monitor-lamp.desktop"
UNIT = ROOT / "systemd" / "link-monitor.service"


def entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_the_autostart_entry_runs_the_lamp_of_the_installed_program():
    e = entry()
    program = next(
        line.split("=", 1)[1].split()[0]
        for line in UNIT.read_text().splitlines()
        if line.startswith("ExecStart=")
    )
    assert e["Exec"] == f"{program} lamp"  # the same program as the service's
    assert e["Type"] == "Application" and e["Terminal"] == "false"
    assert e["Name[ja]"] == "link-monitor ランプ"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (Debian: desktop-file-utils)",
)
def test_the_autostart_entry_passes_desktop_file_validate():
    out = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and out.stdout == "", out.stdout + out.stderr
