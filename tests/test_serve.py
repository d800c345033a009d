"""What `make run` does, end to end: migrate, seed the demo, serve, log in; again keeps data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from eldercare import identity

from tests.conftest import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "eldercare.cli"]

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become ready")


@pytest.fixture
def env(tmp_path):
    url = create_database("serve_")
    e = {k: v for k, v in os.environ.items() if not k.startswith("ELDERCARE_DATABASE")}
    e.update(
        ELDERCARE_VAR_DIR=str(tmp_path / "var"),
        ELDERCARE_DATABASE_URL=url,
        ELDERCARE_DEMO_PASSWORD="",
        ELDERCARE_JWT_SECRET="",
        ELDERCARE_LOG_LEVEL="WARNING",
    )
    e.pop("ELDERCARE_EMBEDDED_WORKER", None)  # as `make run` has it: the default
    yield e
    drop_database(url)


def start(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def setup_demo(env: dict[str, str]) -> str:
    subprocess.run([*CLI, "db", "upgrade"], env=env, cwd=ROOT, check=True)
    out = subprocess.run(
        [*CLI, "demo", "seed"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    match = re.search(r"password for all: (\S+)\)", out.stdout)
    assert match, out.stdout
    return match.group(1)


def test_demo_serves_and_a_second_run_keeps_data(env):
    password = setup_demo(env)
    assert (Path(env["ELDERCARE_VAR_DIR"]) / "demo-password").read_text().strip() == password
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(env, port)
    try:
        wait_ready(base, proc)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "lanshan_admin", "password": password}
        )
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        me = httpx.get(f"{base}/api/v1/auth/me", headers=headers).json()
        assert me["region"]["name"] == "蓝山县"
        # the demo has records registered twice, for the duplicates screen to find
        officer = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "lanshan_township", "password": password},
        ).json()["access_token"]
        pairs = httpx.get(
            f"{base}/api/v1/elders/duplicates", headers={"Authorization": f"Bearer {officer}"}
        ).json()
        assert len(pairs) == 2
        assert all("same_name" in p["reasons"] for p in pairs)
        created = httpx.post(
            f"{base}/api/v1/users",
            headers=headers,
            json={
                "username": "kept_user",
                "password": "kept-user-pass",
                "role": "village_worker",
                "region": "431127104230",
            },
        )
        assert created.status_code == 201
        # one command serves and runs queued jobs: an import answered 202 completes
        village = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "lanshan_village", "password": password},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {village}"}
        number = identity.make("431127", date(1941, 3, 9), 517, True)
        queued = httpx.post(
            f"{base}/api/v1/imports/elders",
            headers={**auth, "Content-Type": "text/csv", "Prefer": "respond-async"},
            content=f"身份证号,姓名,村代码,居住状况\n{number},排队测试,431127104230,独居\n".encode(),
        )
        assert queued.status_code == 202
        deadline = time.monotonic() + 30
        report = queued.json()  # queued, or running if the worker was quicker than the answer
        while report["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
            report = httpx.get(f"{base}{queued.headers['Location']}", headers=auth).json()
        assert (report["status"], report["created"]) == ("succeeded", 1), report
    finally:
        stop(proc)

    # make run again: same password, the user created before is still there
    assert setup_demo(env) == password
    proc = start(env, port)
    try:
        wait_ready(base, proc)
        again = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "kept_user", "password": "kept-user-pass"},
        )
        assert again.status_code == 200
        # tokens issued before the restart still verify: the secret was kept under var/
        me = httpx.get(f"{base}/api/v1/auth/me", headers=headers)
        assert me.status_code == 200
    finally:
        stop(proc)


def test_every_demo_role_can_log_in(env):
    from eldercare.devtools.demo import DEMO_USERS

    password = setup_demo(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(env, port)
    try:
        wait_ready(base, proc)
        for user in DEMO_USERS:
            r = httpx.post(
                f"{base}/api/v1/auth/token", data={"username": user.username, "password": password}
            )
            assert r.status_code == 200, user.username
            me = httpx.get(
                f"{base}/api/v1/auth/me",
                headers={"Authorization": f"Bearer {r.json()['access_token']}"},
            )
            assert me.json()["role"] == user.role
            assert me.json()["region"]["code"] == user.region
    finally:
        stop(proc)


def test_concurrent_writes_do_not_fail(env):
    """Writes take the database's write lock up front: on SQLite no request fails with
    "database is locked" when others write at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    password = setup_demo(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(env, port)
    try:
        wait_ready(base, proc)
        tok = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "lanshan_county", "password": password}
        )
        h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        elders = httpx.get(f"{base}/api/v1/elders?limit=8", headers=h).json()["items"]

        def patch(e):
            return httpx.patch(
                f"{base}/api/v1/elders/{e['id']}",
                headers={**h, "If-Match": f'"{e["version"]}"'},
                json={"notes": "并发写入"},
                timeout=30,
            ).status_code

        def bad_login(i):
            return httpx.post(
                f"{base}/api/v1/auth/token",
                timeout=30,
                data={"username": "lanshan_village", "password": f"wrong-{i}-password"},
            ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(patch, elders)) == [200] * len(elders)
            assert set(pool.map(bad_login, range(4))) == {401}
    finally:
        stop(proc)
