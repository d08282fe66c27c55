#!/usr/bin/env python3
"""Set up a private virtualenv on first use, then run the monitor or the tests.

    python3 dev.py run [ARGS...]     link-monitor run ARGS (console indicator without GPIO)
    python3 dev.py cli ARGS...       any link-monitor sub-command
    python3 dev.py test              the README's test command (what CI runs):
                                       1. as root, installs the Debian packages of
                                          tests/debian-packages.txt that are missing;
                                       2. the unit and integration tiers under every other
                                          Python of 3.10-3.13 that is installed (pyenv or
                                          python3.X on PATH), each in its own .venv-3.X;
                                       3. the whole suite (unit, integration, e2e, system)
                                          under this Python, in .venv;
                                     exit 1 if any run failed; the last line sums them up.
    python3 dev.py test ARGS...      pytest ARGS under this Python only (e.g. tests/unit -q)
    python3 dev.py test --python 3.10 ARGS...   the same under another installed Python

Needs only python3 (>= 3.10) with venv and pip. A virtualenv is rebuilt when
pyproject.toml changes.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VERSIONS = ("3.10", "3.11", "3.12", "3.13")
FAST_TIERS = ("tests/unit", "tests/integration")
DEBIAN_LIST = ROOT / "tests" / "debian-packages.txt"
# What could not be installed, with apt's reason: tests/support/debian.py turns it into skips.
DEBIAN_STATUS = ROOT / ".dev" / "debian-packages.json"


def say(text: str) -> None:
    print(f"dev.py: {text}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ virtualenvs


def ensure_venv(python: str, where: Path) -> Path:
    """Return the bin folder of the venv at ``where`` made with ``python``, creating it
    or reinstalling link-monitor with its test tools when pyproject.toml changed."""
    bin_dir = where / "bin"
    stamp = where / ".link-monitor-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (bin_dir / "link-monitor").exists():
        return bin_dir
    if not (bin_dir / "python").exists():
        say(f"creating {where.name} ...")
        if Path(python).resolve() == Path(sys.executable).resolve():
            venv.EnvBuilder(with_pip=True).create(where)
        else:
            subprocess.run([python, "-m", "venv", str(where)], check=True)
    say(f"installing link-monitor and its test tools into {where.name} ...")
    subprocess.run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[test]",
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return bin_dir


def find_python(version: str) -> str | None:
    """Return an interpreter of ``version`` (e.g. "3.10"): pyenv's newest patch release,
    else python3.X on PATH; None when neither is installed."""
    if ".".join(map(str, sys.version_info[:2])) == version:
        return sys.executable
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = glob.glob(str(root / "versions" / f"{version}.*" / "bin" / "python3"))
    found = [p for p in found if re.fullmatch(rf"{re.escape(version)}\.\d+", Path(p).parts[-3])]
    if found:
        return max(found, key=lambda p: int(Path(p).parts[-3].split(".")[2]))
    return shutil.which(f"python{version}")


# ------------------------------------------------------------------ Debian packages


def wanted_debian_packages() -> list[str]:
    if not DEBIAN_LIST.exists():
        return []
    names = []
    for line in DEBIAN_LIST.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names


def is_installed(package: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return out.returncode == 0 and out.stdout.strip().endswith(" installed")


def apt_install(packages: list[str], log) -> str | None:
    """Install ``packages``; return None, or apt's last error line."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    out = subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        stdout=log,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    log.write(out.stderr)
    if out.returncode == 0:
        return None
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("E:")] or [
        f"exit {out.returncode}"
    ]
    return lines[-1]


def install_debian_packages() -> None:
    """As root, install what tests/debian-packages.txt lists and is missing: one
    ``apt-get update``, then one install; if that fails, one by one, so each package
    that cannot be installed is named. Its reason goes to .dev/debian-packages.json,
    where the tests that need it read why they skip. Never fails the run."""
    wanted = wanted_debian_packages()
    if not wanted or shutil.which("dpkg-query") is None:
        return
    missing = [p for p in wanted if not is_installed(p)]
    failed: dict[str, str] = {}
    if missing and os.geteuid() != 0:
        failed = {p: "not installed, and dev.py is not root (apt-get needs root)" for p in missing}
        say(f"Debian packages missing (not root, not installed): {' '.join(missing)}")
    elif missing:
        DEBIAN_STATUS.parent.mkdir(exist_ok=True)
        say(f"installing Debian packages: {' '.join(missing)} (log: .dev/apt.log) ...")
        with open(DEBIAN_STATUS.parent / "apt.log", "a") as log:
            update = subprocess.run(
                ["apt-get", "update", "-q"], stdout=log, stderr=log, check=False
            )
            if update.returncode != 0:
                say("apt-get update failed; trying with the package lists there are")
            if apt_install(missing, log) is not None:
                for package in missing:
                    error = apt_install([package], log)
                    if error is not None:
                        failed[package] = error
                        say(f"Debian package {package} cannot be installed: {error}")
    DEBIAN_STATUS.parent.mkdir(exist_ok=True)
    DEBIAN_STATUS.write_text(json.dumps(failed, indent=1))


