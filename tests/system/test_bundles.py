"""Offline bundles: built for a target they hold that target's wheels, pinned by the lock
file; the box bundle installs without the network and without the daemon's heavy
libraries. (Building downloads from PyPI, as on the IT machine with internet.)"""

from __future__ import annotations

import platform
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "packaging" / "build_bundle.py"
HEAVY = ("pydantic", "pydantic_core", "apprise", "holidays", "pyroute2", "psutil")


def build(out: Path, *args: str) -> Path:
    done = subprocess.run(
        [sys.executable, str(BUILD), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return next(out.glob("*.tar.gz"))


def wheels_of(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return sorted(Path(n).name for n in tar.getnames() if n.endswith(".whl"))


def test_a_pc_bundle_for_python_3_10_on_x86_64_holds_cp310_wheels_and_the_backports(tmp_path):
    wheels = wheels_of(build(tmp_path, "--python", "3.10", "--arch", "x86_64"))
    names = {w.split("-")[0].lower() for w in wheels}
    assert {
        "link_monitor",
        "pydantic",
        "apprise",
        "holidays",
        "pyroute2",
        "psutil",
        "tomli",
        "typing_extensions",
        "async_timeout",
    } <= names
    compiled = [w for w in wheels if not w.endswith("-none-any.whl")]
    assert compiled and all("x86_64" in w for w in compiled)
    assert all("cp310" in w or "abi3" in w for w in compiled), compiled


def test_a_pc_bundle_for_python_3_11_on_aarch64_holds_aarch64_wheels_and_no_backport(tmp_path):
    archive = build(tmp_path, "--python", "3.11", "--arch", "aarch64")
    wheels = wheels_of(archive)
    names = {w.split("-")[0].lower() for w in wheels}
    assert "tomli" not in names and "async_timeout" not in names
    compiled = [w for w in wheels if not w.endswith("-none-any.whl")]
    assert any(w.startswith("pydantic_core-") and "cp311" in w for w in compiled)
    assert compiled and all("aarch64" in w for w in compiled), compiled
    with tarfile.open(archive) as tar:
        names_in = tar.getnames()
    for part in (
        "install.sh",
        "BUNDLE",
        "requirements.txt",
        "SHA256SUMS",
        "systemd/link-monitor.service",
        "config/link-monitor.toml",
        "README.md",
    ):
        assert any(n.endswith("/" + part) for n in names_in), part


def test_a_compiled_package_without_a_wheel_for_the_target_stops_the_build_by_name(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(BUILD),
            "--python",
            "3.11",
            "--arch",
            "armv7l",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 1
    assert "psutil" in done.stderr and "not pure Python" in done.stderr


def test_the_box_bundle_installs_offline_without_the_heavy_libraries_and_runs(tmp_path):
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    archive = build(
        tmp_path / "dist", "--kind", "box", "--python", python, "--arch", platform.machine()
    )
    assert not any(w.split("-")[0].lower() in HEAVY for w in wheels_of(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path)
    bundle = tmp_path / archive.name.removesuffix(".tar.gz")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    pip = [str(tmp_path / "venv" / "bin" / "python"), "-m", "pip"]
    subprocess.run(
        [
            *pip,
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(bundle / "wheels"),
            "--require-hashes",
            "-r",
            str(bundle / "requirements.txt"),
        ],
        check=True,
    )
    listed = subprocess.run([*pip, "list"], capture_output=True, text=True, check=True).stdout
    assert not any(name in listed.lower() for name in HEAVY)
    done = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "link-monitor"), "box", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # The box's own config reading works without the daemon's libraries (none installed).
    box_toml = tmp_path / "box.toml"
    box_toml.write_text((bundle / "config" / "link-monitor.toml").read_text())
    done = subprocess.run(
        [
            str(tmp_path / "venv" / "bin" / "python"),
            "-c",
            (
                "import sys; from monitor.box.settings import load_box_settings; "
                f"s, _ = load_box_settings({str(box_toml)!r}); print(s.led, s.kind)"
            ),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["17", "auto"]
