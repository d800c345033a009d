"""The relief package's modules import each other in one direction: the imports a module runs
when it is loaded (not those inside functions) form no cycle."""

from __future__ import annotations

import eldercare.relief

from tests.modgraph import cycle, module_graph


def test_the_graph_is_read():
    edges = module_graph(eldercare.relief)
    assert "screening" in edges["router"] or "screening" in edges["present"], edges
    assert "inputs" in edges["screening"], edges


def test_the_relief_modules_import_each_other_without_a_cycle():
    found = cycle(module_graph(eldercare.relief))
    assert found is None, "import cycle in relief: " + " -> ".join(found or [])


def test_a_cycle_is_found():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
