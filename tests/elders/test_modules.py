"""The register's modules import each other in one direction: the imports a module runs when
it is loaded (not those inside functions) form no cycle, and ``service`` only re-exports (no
module of the package but the router imports it)."""

from __future__ import annotations

import ast
from pathlib import Path

import eldercare.elders
from eldercare.elders import service

from tests.modgraph import cycle, module_graph


def test_the_graph_is_read():
    edges = module_graph(eldercare.elders)
    assert {"access", "identity_checks", "facts", "history"} <= edges["lifecycle"], edges
    assert {"lifecycle", "guardians"} <= edges["merges"], edges
    assert "queries" in edges["present"], edges


def test_the_register_modules_import_each_other_without_a_cycle():
    found = cycle(module_graph(eldercare.elders))
    assert found is None, "import cycle in elders: " + " -> ".join(found or [])


def test_a_cycle_is_found():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_service_is_only_a_facade():
    """Inside the package only the router goes through ``service`` (even in functions): a
    module of the register imports the module that does the work."""
    callers = {
        m
        for m, targets in module_graph(eldercare.elders, loaded_only=False).items()
        if "service" in targets
    }
    assert callers == {"router"}, callers
    tree = ast.parse(
        (Path(eldercare.elders.__file__).parent / "service.py").read_text(encoding="utf-8")
    )
    own = [
        n.lineno
        for n in tree.body
        if not isinstance(n, ast.ImportFrom | ast.Expr)
        and not (isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__all__")
    ]
    assert own == [], f"service.py defines something of its own (lines {own})"
    assert all(hasattr(service, name) for name in service.__all__)
