"""The house's import rules hold: the contract in pyproject.toml, no circle between any two modules,
and no module reaching for another module's private name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "web", "demo", "objections", "inspections", "tlog", "search", "workdays", "schema")


def module_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def import_edges() -> dict[str, set[str]]:
    """module -> modules it imports (a package's __init__ counts as the package), type-only imports left out."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert module_cycles(edges) == [["a", "b", "c"]]
    assert module_cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_another_in_a_circle() -> None:
    assert module_cycles(import_edges()) == []


def private_imports(path: Path) -> list[str]:
    """``from our.module import _private`` in one file (a module's own package may share privates)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(
                        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}: from {node.module} import {alias.name}"
                    )
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "versions" not in p.parts]
    assert [hit for path in files for hit in private_imports(path)] == []


def test_the_private_import_check_sees_one(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("from api.graphql.core.ids import _secret\nfrom os import _exit\n", encoding="utf-8")
    assert private_imports(planted) == ["planted.py: from api.graphql.core.ids import _secret"]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_the_import_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
