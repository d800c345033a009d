"""The packages of the server import each other in one direction (docs/design.md, "Domain
boundaries"): the platform imports no domain, a domain imports only the platform and the
domains of lower layers, and only the application (the modules that assemble the domains)
imports everything. Every import counts: at the top of a module, inside a function, under
``TYPE_CHECKING``, or through ``importlib.import_module`` with a constant name.

A follow-up that a lower domain needs from a higher one goes through a hook
(:mod:`eldercare.hooks`) registered in :mod:`eldercare.wiring`; the tests below check that
every hook is registered, and that the app and the command line register them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import eldercare
import pytest
from eldercare.feed import changes
from eldercare.hooks import Hook, NotWired, Provider

ROOT = Path(eldercare.__file__).parent

# The layers, lowest first. The platform is every top-level module not named by the
# application, and these packages:
PLATFORM = ("audit", "auth", "feed", "regions", "sheets")
# The domains, from the register up; a package imports only from layers below its own (so
# not from another package of its layer). `stats` is the read model: last, it may read
# every domain's tables.
DOMAINS = (
    ("elders",),
    ("volunteers",),
    ("visits",),
    ("followups",),
    ("incidents", "relief", "sweeps"),
    ("bulk",),
    ("rosters",),
    ("stats",),
)
# The application, which assembles the domains: the app factory, the command line, every
# table for Alembic, the contract, the hooks' registration, the demo and the generator.
APPLICATION = ("main", "cli", "models", "openapi", "wiring", "devtools")
# Imports that break the layering today, each with what removes it. A listed import that is
# gone fails the test too: take it off the list.
KNOWN: dict[tuple[str, str], str] = {}


def _rank(unit: str, packages: set[str]) -> int:
    """0 for the platform, 1.. for the domain layers, above them the application; -1 for a
    package that no layer names."""
    if unit in APPLICATION:
        return len(DOMAINS) + 1
    for i, layer in enumerate(DOMAINS, start=1):
        if unit in layer:
            return i
    if unit in PLATFORM or unit not in packages:
        return 0
    return -1


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of the file, wherever it is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, up level - 1
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            if "." in base:
                yield base, node.lineno
            else:  # `from eldercare import visits` imports a package by name
                for alias in node.names:
                    yield f"{base}.{alias.name}", node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """Unit (a package or top-level module of ``root``) -> units it imports -> where."""
    top = root.name
    units = {p.name.removesuffix(".py") for p in root.iterdir() if p.suffix == ".py" or p.is_dir()}
    edges: dict[str, dict[str, list[str]]] = {}
    for path in sorted(root.rglob("*.py")):
        unit = path.relative_to(root).parts[0].removesuffix(".py")
        lines = path.read_text(encoding="utf-8").splitlines()
        for name, line in _imports(path, root):
            parts = name.split(".")
            if parts[0] != top or len(parts) < 2 or parts[1] not in units or parts[1] == unit:
                continue
            where = f"{path.relative_to(root)}:{line}: {lines[line - 1].strip()}"
            edges.setdefault(unit, {}).setdefault(parts[1], []).append(where)
    return edges


def _packages(root: Path) -> set[str]:
    return {p.parent.name for p in root.glob("*/__init__.py")}


def layering_problems(root: Path = ROOT) -> list[str]:
    """Every import against the layering, and every package no layer names."""
    packages = _packages(root)
    problems = [
        f"{p}/: a package no layer names (add it to PLATFORM, DOMAINS or APPLICATION)"
        for p in sorted(packages)
        if _rank(p, packages) < 0
    ]
    for a, targets in sorted(graph(root).items()):
        rank_a = _rank(a, packages)
        for b, where in sorted(targets.items()):
            rank_b = _rank(b, packages)
            allowed = rank_b < rank_a or rank_a == rank_b == 0 or rank_a == len(DOMAINS) + 1
            if not allowed and (a, b) not in KNOWN:
                problems += [f"{w} (layer {rank_a} -> {rank_b})" for w in where]
    return problems


def domain_cycle(root: Path = ROOT) -> list[str] | None:
    """One import cycle among the domain packages (the first repeated at the end), or None."""
    domains = {d for layer in DOMAINS for d in layer}
    edges = {a: sorted(set(t) & domains) for a, t in graph(root).items() if a in domains}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(a: str) -> list[str] | None:
        state[a] = 1
        path.append(a)
        for b in edges.get(a, []):
            if state.get(b) == 1:
                return [*path[path.index(b) :], b]
            if b not in state and (found := visit(b)):
                return found
        path.pop()
        state[a] = 2
        return None

    for a in sorted(edges):
        if a not in state and (found := visit(a)):
            return found
    return None


class TestLayers:
    def test_the_graph_is_read(self):
        edges = graph()
        assert "elders" in edges["visits"], edges.get("visits")
        assert "sheets" in edges["relief"], edges.get("relief")
        assert {"elders", "visits", "relief"} <= set(edges["wiring"])

    def test_no_import_cycle_between_domains(self):
        cycle = domain_cycle()
        assert cycle is None, "import cycle: " + " -> ".join(cycle or [])

    def test_the_platform_imports_no_domain_and_no_domain_imports_upward(self):
        problems = layering_problems()
        assert not problems, "\n".join(problems)

    def test_every_known_exception_still_exists(self):
        edges = graph()
        gone = [f"{a} -> {b}" for a, b in KNOWN if b not in edges.get(a, {})]
        assert not gone, f"no longer imported, take off KNOWN: {gone}"

    def test_the_register_loads_without_the_domains_above_it(self):
        """In a fresh interpreter, every module of the register (the lowest domain) imports
        with no module of another domain loaded: what it needs of them comes through
        hooks."""
        code = (
            "import importlib, pkgutil, sys\n"
            "import eldercare.elders as register\n"
            "for m in pkgutil.walk_packages(register.__path__, 'eldercare.elders.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(' '.join(sorted({n.split('.')[1] for n in sys.modules"
            " if n.startswith('eldercare.')})))\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        domains = {d for layer in DOMAINS for d in layer} - {"elders"}
        assert "elders" in done.stdout.split()
        assert not domains & set(done.stdout.split()), done.stdout

    def test_the_layers_are_those_of_the_design_document(self):
        design = (ROOT.parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
        written = " < ".join(", ".join(layer) for layer in DOMAINS)
        assert f"platform < {written} < application" in design


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


class TestTheCheckFindsWhatItShould:
    """The same functions on a small tree of the same shape."""

    @pytest.fixture
    def tree(self, tmp_path: Path) -> Path:
        root = tmp_path / "eldercare"
        _write(
            root,
            {
                "__init__.py": "",
                "scope.py": "",
                "auth/__init__.py": "",
                "elders/__init__.py": "",
                "elders/service.py": "from eldercare.auth import x\n",
                "visits/__init__.py": "",
                "visits/service.py": "from eldercare.elders import service\n",
                "main.py": "from eldercare.visits import service\n",
            },
        )
        return root

    def test_a_layered_tree_passes(self, tree: Path):
        assert domain_cycle(tree) is None
        assert layering_problems(tree) == []

    def test_an_import_inside_a_function_that_closes_a_cycle_is_found(self, tree: Path):
        _write(tree, {"elders/rules.py": "def f():\n    from eldercare.visits import schedule\n"})
        assert domain_cycle(tree) == ["elders", "visits", "elders"]
        assert layering_problems(tree) == [
            "elders/rules.py:2: from eldercare.visits import schedule (layer 1 -> 3)"
        ]

    def test_a_platform_module_importing_a_domain_is_found(self, tree: Path):
        _write(
            tree, {"scope.py": "import importlib\nimportlib.import_module('eldercare.elders')\n"}
        )
        assert layering_problems(tree) == [
            "scope.py:2: importlib.import_module('eldercare.elders') (layer 0 -> 1)"
        ]

    def test_a_relative_import_and_a_package_imported_by_name_count(self, tree: Path):
        _write(tree, {"auth/deps.py": "from .. import visits\n"})
        assert "auth/deps.py:1: from .. import visits (layer 0 -> 3)" in layering_problems(tree)

    def test_two_domains_of_one_layer_may_not_import_each_other(self, tree: Path):
        _write(
            tree,
            {
                "incidents/__init__.py": "",
                "relief/__init__.py": "",
                "relief/service.py": "from eldercare.incidents import service\n",
            },
        )
        assert layering_problems(tree) == [
            "relief/service.py:1: from eldercare.incidents import service (layer 5 -> 5)"
        ]

    def test_a_package_no_layer_names_is_found(self, tree: Path):
        _write(tree, {"loans/__init__.py": ""})
        assert layering_problems(tree) == [
            "loans/: a package no layer names (add it to PLATFORM, DOMAINS or APPLICATION)"
        ]


def _hooks() -> dict[str, Hook | Provider]:
    import eldercare.wiring  # noqa: F401  (every module that declares a hook)

    return {
        f"{name}.{attr}": value
        for name, module in list(sys.modules.items())
        if name.startswith("eldercare.")
        for attr, value in vars(module).items()
        if isinstance(value, Hook | Provider)
    }


class TestHooks:
    def test_every_hook_is_registered(self):
        hooks = _hooks()
        assert {"eldercare.elders.hooks.changed", "eldercare.scope.paired_elders"} <= set(hooks)
        empty = [
            name
            for name, h in hooks.items()
            if not (h.functions if isinstance(h, Hook) else h.function)
        ]
        assert not empty, f"not registered in eldercare/wiring.py: {empty}"

    def test_a_hook_called_before_it_is_registered_raises(self):
        with pytest.raises(NotWired):
            Hook[[int]]("test.hook")(1)
        with pytest.raises(NotWired):
            Provider[[int], int]("test.provider")(1)

    def test_a_hook_runs_every_function_once_in_order(self):
        seen: list[str] = []
        hook = Hook[[str]]("test.hook")
        first, second = (lambda s: seen.append(f"1{s}")), (lambda s: seen.append(f"2{s}"))
        for fn in (first, second, first):
            hook.register(fn)
        hook("a")
        assert seen == ["1a", "2a"]

    @pytest.mark.parametrize(
        "start",
        [
            "from eldercare.main import create_app; create_app()",
            "from eldercare import cli\n"
            "cli.cmd_register_refresh = lambda args: 0\n"
            "cli.main(['register', 'refresh'])",
        ],
        ids=["app", "command-line"],
    )
    def test_the_app_and_the_command_line_register_the_hooks(self, start: str):
        """In a fresh interpreter: nothing is registered until the app or a command starts."""
        code = (
            "from eldercare.elders import hooks\n"
            "from eldercare import scope\n"
            "assert not hooks.changed.functions and scope.paired_elders.function is None\n"
            f"{start}\n"
            "assert hooks.changed.functions and scope.paired_elders.function is not None\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr


def test_every_resource_of_the_feed_is_watched():
    import eldercare.models  # noqa: F401  (every model)

    assert sorted(w.resource for w in changes.WATCHED.values()) == sorted(changes.RESOURCES)
