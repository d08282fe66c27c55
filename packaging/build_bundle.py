#!/usr/bin/env python3
"""Build an offline bundle of link-monitor for one target (needs internet, pip).

    python3 packaging/build_bundle.py --python 3.10 --arch x86_64            # the receipt PC
    python3 packaging/build_bundle.py --python 3.11 --arch aarch64 --kind box  # a Pi box

Writes ``dist/link-monitor-VERSION-KIND-pyX.Y-ARCH.tar.gz`` (and the folder beside it):
link-monitor's wheel, the wheel of every dependency that the target needs, pinned with
the hashes of ``packaging/lock/KIND.txt`` and downloaded for the target's CPython and
CPU (``pip download --only-binary=:all: --platform ... --python-version ... --abi ...``),
the unit file, the sample config, the README and ``install.sh``. Where PyPI has no wheel
for the target, a package's sdist (hash-checked too) is built into a wheel here, and
only if that wheel is pure Python (``none-any``); the build says which. A compiled
package without a wheel for the target stops the build with its name.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "packaging" / "lock"
ARCHES = ("x86_64", "aarch64", "armv7l")
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# The patch release of the system Python on the OS releases we support (for markers).
FULL_VERSION = {"3.10": "3.10.12", "3.11": "3.11.2", "3.12": "3.12.3", "3.13": "3.13.5"}
# Newest glibc among the targets' oldest OS (Ubuntu 22.04: 2.35; Debian 12: 2.36).
GLIBC_MAX = 35
UNITS = {"pc": "link-monitor.service", "box": "link-monitor-box.service"}


class BuildError(Exception):
    """The bundle cannot be built for this target (the message says why)."""


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


# ------------------------------------------------------------------ the lock file


def read_lock(path: Path) -> list[tuple[str, str, str, list[str]]]:
    """Return (name, version, marker, hashes) for each pin of a uv/pip-compile lock."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        spec = line.split("--hash", 1)[0].strip()
        requirement, _, marker = spec.partition(";")
        name, _, version = requirement.strip().partition("==")
        pins.append((name.strip(), version.strip(), marker.strip(), hashes))
    return pins


def target_environment(python: str, arch: str) -> dict[str, str]:
    """The PEP 508 marker values of a Linux CPython ``python`` on ``arch``."""
    return {
        "python_version": python,
        "python_full_version": FULL_VERSION[python],
        "platform_machine": arch,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "implementation_version": FULL_VERSION[python],
        "extra": "",
    }


def marker_applies(marker: str, env: dict[str, str]) -> bool:
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # a bare python3: pip carries its own copy
        from pip._vendor.packaging.markers import Marker  # type: ignore[assignment]
    return bool(Marker(marker).evaluate(env))


def pins_for_target(kind: str, python: str, arch: str) -> list[tuple[str, str, list[str]]]:
    env = target_environment(python, arch)
    return [
        (name, version, hashes)
        for name, version, marker, hashes in read_lock(LOCKS / f"{kind}.txt")
        if marker_applies(marker, env)
    ]


# ------------------------------------------------------------------ downloads


def platform_args(arch: str) -> list[str]:
    """pip's --platform list for a glibc Linux ``arch`` (every manylinux tag it may use)."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MAX, 16, -1)]
    tags.append(f"manylinux2014_{arch}")
    if arch == "x86_64":
        tags += [f"manylinux_2_{minor}_{arch}" for minor in range(16, 4, -1)]
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    out = []
    for tag in tags:
        out += ["--platform", tag]
    return out


def download_wheels(pins, python: str, arch: str, dest: Path, log) -> list[str]:
    """Download each pin's wheel for the target into ``dest``; return the names of the
    pins that have no wheel for it."""
    abi = "cp" + python.replace(".", "")
    base = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        *platform_args(arch),
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--abi",
        abi,
        "--abi",
        "abi3",
        "--abi",
        "none",
        "--require-hashes",
        "-d",
        str(dest),
    ]
    missing = []
    for name, version, hashes in pins:
        req = dest.parent / "req.txt"
        req.write_text(f"{name}=={version} " + " ".join(f"--hash=sha256:{h}" for h in hashes))
        done = subprocess.run([*base, "-r", str(req)], stdout=log, stderr=log, check=False)
        if done.returncode != 0:
            missing.append(name)
    return missing


def wheel_from_sdist(pin, dest: Path, work: Path, log) -> Path:
    """Download ``pin``'s sdist (hash-checked), build its wheel here and put it in ``dest``
    if it is pure Python; raise BuildError otherwise."""
    name, version, hashes = pin
    sdists, built = work / f"sdist-{name}", work / f"built-{name}"
    req = work / "req-sdist.txt"
    req.write_text(f"{name}=={version} " + " ".join(f"--hash=sha256:{h}" for h in hashes))
    fetched = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary=:all:",
            "--require-hashes",
            "-r",
            str(req),
            "-d",
            str(sdists),
        ],
        stdout=log,
        stderr=log,
        check=False,
    )
    if fetched.returncode != 0:
        raise BuildError(f"{name} {version}: no wheel for this target and no sdist on PyPI")
    sdist = next(sdists.iterdir())
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--disable-pip-version-check",
            "--no-deps",
            "-w",
            str(built),
            str(sdist),
        ],
        stdout=log,
        stderr=log,
    )
    wheel = next(built.glob("*.whl"))
    if not wheel.name.endswith("-none-any.whl"):
        raise BuildError(
            f"{name} {version}: no wheel for this target on PyPI, and it is "
            f"not pure Python ({wheel.name}): it would have to be compiled "
            "for the target"
        )
    return Path(shutil.copy2(wheel, dest))


def own_wheel(dest: Path, work: Path, version: str | None, log) -> Path:
    """Build link-monitor's wheel (from a copy with ``version`` when given)."""
    source = ROOT
    if version:
        source = work / "src"
        files = run(
            ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
            capture_output=True,
            text=True,
        ).stdout.split()
        for rel in files:
            if (ROOT / rel).is_file():
                (source / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, source / rel)
        pyproject = source / "pyproject.toml"
        pyproject.write_text(
            re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject.read_text())
        )
    out = work / "own"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--disable-pip-version-check",
            "--no-deps",
            "-w",
            str(out),
            str(source),
        ],
        stdout=log,
        stderr=log,
    )
    wheel = next(out.glob("link_monitor-*.whl"))
    return Path(shutil.copy2(wheel, dest))


