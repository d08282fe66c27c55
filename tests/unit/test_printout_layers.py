"""The printout is an adapter: it imports the layers below it and its own package only
(never the register, the daemon, the CLI or another adapter)."""

from __future__ import annotations

import ast
from pathlib import Path

import monitor.printout

ALLOWED = ("monitor.compat", "monitor.errors", "monitor.domain", "monitor.texts",
           "monitor.config", "monitor.schedule", "monitor.printout")  # fmt: skip


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] == "monitor"}


def test_the_printout_imports_only_downward_and_from_itself():
    package = Path(monitor.printout.__file__).parent
    for path in sorted(package.glob("*.py")):
        for name in _imports(path):
            assert name.startswith(ALLOWED), f"{path.name} imports {name}"


def test_no_printout_module_imports_the_package_itself():
    package = Path(monitor.printout.__file__).parent
    for path in sorted(package.glob("*.py")):
        if path.name != "__init__.py":
            assert "monitor.printout" not in _imports(path), path.name
