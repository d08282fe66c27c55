"""The layer rule of docs/architecture.md, checked over the source (AST, no import).

Every ``import`` of a ``monitor`` module counts, also those inside functions and
under ``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "monitor"

# Top-level part -> layer. A part is ``monitor.<name>`` (a module or a package).
LAYERS: dict[str, int] = {
    "monitor": 0,  # the package itself: __version__
    "compat": 0,
    "errors": 0,
    "domain": 0,
    "texts": 1,
    "config": 1,
    "configfile": 1,  # the config file's lookup and TOML read, without pydantic
    "schedule": 1,
    "boxlink": 1,
    "engine": 2,
    "links": 3,
    "indicator": 3,
    "register": 3,
    "alerts": 3,
    "control": 3,
    "children": 3,
    "calendar": 3,
    "reports": 3,
    "printout": 3,
    "sdnotify": 3,
    "box": 3,
    "media": 3,
    "timesync": 3,  # the kernel's adjtimex (clock trust)
    "jobs": 4,
    "daemon": 5,
    "cli": 6,
    "lamp": 6,  # the screen lamp: a command program (link-monitor lamp)
    "__main__": 6,
}
# Parts of these layers may not import another part of the same layer.
NO_SIDEWAYS = {3}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Return every ``monitor...`` module that ``path`` imports, absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _module_name(path).split(".")
                if path.name != "__init__.py":
                    base.pop()
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # ``from monitor.x import y`` may name a submodule y.
            found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if m == "monitor" or m.startswith("monitor.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "monitor"


GRAPH = _graph()


def test_every_part_has_a_layer() -> None:
    unknown = sorted({_part(m) for m in GRAPH} - set(LAYERS))
    assert not unknown, f"add these parts to LAYERS (and docs/architecture.md): {unknown}"


def test_imports_point_down_and_adapters_never_import_each_other() -> None:
    wrong = []
    for module, targets in sorted(GRAPH.items()):
        mine = LAYERS.get(_part(module))
        for target in sorted(targets):
            theirs = LAYERS.get(_part(target))
            if mine is None or theirs is None or _part(target) == _part(module):
                continue
            if theirs > mine or (theirs == mine and mine in NO_SIDEWAYS):
                wrong.append(f"{module} (layer {mine}) imports {target} (layer {theirs})")
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle() -> None:
    # Tarjan's strongly connected components over the module graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from monitor.register import Register\n",
            {"monitor.register", "monitor.register.Register"},
        ),
        ("import monitor.links\n", {"monitor.links"}),
        ("def f():\n    from monitor import daemon\n", {"monitor", "monitor.daemon"}),
    ],
)
def test_the_checker_sees_every_kind_of_import(tmp_path: Path, source: str, expected: set[str]):
    path = ROOT / "monitor" / "_probe_for_test.py"
    try:
        path.write_text(source)
        assert _imports(path) == expected
    finally:
        path.unlink()