# ------------------------------------------------------------------ the bundle


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_pin(wheel: Path) -> tuple[str, str]:
    name, version = wheel.name.split("-")[:2]
    return name, version


def write_bundle_files(bundle: Path, kind: str, python: str, arch: str, own: Path) -> None:
    wheels = sorted((bundle / "wheels").glob("*.whl"))
    lines = []
    for wheel in wheels:
        name, version = wheel_pin(wheel)
        if wheel == own and kind == "pc":
            name += "[pc]"
        lines.append(f"{name}=={version} --hash=sha256:{sha256(wheel)}")
    (bundle / "requirements.txt").write_text(
        "# What install.sh installs (pip --no-index --require-hashes): the files in wheels/.\n"
        + "\n".join(lines)
        + "\n"
    )
    _, version = wheel_pin(own)
    (bundle / "BUNDLE").write_text(
        f"BUNDLE_KIND={kind}\nBUNDLE_PYTHON={python}\nBUNDLE_ARCH={arch}\n"
        f"BUNDLE_VERSION={version}\n"
    )
    (bundle / "systemd").mkdir()
    shutil.copy2(ROOT / "systemd" / UNITS[kind], bundle / "systemd")
    if kind == "pc":  # the screen lamp's XDG autostart entry (README: install, step 6)
        shutil.copy2(ROOT / "systemd" / "link-monitor-lamp.desktop", bundle / "systemd")
    (bundle / "config").mkdir()
    shutil.copy2(ROOT / "config" / "link-monitor.toml", bundle / "config")
    shutil.copy2(ROOT / "README.md", bundle)
    (bundle / "docs").mkdir()
    shutil.copy2(ROOT / "docs" / "box.md", bundle / "docs")
    shutil.copy2(ROOT / "packaging" / "install.sh", bundle)
    (bundle / "install.sh").chmod(0o755)
    sums = [
        f"{sha256(p)}  {p.relative_to(bundle)}"
        for p in sorted(bundle.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    (bundle / "SHA256SUMS").write_text("\n".join(sums) + "\n")


def build(kind: str, python: str, arch: str, out: Path, version: str | None) -> Path:
    """Build the bundle; return the path of its .tar.gz. Raise BuildError."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="lm-bundle-") as tmp,
        open(out / "build.log", "w") as log,
    ):
        work = Path(tmp)
        staging = work / "bundle"
        wheels = staging / "wheels"
        wheels.mkdir(parents=True)
        own = own_wheel(wheels, work, version, log)
        pins = pins_for_target(kind, python, arch)
        missing = set(download_wheels(pins, python, arch, wheels, log))
        from_sdist = [wheel_from_sdist(p, wheels, work, log) for p in pins if p[0] in missing]
        write_bundle_files(staging, kind, python, arch, own)
        name = f"link-monitor-{wheel_pin(own)[1]}-{kind}-py{python}-{arch}"
        final = out / name
        shutil.rmtree(final, ignore_errors=True)
        shutil.copytree(staging, final)
    archive = out / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(final, arcname=name)
    report(final, archive, from_sdist)
    return archive


def report(final: Path, archive: Path, from_sdist: list[Path]) -> None:
    print(f"bundle: {archive} ({archive.stat().st_size // 1024} KiB)")
    for wheel in sorted((final / "wheels").iterdir()):
        note = (
            "  (built here from its sdist: pure Python, no wheel on PyPI)"
            if wheel.name in {p.name for p in from_sdist}
            else ""
        )
        print(f"  {wheel.name}{note}")
    if not from_sdist:
        print("  every dependency is a wheel from PyPI (none built from an sdist)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python",
        required=True,
        choices=PYTHONS,
        help="the target's system Python (python3 --version there)",
    )
    parser.add_argument(
        "--arch",
        required=True,
        choices=ARCHES,
        help="the target's CPU (uname -m; armv7l for 32-bit Pi OS)",
    )
    parser.add_argument(
        "--kind",
        choices=sorted(UNITS),
        default="pc",
        help="pc: the receipt PC's daemon (default); box: the Pi indicator box",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="default: dist/")
    parser.add_argument("--version", help=argparse.SUPPRESS)  # tests: a newer bundle
    args = parser.parse_args(argv)
    try:
        build(args.kind, args.python, args.arch, args.out.resolve(), args.version)
    except BuildError as exc:
        print(f"build_bundle: {exc} (details: {args.out / 'build.log'})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
