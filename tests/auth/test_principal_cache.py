"""The per-worker principal cache, on a database of its own whose writes really commit.

Another worker (or the CLI) is played by a second engine that changes the account behind
the cache's back; the next request must see the change (on PostgreSQL, once the
notification has arrived: within a bounded wait).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from eldercare import db as dbmod
from eldercare import migrate
from eldercare.auth import cache as principal_cache
from eldercare.auth import deps
from eldercare.config import get_settings
from eldercare.db import make_engine
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.conftest import BACKEND, create_database, drop_database
from tests.factories import COUNTY, PASSWORD, TOWNSHIP, auth, load_test_regions, make_user

PROPAGATION_LIMIT_S = 2.0


@pytest.fixture(scope="module")
def cached_url(engine: Engine) -> Iterator[str]:
    url = create_database("cache_")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture
def world(cached_url: str, engine: Engine) -> Iterator[dict[str, Any]]:
    """An app with the cache on, its engine, and a second engine playing another worker."""
    from eldercare.main import create_app
    from fastapi.testclient import TestClient

    saved = {k: os.environ.get(k) for k in ("ELDERCARE_AUTH_CACHE", "ELDERCARE_DATABASE_URL")}
    os.environ["ELDERCARE_AUTH_CACHE"] = "true"
    os.environ["ELDERCARE_DATABASE_URL"] = cached_url
    get_settings.cache_clear()
    app_engine = make_engine(cached_url)
    other = make_engine(cached_url)
    dbmod.set_engine(app_engine)
    with Session(other) as s, s.begin():
        if s.execute(text("SELECT count(*) FROM regions")).scalar_one() == 0:
            load_test_regions(s)
        user = make_user(s, "township_officer", TOWNSHIP)
        admin = make_user(s, "county_admin", COUNTY)
        headers, admin_headers = auth(user), auth(admin)
        user_id = user.id
    try:
        with TestClient(create_app()) as client:
            yield {
                "client": client,
                "other": other,
                "user_id": user_id,
                "headers": headers,
                "admin_headers": admin_headers,
            }
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        dbmod.set_engine(engine)
        app_engine.dispose()
        other.dispose()


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = deps.lookup

    def counting(db: Session, claims: Any) -> Any:
        seen.append(claims.jti)
        return real(db, claims)

    monkeypatch.setattr(deps, "lookup", counting)
    return seen


def _elsewhere(world: dict[str, Any], sql: str) -> None:
    with world["other"].begin() as conn:
        conn.execute(text(sql), {"id": world["user_id"]})


def _epoch(world: dict[str, Any]) -> int:
    with world["other"].connect() as conn:
        return int(conn.execute(text("SELECT n FROM auth_epoch WHERE id = 1")).scalar_one())


def _status_soon(world: dict[str, Any], expected: int) -> None:
    """GET /auth/me answers ``expected``: on SQLite at the very next request (the epoch is
    read from the database each time), on PostgreSQL once the notification has arrived from
    the listener's connection (a real wait on another connection, bounded)."""
    me = world["client"].get
    if BACKEND == "sqlite":
        assert me("/api/v1/auth/me", headers=world["headers"]).status_code == expected
        return
    deadline = time.monotonic() + PROPAGATION_LIMIT_S
    while (status := me("/api/v1/auth/me", headers=world["headers"]).status_code) != expected:
        assert time.monotonic() < deadline, f"still {status} after {PROPAGATION_LIMIT_S} s"
        time.sleep(0.01)


def test_repeated_requests_read_the_account_once(world, lookups):
    for _ in range(5):
        assert world["client"].get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    assert len(lookups) == 1


def test_deactivation_by_another_worker_cuts_off_the_next_requests(world, lookups):
    client = world["client"]
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    _elsewhere(world, "UPDATE users SET active = false WHERE id = :id")
    _status_soon(world, 401)
    assert client.get("/api/v1/auth/me", headers=world["headers"]).json()["code"] == (
        "auth.inactive"
    )


def test_role_change_by_another_worker_is_seen(world):
    client = world["client"]
    me = client.get("/api/v1/auth/me", headers=world["headers"]).json()
    assert me["role"] == "township_officer"
    _elsewhere(world, "UPDATE users SET role = 'county_officer' WHERE id = :id")
    role = client.get("/api/v1/auth/me", headers=world["headers"]).json()["role"]
    if BACKEND == "sqlite":
        assert role == "county_officer"  # at the very next request
    deadline = time.monotonic() + PROPAGATION_LIMIT_S
    while role != "county_officer":
        assert time.monotonic() < deadline
        time.sleep(0.01)
        role = client.get("/api/v1/auth/me", headers=world["headers"]).json()["role"]


def test_own_logout_takes_effect_on_the_next_request(world):
    client = world["client"]
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=world["headers"]).status_code == 204
    # No waiting: this worker's own commit moved its epoch.
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 401


def test_logout_ends_the_sessions_other_access_token_though_it_was_cached(world):
    client = world["client"]
    username = client.get("/api/v1/auth/me", headers=world["headers"]).json()["username"]
    first = client.post(
        "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    ).json()
    second = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ).json()
    a1 = {"Authorization": f"Bearer {first['access_token']}"}
    a2 = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=a2).status_code == 200  # now in the cache
    assert client.post("/api/v1/auth/logout", headers=a1).status_code == 204
    assert client.get("/api/v1/auth/me", headers=a2).status_code == 401


def test_deactivation_by_an_admin_of_this_worker_takes_effect_at_once(world):
    client = world["client"]
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    r = client.patch(
        f"/api/v1/users/{world['user_id']}",
        json={"active": False},
        headers={**world["admin_headers"], "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 401


def test_only_what_authentication_reads_moves_the_epoch(world):
    before = _epoch(world)
    _elsewhere(world, "UPDATE users SET last_login_at = CURRENT_TIMESTAMP WHERE id = :id")
    _elsewhere(world, "UPDATE users SET phone = '13912345678' WHERE id = :id")
    assert _epoch(world) == before
    _elsewhere(world, "UPDATE users SET tokens_valid_after = CURRENT_TIMESTAMP WHERE id = :id")
    assert _epoch(world) == before + 1
    with world["other"].begin() as conn:
        conn.execute(
            text("INSERT INTO revoked_tokens (jti, expires_at) VALUES ('x1', CURRENT_TIMESTAMP)")
        )
    assert _epoch(world) == before + 2


def test_login_keeps_cached_principals(world, lookups):
    client = world["client"]
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    with world["other"].connect() as conn:
        username = conn.execute(
            text("SELECT username FROM users WHERE id = :id"), {"id": world["user_id"]}
        ).scalar_one()
    r = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers=world["headers"]).status_code == 200
    assert len(lookups) == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="notifications are PostgreSQL's")
def test_lost_notifications_bypass_the_cache_until_listening_again(world, lookups):
    client = world["client"]
    cache = principal_cache.current()
    assert isinstance(cache, principal_cache.PostgresNotifyCache)
    with world["other"].begin() as conn:
        killed = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN eldercare_auth%'"
            )
        ).all()
    assert killed
    deadline = time.monotonic() + PROPAGATION_LIMIT_S
    while cache.epoch() is not None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for _ in range(3):
        client.get("/api/v1/auth/me", headers=world["headers"])
    assert len(lookups) == 3  # nothing cached while deaf
    deadline = time.monotonic() + 5 * PROPAGATION_LIMIT_S
    while cache.epoch() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    lookups.clear()
    for _ in range(3):
        client.get("/api/v1/auth/me", headers=world["headers"])
    assert len(lookups) == 1
