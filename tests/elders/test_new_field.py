"""A new field of the register is one edit plus its migration: every path that creates
elders writes it, with no change to any of them.

``new_field_probe.py`` makes the edit in a fresh interpreter (a column on the ``Elder``
model, a field with a default on ``ElderCreate``, a column with a Chinese header for the
import, and ``ALTER TABLE`` on a database of its own in place of the migration), then
registers elders through POST /elders, CSV, XLSX and NDJSON imports and the generator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eldercare import migrate

from tests.conftest import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]


def test_a_field_added_to_the_model_and_schema_is_written_by_every_path():
    url = create_database("field_")
    try:
        migrate.upgrade(url)
        env = {
            **os.environ,
            "ELDERCARE_DATABASE_URL": url,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "backend"), str(ROOT)]),
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.elders.new_field_probe"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        found = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        drop_database(url)

    by_path = {row["path"]: row for row in found.values()}
    assert set(by_path) == {"api", "csv", "xlsx", "ndjson", "generator"}
    # given values, stored and kept in the creation's history ...
    given = {"api": "佛教", "csv": "道教", "xlsx": "伊斯兰教", "ndjson": "无"}
    for path, value in given.items():
        assert (by_path[path]["value"], by_path[path]["history"]) == (value, [None, value]), path
    # ... and the field's default where the generator gives none (no history: nobody acted)
    generated = [row for row in found.values() if row["path"] == "generator"]
    assert len(generated) == 3
    assert {row["value"] for row in generated} == {"未登记"}
