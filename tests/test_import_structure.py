"""The package's import graph, read from the source with ``ast``: no cycles, and
subpackages import the modules that define what they use, never the top-level
package (whose ``__init__`` imports nearly everything, so that would be a cycle
hidden behind a function-level import)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "spasm_analysis"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _targets(module: str, path: Path, node, modules) -> list[str]:
    """The package modules an import statement loads (a name imported from a package is the package)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
    found = []
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name:
            found.append(name)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """``{module: {imported module: line}}`` over every import statement, at any depth (function-level too)."""
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        edges = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, path, node, modules):
                    if target != module:
                        edges.setdefault(target, node.lineno)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None (depth-first search, without recursion)."""
    state = dict.fromkeys(graph, 0)  # 0 unvisited, 1 on the current path, 2 done
    for start in sorted(graph):
        if state[start]:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            elif state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_import_graph_is_read():
    graph = import_graph()
    assert graph["spasm_analysis.cli"]["spasm_analysis.commands"] > 0
    assert "spasm_analysis.report.cli_report" in graph["spasm_analysis.cli"]
    # a function-level import is an edge too
    assert "spasm_analysis.personal.forecast" in graph["spasm_analysis.report.personal"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {}, "c": {"a": 1, "b": 1}}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_the_top_level_package():
    offenders = [f"{module} line {line}"
                 for module, edges in import_graph().items()
                 if module.count(".") >= 1 and (line := edges.get(PACKAGE)) is not None]
    assert offenders == []


@pytest.mark.parametrize("command", ["summary", "report", "clinician"])
def test_the_cli_lists_every_command(command):
    from spasm_analysis.cli import COMMANDS

    assert COMMANDS[command].name == command


def test_no_comment_or_docstring_refers_to_an_issue_number():
    """Comments say why, not which ticket: the history is in git."""
    import re

    pattern = re.compile(r"\bissues?\s*#?\s*\d+|(?<![\w&])#1\d\b", re.IGNORECASE)
    top = ROOT.parent
    files = [p for folder in (PACKAGE, "tests", "benchmarks", "notebooks") for p in (top / folder).rglob("*")
             if p.suffix in (".py", ".R", ".ipynb", ".md") and "fixtures" not in p.parts]
    offenders = [f"{p.relative_to(top)}:{n}" for p in files
                 for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
