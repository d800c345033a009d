"""The register's modules import each other in one direction: the imports a module runs when
it is loaded (not those inside functions) form no cycle, and ``service`` only re-exports (no
module of the package but the router imports it)."""

from __future__ import annotations

import ast
from pathlib import Path

import eldercare.elders
from eldercare.elders import service

PACKAGE = "eldercare.elders"
ROOT = Path(eldercare.elders.__file__).parent


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


def _graph(loaded_only: bool = True) -> dict[str, set[str]]:
    modules = {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m in modules:
        tree = ast.parse((ROOT / f"{m}.py").read_text(encoding="utf-8"))
        nodes = (
            _loaded_imports(tree)
            if loaded_only
            else [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        )
        for node in nodes:
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
    assert {"access", "identity_checks", "facts", "history"} <= edges["lifecycle"], edges
    assert {"lifecycle", "guardians"} <= edges["merges"], edges
    assert "queries" in edges["present"], edges


def test_the_register_modules_import_each_other_without_a_cycle():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle in elders: " + " -> ".join(cycle or [])


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_service_is_only_a_facade():
    """Inside the package only the router goes through ``service`` (even in functions): a
    module of the register imports the module that does the work."""
    callers = {m for m, targets in _graph(loaded_only=False).items() if "service" in targets}
    assert callers == {"router"}, callers
    tree = ast.parse((ROOT / "service.py").read_text(encoding="utf-8"))
    own = [
        n.lineno
        for n in tree.body
        if not isinstance(n, ast.ImportFrom | ast.Expr)
        and not (isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__all__")
    ]
    assert own == [], f"service.py defines something of its own (lines {own})"
    assert all(hasattr(service, name) for name in service.__all__)
