"""Login throttling: growing waits, shared through the database, no permanent lock-out."""

from __future__ import annotations

import pytest
from eldercare.config import get_settings
from fastapi.testclient import TestClient

from tests.clock import clock
from tests.factories import PASSWORD, make_user

__all__ = ["clock"]  # the fixture


@pytest.fixture
def proxied(app, connection, monkeypatch):
    """Requests through a trusted proxy, so each test can choose the caller's address."""
    monkeypatch.setattr(get_settings(), "trusted_proxies", ["127.0.0.1/32"])
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


def attempt(c, username, password="wrong-password-x", ip="203.0.113.7"):
    return c.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": ip},
    )


class TestAccountAndAddress:
    def test_free_failures_then_429_with_retry_after(self, proxied, db, clock):
        user = make_user(db)
        free = get_settings().throttle_account_free
        for _ in range(free + 1):
            assert attempt(proxied, user.username).status_code == 401
        r = attempt(proxied, user.username)
        assert r.status_code == 429
        assert r.json()["code"] == "auth.throttled"
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["retry_after"] == int(r.headers["Retry-After"])

    def test_waits_grow_with_each_further_failure(self, proxied, db, clock):
        user = make_user(db)
        free = get_settings().throttle_account_free
        for _ in range(free):
            attempt(proxied, user.username)
        waits = []
        for _ in range(4):
            assert attempt(proxied, user.username).status_code == 401
            blocked = attempt(proxied, user.username)
            assert blocked.status_code == 429
            wait = int(blocked.headers["Retry-After"])
            waits.append(wait)
            clock.advance(seconds=wait + 0.5)
        assert waits == sorted(waits)
        assert waits[-1] > waits[0]

    def test_right_password_is_not_checked_while_waiting(self, proxied, db, clock):
        user = make_user(db)
        for _ in range(get_settings().throttle_account_free + 1):
            attempt(proxied, user.username)
        assert attempt(proxied, user.username, PASSWORD).status_code == 429
        clock.advance(seconds=get_settings().throttle_account_max_seconds + 1)
        assert attempt(proxied, user.username, PASSWORD).status_code == 200

    def test_wait_is_capped(self, proxied, db, clock):
        user = make_user(db)
        cap = get_settings().throttle_account_max_seconds
        for _ in range(get_settings().throttle_account_free):
            attempt(proxied, user.username)
        waits = []
        for _ in range(12):  # 1, 2, 4, ... seconds until the cap
            assert attempt(proxied, user.username).status_code == 401
            wait = int(attempt(proxied, user.username).headers["Retry-After"])
            waits.append(wait)
            clock.advance(seconds=wait + 1)
        assert max(waits) == cap
        assert waits[-1] == cap

    def test_success_clears_the_account_counter(self, proxied, db, clock):
        user = make_user(db)
        free = get_settings().throttle_account_free
        for _ in range(free - 1):
            attempt(proxied, user.username)
        assert attempt(proxied, user.username, PASSWORD).status_code == 200
        for _ in range(free):
            assert attempt(proxied, user.username).status_code == 401


class TestNoLockOut:
    def test_stranger_elsewhere_does_not_lock_out_the_real_user(self, proxied, db, clock):
        user = make_user(db)
        for _ in range(get_settings().throttle_account_free + 3):
            attempt(proxied, user.username, ip="198.51.100.66")
        assert attempt(proxied, user.username, ip="198.51.100.66").status_code == 429
        assert attempt(proxied, user.username, PASSWORD, ip="203.0.113.7").status_code == 200

    def test_distributed_guessing_slows_the_account_but_only_briefly(self, proxied, db, clock):
        user = make_user(db)
        for i in range(get_settings().throttle_account_free * 4 + 1):
            attempt(proxied, user.username, ip=f"198.51.100.{i + 1}")
        blocked = attempt(proxied, user.username, PASSWORD, ip="203.0.113.7")
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) <= 60
        clock.advance(seconds=61)
        assert attempt(proxied, user.username, PASSWORD, ip="203.0.113.7").status_code == 200

    def test_old_failures_are_forgotten(self, proxied, db, clock):
        user = make_user(db)
        free = get_settings().throttle_account_free
        for _ in range(free):
            attempt(proxied, user.username)
        clock.advance(hours=2)
        for _ in range(free):
            assert attempt(proxied, user.username).status_code == 401


def test_one_address_spraying_many_accounts_is_slowed(proxied, db, clock):
    users = [make_user(db) for _ in range(3)]
    free = get_settings().throttle_ip_free
    statuses = [
        attempt(proxied, users[i % 3].username, ip="192.0.2.9").status_code for i in range(free + 2)
    ]
    assert statuses[-1] == 429
    other = attempt(proxied, users[0].username, PASSWORD, ip="192.0.2.10")
    assert other.status_code == 200


def test_throttled_attempts_are_audited(proxied, db, clock):
    from eldercare.audit.models import AuditEvent
    from sqlalchemy import select

    user = make_user(db)
    for _ in range(get_settings().throttle_account_free + 2):
        attempt(proxied, user.username)
    events = db.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_name == user.username)
    ).all()
    assert "login_throttled" in events
    assert events.count("login_failed") == get_settings().throttle_account_free + 1


def test_known_good_address_is_not_held_by_the_account_wide_lock(proxied, db, clock):
    user = make_user(db)
    assert attempt(proxied, user.username, PASSWORD, ip="203.0.113.7").status_code == 200
    for i in range(get_settings().throttle_account_free * 4 + 3):
        attempt(proxied, user.username, ip=f"198.51.100.{i + 1}")
    assert attempt(proxied, user.username, PASSWORD, ip="198.51.100.250").status_code == 429
    assert attempt(proxied, user.username, PASSWORD, ip="203.0.113.7").status_code == 200
