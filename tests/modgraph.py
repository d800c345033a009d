"""Import graphs of one package's modules, for the tests that keep them one-directional."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType


def loaded_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
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


def module_graph(package: ModuleType, loaded_only: bool = True) -> dict[str, set[str]]:
    """Which modules of ``package`` import which (by the imports run when each is loaded,
    or by every import)."""
    PACKAGE = package.__name__
    ROOT = Path(package.__file__ or "").parent
    modules = {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m in modules:
        tree = ast.parse((ROOT / f"{m}.py").read_text(encoding="utf-8"))
        nodes = (
            loaded_imports(tree)
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


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
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
