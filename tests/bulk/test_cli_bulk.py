"""`eldercare import`, `export` and `sync` against a running server, as a script would."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from eldercare import migrate
from eldercare.bulk import client
from eldercare.db import make_engine
from sqlalchemy.orm import Session

from tests.conftest import create_database, drop_database
from tests.factories import COUNTY, PASSWORD, VILLAGE, load_test_regions, make_client, make_elder
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
    env.pop("ELDERCARE_EMBEDDED_WORKER", None)  # the server runs queued imports itself
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


# The sync process of the test below dies (as if killed) when it is about to save the cursor
# after the second page: the page is in the output file, the cursor still before it.
CRASH_AT_SECOND_CURSOR = """
import os, sys
from pathlib import Path
from eldercare import cli
out, state, page = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
base = len(out.read_bytes().splitlines()) if out.exists() else 0
real = os.replace
def replace(src, dst):
    if Path(dst) == state and len(out.read_bytes().splitlines()) > base + page:
        os._exit(9)
    real(src, dst)
os.replace = replace
sys.exit(cli.main(sys.argv[4:]))
"""


def sync_crashing(env, base, out, state, cwd):
    args = ["sync", "--url", base, "--out", str(out), "--state", str(state), "--limit", "10"]
    return subprocess.run(
        [sys.executable, "-c", CRASH_AT_SECOND_CURSOR, str(out), str(state), "10", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_elders(url: str, n: int) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as s, s.begin():
            return [make_elder(s, VILLAGE, name="李秀兰").id for _ in range(n)]
    finally:
        engine.dispose()


def test_a_crash_before_the_cursor_is_saved_repeats_no_line(tmp_path):
    with serving(tmp_path) as (base, env, url):
        add_elders(url, 15)  # 45 changes (household, elder, its derived facts): 5 pages
        out, state = tmp_path / "changes.ndjson", tmp_path / "sync.json"
        crashed = sync_crashing(env, base, out, state, tmp_path)
        assert crashed.returncode == 9, crashed.stderr
        assert len(out.read_text().splitlines()) == 20  # the second page written, not recorded

        again = cli(env, "sync", "--url", base, "--out", out, "--state", state, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        reference = tmp_path / "reference.ndjson"
        fresh = ["--out", reference, "--state", tmp_path / "ref.json"]
        assert cli(env, "sync", "--url", base, *fresh, cwd=tmp_path).returncode == 0
        lines = out.read_text().splitlines()
        assert len(lines) == 45
        assert lines == reference.read_text().splitlines()  # none twice, none missing

        # Moved away between runs: the next file holds the new changes only, and a crash
        # in its second page is undone just the same.
        out.rename(tmp_path / "changes.1.ndjson")
        add_elders(url, 15)
        assert sync_crashing(env, base, out, state, tmp_path).returncode == 9
        again = cli(env, "sync", "--url", base, "--out", out, "--state", state, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert cli(env, "sync", "--url", base, *fresh, cwd=tmp_path).returncode == 0
        assert out.read_text().splitlines() == reference.read_text().splitlines()[45:]

        # To standard output (the summary goes to stderr): the same lines.
        piped = cli(
            env, "sync", "--url", base, "--out", "-", "--state", tmp_path / "p.json", cwd=tmp_path
        )
        assert piped.returncode == 0, piped.stderr
        assert piped.stdout.splitlines() == reference.read_text().splitlines()
        assert json.loads(piped.stderr.splitlines()[-1])["changes"] == 90


def wait_until(condition, proc, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"sync exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.05)


def synced_ids(out) -> set[str]:
    if not out.exists():
        return set()
    return {json.loads(line)["id"] for line in out.read_text().splitlines() if line}


def test_sync_follow_keeps_going_past_the_token_lifetime(tmp_path):
    with serving(tmp_path, ELDERCARE_ACCESS_TOKEN_MINUTES="0.05") as (base, env, url):  # 3 s
        out, state = tmp_path / "changes.ndjson", tmp_path / "sync.json"
        follow = [*CLI, "sync", "--url", base, "--out", str(out), "--state", str(state)]
        proc = subprocess.Popen(
            [*follow, "--follow", "--interval", "0.2", "--max-seconds", "120"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            (first,) = add_elders(url, 1)
            wait_until(lambda: first in synced_ids(out), proc, "the first change")
            # A token issued now expires after the follower's first one: wait until it does.
            form = {
                "grant_type": "client_credentials",
                "client_id": env["ELDERCARE_CLIENT_ID"],
                "client_secret": env["ELDERCARE_CLIENT_SECRET"],
            }
            token = httpx.post(f"{base}/api/v1/auth/token", data=form).json()["access_token"]
            wait_until(
                lambda: (
                    httpx.get(
                        f"{base}/api/v1/changes", headers={"Authorization": f"Bearer {token}"}
                    ).status_code
                    == 401
                ),
                proc,
                "the token's expiry",
            )
            (later,) = add_elders(url, 1)
            wait_until(lambda: later in synced_ids(out), proc, "a change after the expiry")
            proc.send_signal(signal.SIGTERM)  # stops after the page in hand, cursor saved
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, stderr
        summary = json.loads(stdout.splitlines()[-1])
        assert summary["changes"] == 6  # per elder: its household, it, its derived facts
        assert len(set(out.read_text().splitlines())) == 6
        assert json.loads(state.read_text())["cursor"] == summary["cursor"]


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
