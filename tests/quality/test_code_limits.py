"""Size and clarity limits of docs/architecture.md, run by the README's test command.

- no module over 400 lines, no class over 300 lines;
- cyclomatic complexity at most 12 (ruff's C901);
- ``ruff check`` clean and ``ruff format`` applied (monitor, tests, bench);
- mypy clean on ``monitor/`` (default strictness, ``--ignore-missing-imports``:
  pyroute2, gpiozero, apprise and psutil ship without complete stubs).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "monitor"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 300
MAX_COMPLEXITY = 12
CHECKED = ["monitor", "tests", "bench", "dev.py"]


def _tool(name: str) -> list[str]:
    """Return the command that runs ``name`` from this interpreter's environment."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return [str(here)]
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: it is part of the test extras (pip install -e .[test])"
        )
    return [found]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def test_no_module_is_over_the_line_limit() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted(PACKAGE.rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_class_is_over_the_line_limit() -> None:
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_CLASS_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, f"classes over {MAX_CLASS_LINES} lines: {long}"


def test_no_function_is_too_complex() -> None:
    result = _run(
        [
            *_tool("ruff"),
            "check",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity = {MAX_COMPLEXITY}",
            "--output-format",
            "concise",
            *CHECKED,
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = _run([*_tool("ruff"), "check", "--output-format", "concise", *CHECKED])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted() -> None:
    result = _run([*_tool("ruff"), "format", "--check", *CHECKED])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    result = _run([*_tool("mypy"), "--ignore-missing-imports", "--no-error-summary", "monitor"])
    assert result.returncode == 0, result.stdout + result.stderr
