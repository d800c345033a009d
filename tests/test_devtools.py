"""The demo and the synthetic data generator stay off the server's import path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
{imports}
print(json.dumps(sorted(m for m in sys.modules if m.startswith("eldercare."))))
"""


def loaded_after(imports: str) -> list[str]:
    """The eldercare modules a fresh interpreter holds after running ``imports``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "backend")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_server_with_every_router_imports_no_devtools():
    loaded = loaded_after("from eldercare.main import create_app\ncreate_app()")
    assert "eldercare.bulk.handlers.elders" in loaded  # the import path was walked
    assert [m for m in loaded if m.startswith("eldercare.devtools")] == []


def test_the_command_line_imports_them_only_for_the_demo():
    loaded = loaded_after("import eldercare.cli")
    assert [m for m in loaded if m.startswith("eldercare.devtools")] == []
    loaded = loaded_after("from eldercare.devtools import demo")
    assert "eldercare.devtools.demo" in loaded


GENERATE = """
import sys
from datetime import date
from sqlalchemy.orm import Session
from eldercare import migrate
from eldercare.db import make_engine
from eldercare.devtools import synth
from eldercare.regions.models import Region
url = sys.argv[1]
migrate.upgrade(url)
engine = make_engine(url)
villages = ["431127104230", "431127104204"]
with Session(engine) as db, db.begin():
    for code, name, level, parent in [
        ("431127", "蓝山县", "county", None),
        ("431127104", "所城镇", "township", "431127"),
        ("431127104230", "南风坳村", "village", "431127104"),
        ("431127104204", "所城村", "village", "431127104"),
    ]:
        db.add(Region(code=code, name=name, level=level, parent_code=parent))
with Session(engine) as db, db.begin():
    plan = synth.plan_villages(villages, 40, synth.random.Random(3))
    people = synth.elders(plan, date(2026, 12, 6), seed=3)
    counts = synth.write_register(db, people, date(2026, 12, 6))
print(counts["elders"])
"""


def test_the_generator_runs_in_a_process_of_its_own(tmp_path):
    """``bench/generate.py`` calls the generator in a fresh interpreter: the derivation's
    hooks are registered there too (no app or command line did it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "backend")}
    url = f"sqlite:///{tmp_path / 'gen.db'}"
    out = subprocess.run(
        [sys.executable, "-c", GENERATE, url],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip().splitlines()[-1]) == 40
