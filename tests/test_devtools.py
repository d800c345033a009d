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
