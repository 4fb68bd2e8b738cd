"""The shape of the package the design promises (docs/ARCHITECTURE.md): no import cycle
between modules, a short orchestrator, no function over 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.glob("*.py")}


def _imports(tree: ast.Module, names: set[str]) -> set[str]:
    """reportgen modules a module imports, at its top or inside functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "reportgen":
            found |= {a.name for a in node.names if a.name in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportgen."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("reportgen.")}
    return found


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(tree, set(modules)) - {name} for name, tree in modules.items()}
    state: dict[str, str] = {}
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph.get(name, ())):
            if state.get(other) == "open":
                cycles.append(path[path.index(other) :] + [other])
            elif other not in state:
                visit(other, [*path, other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_function_is_over_60_lines_and_run_is_under_40() -> None:
    long = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 60 or (name == "pipeline" and node.name == "run" and lines >= 40):
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []
