"""`eldercare import`, `export` and `sync` against a running server, as a script would."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from eldercare import migrate
from eldercare.bulk import client
from eldercare.db import make_engine
from sqlalchemy.orm import Session

from tests.conftest import create_database, drop_database
from tests.factories import COUNTY, PASSWORD, load_test_regions, make_client
from tests.test_serve import CLI, ROOT, free_port, wait_ready

from .test_durability import elders_csv

pytestmark = pytest.mark.slow


@contextmanager
def serving(tmp_path, **settings):
    """A server on a fresh database; yields its URL, the client's environment, the DB URL."""
    url = create_database("cli_")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        load_test_regions(s)
        integration = make_client(s, COUNTY, ["import", "changes:read", "registry:read"])
        client_id = integration.client_id
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELDERCARE_DATABASE")}
    env.update(
        ELDERCARE_DATABASE_URL=url,
        ELDERCARE_VAR_DIR=str(tmp_path / "var"),
        ELDERCARE_CLIENT_ID=client_id,
        ELDERCARE_CLIENT_SECRET=PASSWORD,
        **settings,
    )
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        yield base, env, url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        drop_database(url)


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path) as (base, env, _url):
        yield base, env


def cli(env, *args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "eldercare.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_sync_then_export(server, tmp_path):
    base, env = server
    data = tmp_path / "elders.csv"
    data.write_bytes(elders_csv(50))
    first = cli(env, "import", str(data), "--resource", "elders", "--url", base, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 50
    again = cli(env, "import", str(data), "--resource", "elders", "--url", base, cwd=tmp_path)
    assert json.loads(again.stdout)["created"] == 50  # the first report, replayed

    out = tmp_path / "changes.ndjson"
    synced = cli(env, "sync", "--url", base, "--out", str(out), cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len([c for c in lines if c["resource"] == "elder"]) == 50
    assert (tmp_path / ".eldercare-sync.json").exists()
    # resuming from the remembered cursor adds nothing
    cli(env, "sync", "--url", base, "--out", str(out), cwd=tmp_path)
    assert len(out.read_text().splitlines()) == len(lines)

    target = tmp_path / "elders-export.csv"
    exported = cli(
        env, "export", "--resource", "elders", "--url", base, "--out", str(target), cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 50
    # the register list's filters, as the list takes them
    older = [r for r in rows if int(r["birth_date"]) <= 2026 - 80]  # masked: the birth year
    filtered = tmp_path / "old.csv"
    r = cli(
        env,
        "export",
        "--resource",
        "elders",
        "--url",
        base,
        "--out",
        str(filtered),
        "--age-min",
        "81",
        "--status",
        "active",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    got = list(csv.DictReader(filtered.read_text(encoding="utf-8-sig").splitlines()))
    assert 0 < len(got) <= len(older)
    assert {g["id"] for g in got} <= {o["id"] for o in older}
    bad = cli(env, "export", "--resource", "volunteers", "--url", base, "--q", "x", cwd=tmp_path)
    assert bad.returncode == 2
    assert "HTTP 400" in bad.stderr


def test_import_with_bad_rows_saves_the_error_file(server, tmp_path):
    base, env = server
    data = tmp_path / "bad.csv"
    data.write_text("身份证号,姓名,村代码\n123,王五,431127104230\n", encoding="utf-8")
    r = cli(env, "import", str(data), "--resource", "elders", "--url", base, cwd=tmp_path)
    assert r.returncode == 1
    errors = (tmp_path / "bad.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0].endswith("错误")
    assert len(errors) == 2


def test_a_rejected_token_is_renewed_and_the_request_sent_again(server, monkeypatch):
    base, env = server
    monkeypatch.delenv("ELDERCARE_TOKEN", raising=False)
    monkeypatch.setenv("ELDERCARE_CLIENT_ID", env["ELDERCARE_CLIENT_ID"])
    monkeypatch.setenv("ELDERCARE_CLIENT_SECRET", env["ELDERCARE_CLIENT_SECRET"])
    api = client.Api(base)
    api.token = "revoked"  # as a revoked token, or one whose expiry the clocks disagree on
    assert api.get_json("/api/v1/changes", limit=1)["next_cursor"]
    assert api.token != "revoked"

    monkeypatch.setenv("ELDERCARE_TOKEN", "revoked")  # a ready token: nothing to renew it with
    with pytest.raises(client.ClientError, match="ELDERCARE_TOKEN cannot be renewed"):
        client.Api(base).get_json("/api/v1/changes")
