"""The box's systemd unit passes `systemd-analyze verify`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "link-monitor-box.service"
INSTALLED = "/opt/link-monitor/bin/link-monitor"


@pytest.fixture
def unit_copy(tmp_path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here (verify
    checks it); every other line as shipped."""
    text = UNIT.read_text()
    assert f"ExecStart={INSTALLED} box --port /dev/ttyGS0" in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(INSTALLED, sys.executable))
    return copy


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_box_unit_passes_systemd_analyze_verify(unit_copy):
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit_copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert UNIT.name not in result.stderr, result.stderr  # no warning about our unit


def test_the_box_unit_reaches_only_its_serial_port_and_the_gpio_chip():
    lines = {
        line.strip()
        for line in UNIT.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {
        "DevicePolicy=closed",
        "DeviceAllow=char-gpiochip rw",
        "DeviceAllow=char-ttyGS rw",
        "PrivateNetwork=yes",
        "RestrictAddressFamilies=AF_UNIX",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "ProtectSystem=strict",
        "Restart=always",
    } <= lines
    assert "PrivateDevices=yes" not in lines  # it would hide the GPIO chip and the tty