# ------------------------------------------------------------------ runs


def pytest_run(bin_dir: Path, label: str, args: list[str]) -> tuple[int, dict[str, int], float]:
    """Run pytest; return its exit code, its counts and the wall time."""
    report = ROOT / ".dev" / f"junit-{label}.xml"
    report.parent.mkdir(exist_ok=True)
    report.unlink(missing_ok=True)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.monotonic()
    code = subprocess.run(
        [
            str(bin_dir / "python"),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *args,
        ],
        cwd=ROOT,
        env=env,
        check=False,
    ).returncode
    return code, junit_counts(report), time.monotonic() - start


def junit_counts(report: Path) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not report.exists():
        return counts
    import xml.etree.ElementTree as ET  # only here: dev.py run stays quick

    for suite in ET.parse(report).getroot().iter("testsuite"):
        tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        counts["passed"] += tests - skipped - failed
        counts["failed"] += failed
        counts["skipped"] += skipped
    return counts


def full_test() -> int:
    """The README's test command: see the module docstring."""
    start = time.monotonic()
    install_debian_packages()
    current = ".".join(map(str, sys.version_info[:2]))
    rows: list[tuple[str, str]] = []
    total = {"passed": 0, "failed": 0, "skipped": 0}
    failed_runs = 0
    plan = [v for v in VERSIONS if v != current] + [current]
    for version in plan:
        python = find_python(version)
        if python is None:
            rows.append((f"Python {version}", "skipped (not installed)"))
            print(f"Python {version}: skipped (not installed)", flush=True)
            continue
        full = version == current
        where = VENV if full else ROOT / f".venv-{version}"
        tiers = "the whole suite" if full else "unit + integration"
        print(f"\n===== Python {version} ({python}): {tiers} =====", flush=True)
        try:
            bin_dir = ensure_venv(python, where)
        except subprocess.CalledProcessError as exc:
            failed_runs += 1
            rows.append((f"Python {version}", f"FAILED to set up {where.name}: {exc}"))
            continue
        args = ["-q"] if full else ["-q", *FAST_TIERS]
        code, counts, seconds = pytest_run(bin_dir, version, args)
        for key in total:
            total[key] += counts[key]
        if code != 0:
            failed_runs += 1
        verdict = "ok" if code == 0 else f"FAILED (pytest exit {code})"
        summary = (
            f"{tiers}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped in {seconds:.0f} s: {verdict}"
        )
        rows.append((f"Python {version}", summary))
    print(f"\n===== dev.py test: {time.monotonic() - start:.0f} s in all =====")
    for name, text in rows:
        print(f"{name}: {text}")
    # The closing line CI reads: every run added up.
    print(
        f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped",
        flush=True,
    )
    return 1 if failed_runs else 0


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 10):  # noqa: UP036 - say so on an older python3
        sys.exit(f"dev.py: Python >= 3.10 is needed, this is {sys.version.split()[0]}")
    if not argv or argv[0] not in ("run", "test", "cli"):
        print(__doc__, file=sys.stderr)
        return 2
    verb, rest = argv[0], argv[1:]
    if verb == "test" and not rest:
        return full_test()
    python, where = sys.executable, VENV
    if verb == "test" and rest[:1] == ["--python"] and len(rest) >= 2:
        version, rest = rest[1], rest[2:]
        found = find_python(version)
        if found is None:
            print(f"Python {version}: skipped (not installed)")
            return 0
        python = found
        if Path(found).resolve() != Path(sys.executable).resolve():
            where = ROOT / f".venv-{version}"
    bin_dir = ensure_venv(python, where)
    if verb == "test":
        os.chdir(ROOT)
        cmd = [str(bin_dir / "python"), "-m", "pytest", *rest]
    elif verb == "run":
        cmd = [str(bin_dir / "link-monitor"), "run", *rest]
    else:
        cmd = [str(bin_dir / "link-monitor"), *rest]
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
