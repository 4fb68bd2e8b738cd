"""The shape of the package the design promises (docs/ARCHITECTURE.md): no import cycle
between modules, a short orchestrator, no function over 60 lines, and a module map that
names exactly the files in the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reportgen"


def _modules() -> dict[str, ast.Module]:
    """Every module by its dotted name below ``reportgen`` (``engines.local``); a package's
    ``__init__`` by the package's name (the top one is ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _imports(tree: ast.Module, names: set[str]) -> set[str]:
    """reportgen modules a module imports, at its top or inside functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportgen"):
            base = (node.module or "").removeprefix("reportgen").lstrip(".")
            for alias in node.names:
                inner = f"{base}.{alias.name}" if base else alias.name
                found.add(inner if inner in names else base)
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("reportgen.")
                for a in node.names
                if a.name.startswith("reportgen.")
            }
    return found & names


def test_the_import_graph_reads_submodules() -> None:
    """The graph sees ``from reportgen.segmenting import clustering`` as that module."""
    tree = ast.parse(
        "from reportgen.segmenting import clustering\nfrom reportgen.config import Config"
    )
    assert _imports(tree, {"segmenting", "segmenting.clustering", "config"}) == {
        "segmenting.clustering",
        "config",
    }


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
    assert "engines.local" in graph["pipeline"] and "pipeline" not in graph["engines.spark"]


def test_no_function_is_over_60_lines_and_run_is_under_40() -> None:
    long = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 60 or (name == "pipeline" and node.name == "run" and lines >= 40):
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


def test_the_module_map_names_every_file_in_the_tree() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Module map", 1)[1].split("\n## ", 1)[0]
    mapped = set(re.findall(r"reportgen/[\w/]+\.py", section))
    tree = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")}
    assert sorted(tree - mapped) == [] and sorted(mapped - tree) == []


def test_every_module_imports() -> None:
    """A module only helpers import (``report._warm``) fails nowhere else: import them all."""
    import importlib
    import importlib.util

    for name in _modules():
        if name == "engines.spark" and importlib.util.find_spec("pyspark") is None:
            continue  # the pyspark extra
        importlib.import_module("reportgen" if name == "__init__" else f"reportgen.{name}")
