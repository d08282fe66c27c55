"""The service unit passes ``systemd-analyze verify`` and keeps its hardening."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "link-monitor.service"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


def settings(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def unit_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at a program that exists here (verify checks it)."""
    text = re.sub(
        r"(?m)^(ExecStart|ExecReload)=\S+", rf"\1={sys.executable} -m monitor", UNIT.read_text()
    )
    path = tmp_path / "link-monitor.service"
    path.write_text(text)
    return path


@needs_systemd_analyze
def test_the_unit_passes_systemd_analyze_verify_without_any_message(tmp_path):
    out = subprocess.run(
        ["systemd-analyze", "verify", str(unit_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr  # no warning either (e.g. a typo'd key)


@needs_systemd_analyze
def test_the_unit_has_an_ok_security_exposure_offline(tmp_path):
    out = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0  # "OK" band; README carries the measured figure


def test_the_unit_is_type_notify_with_a_watchdog_and_the_required_hardening():
    s = settings(UNIT.read_text())
    expected = {
        "Type": "notify",
        "NotifyAccess": "main",
        "Restart": "on-failure",
        "User": "link-monitor",
        "Group": "link-monitor",
        "StateDirectory": "link-monitor",
        "RuntimeDirectory": "link-monitor",
        "ConfigurationDirectory": "link-monitor",
        "CapabilityBoundingSet": "",
        "AmbientCapabilities": "",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "RestrictAddressFamilies": "AF_UNIX AF_NETLINK AF_INET AF_INET6",
        "DevicePolicy": "closed",
        "DeviceAllow": "char-gpiochip rw",
        "SystemCallArchitectures": "native",
        "UMask": "0027",
    }
    for key, value in expected.items():
        assert s.get(key) == [value], key
    assert "@system-service" in s["SystemCallFilter"]
    assert s["WatchdogSec"] and s["LoadCredential"][0].startswith("link-monitor-apprise:")
    assert "PrivateDevices" not in s  # it would hide /dev/gpiochip*


def test_every_setting_in_the_unit_is_explained_by_a_comment_above_it():
    lines = UNIT.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith(("#", "[")):
            assert lines[i - 1].startswith("#"), f"line {i + 1} has no comment: {line}"
