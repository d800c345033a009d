"""The relief package's modules import each other in one direction: the imports a module runs
when it is loaded (not those inside functions) form no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import eldercare.relief

PACKAGE = "eldercare.relief"
ROOT = Path(eldercare.relief.__file__).parent


def _loaded_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements run when the module is loaded: at the top, or under a
    module-level ``if`` or ``try``; not those inside functions or classes."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If | ast.Try):
            todo += [*node.body, *node.orelse]
            if isinstance(node, ast.Try):
                todo += [*node.finalbody, *(s for h in node.handlers for s in h.body)]
    return found


def _graph() -> dict[str, set[str]]:
    modules = {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m in modules:
        tree = ast.parse((ROOT / f"{m}.py").read_text(encoding="utf-8"))
        for node in _loaded_imports(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif node.level == 1:  # from . import x / from .x import y
                names = [f"{PACKAGE}.{node.module}"] if node.module else []
                names += [f"{PACKAGE}.{a.name}" for a in node.names if not node.module]
            elif node.module == PACKAGE:
                names = [f"{PACKAGE}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            for name in names:
                if name.startswith(PACKAGE + "."):
                    target = name.removeprefix(PACKAGE + ".").split(".")[0]
                    if target in modules and target != m:
                        edges[m].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (the modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                return [*path[path.index(n) :], n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_graph_is_read():
    edges = _graph()
    assert "screening" in edges["router"] or "screening" in edges["present"], edges
    assert "inputs" in edges["screening"], edges


def test_the_relief_modules_import_each_other_without_a_cycle():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle in relief: " + " -> ".join(cycle or [])


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
