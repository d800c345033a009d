"""The package as installed by `pip install eldercare`, not as run from this checkout.

Every module the server imports is a declared runtime dependency; the wheel holds every
subpackage, the migrations and the demo's region data; and a wheel installed without extras
into a fresh virtualenv outside the checkout migrates a SQLite database, seeds the demo and
serves (`/healthz` and `/readyz` answer 200).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND
from tests.test_serve import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "eldercare"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _runtime_closure() -> set[str]:
    """The declared runtime dependencies and what they require in turn (extras aside)."""
    todo = [_name(r) for r in PYPROJECT["project"]["dependencies"]]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r.partition(";")[2]]
    return seen


def _third_party_imports() -> dict[str, str]:
    """Top-level modules imported anywhere in the package, with one file importing each."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top != "eldercare" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_module_imported_at_run_time_is_a_runtime_dependency():
    closure = _runtime_closure()
    providers = metadata.packages_distributions()
    missing = {
        module: where
        for module, where in _third_party_imports().items()
        if not {_name(d) for d in providers.get(module, [])} & closure
    }
    assert missing == {}, f"imported but not in [project].dependencies: {missing}"


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT / "backend").parts) for p in PACKAGE.rglob("__init__.py")
    }
    assert on_disk - listed == set()
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert mapped["eldercare.migrations"] == "migrations"
    assert mapped["eldercare.data"] == "data"


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def index_reachable(tmp_path_factory):
    """Building the wheel and installing its dependencies need a package index."""
    probe = _pip(
        "download",
        "--no-deps",
        "-d",
        str(tmp_path_factory.mktemp("probe")),
        "setuptools>=77",
        cwd=tmp_path_factory.getbasetemp(),
    )
    if probe.returncode != 0:
        pytest.skip(f"no package index reachable for pip: {probe.stderr.strip()[-300:]}")


def _source_copy(dest: Path) -> Path:
    """What the wheel is built from (a copy: no build/ or egg-info left in the checkout)."""
    import shutil

    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("backend", "migrations", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "sqlite", reason="the wheel is checked once, on the SQLite pass")
def test_the_wheel_installed_without_extras_migrates_seeds_and_serves(tmp_path, index_reachable):
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    built = _pip("wheel", "--no-deps", "-w", str(dist), str(src), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("eldercare-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    versions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert {n.rpartition("/")[2] for n in names if "/migrations/versions/" in n} >= versions
    assert {"eldercare/migrations/env.py", "eldercare/migrations/script.py.mako"} <= names
    regions = {f"eldercare/data/regions/{p.name}" for p in (ROOT / "data/regions").glob("*.csv")}
    assert regions <= names

    # a fresh virtualenv outside the checkout; this pip installs into it (no pip inside)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = _pip("--python", str(python), "install", str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ELDERCARE_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        ELDERCARE_VAR_DIR=str(tmp_path / "var"),
        ELDERCARE_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'smoke.db'}",
        ELDERCARE_LOG_LEVEL="WARNING",
    )
    where = subprocess.run(
        [str(python), "-c", "import eldercare; print(eldercare.__file__)"],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not this checkout

    cli = str(venv / "bin" / "eldercare")
    for command in (["db", "upgrade"], ["demo", "seed"]):
        done = subprocess.run(
            [cli, *command], cwd=run_dir, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"eldercare {' '.join(command)}: {done.stderr}"

    port = free_port()
    proc = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        cwd=run_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        login = httpx.post(
            f"{base}/api/v1/auth/token",
            data={
                "username": "lanshan_township",
                "password": (tmp_path / "var" / "demo-password").read_text().strip(),
            },
            timeout=30,
        )
        assert login.status_code == 200, login.text
    finally:
        stop(proc)


LOCK = ROOT / "requirements" / "lock.txt"


def _locked() -> dict[str, tuple[str, str]]:
    """The lock's pins: name -> (version, environment marker)."""
    pins: dict[str, tuple[str, str]] = {}
    for entry in re.split(r"\n(?=\S)", LOCK.read_text(encoding="utf-8")):
        if entry.startswith("#") or not entry.strip():
            continue
        line = entry.splitlines()[0].rstrip(" \\")
        requirement, _, marker = line.partition(" ; ")
        name, _, version = requirement.partition("==")
        assert version, f"not pinned: {line}"
        assert "--hash=sha256:" in entry, f"no hash: {line}"
        pins[_name(name)] = (version, marker.strip())
    return pins


def test_every_dependency_is_locked_at_or_above_its_lower_bound():
    """pyproject.toml's lower bounds are versions the lock (and so CI) has run."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = _locked()
    declared = [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
        *(ROOT / "requirements" / "tools.in").read_text().split("\n"),
    ]
    for line in declared:
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        assert _name(req.name) in pins, f"{req.name} is not in {LOCK.name}: run `make lock`"
        version = pins[_name(req.name)][0]
        assert req.specifier.contains(Version(version)), (req, version)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        if lower and req.name not in ("pip", "setuptools"):
            assert Version(lower[0]) == Version(version), (
                f"{req.name}: the lower bound {lower[0]} is not the locked {version}"
            )


def test_this_environment_is_the_lock():
    """What the tests run on is what the lock installs (`make setup` puts it right)."""
    from packaging.markers import Marker

    wrong = {}
    for name, (version, marker) in _locked().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert wrong == {}, f"installed vs locked (run `make setup`): {wrong}"
