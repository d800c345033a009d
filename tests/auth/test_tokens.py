"""Logins, token checks, refresh rotation, logout and integration clients."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.auth.models import RefreshToken, User
from eldercare.auth.security import ALGORITHM, issue_access_token
from eldercare.config import get_settings
from eldercare.db import utcnow
from jose import jwt
from sqlalchemy import select

from tests.factories import COUNTY, PASSWORD, TOWNSHIP, VILLAGE, auth, make_client, make_user


def login(client, username: str, password: str = PASSWORD, **headers):
    return client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}, headers=headers
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def age_rotation(db, raw: str, seconds: int | None = None) -> None:
    """Move the rotation of refresh token ``raw`` back past the grace window (or by
    ``seconds``), as if it had been rotated that long ago."""
    from eldercare.auth.security import digest

    back = timedelta(seconds=seconds or get_settings().refresh_grace_seconds + 1)
    row = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(raw)))
    db.refresh(row)
    row.used_at = row.used_at - back
    db.flush()


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


class TestPasswordLogin:
    def test_right_password_returns_tokens_that_work(self, client, db):
        user = make_user(db, "township_officer", TOWNSHIP)
        r = login(client, user.username)
        assert r.status_code == 200
        body = r.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == get_settings().access_token_minutes * 60
        assert body["refresh_token"]
        assert r.headers["cache-control"] == "no-store"
        me = client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["username"] == user.username
        assert me.json()["region"] == {"code": TOWNSHIP, "name": "所城镇", "level": "township"}
        assert "GET /api/v1/regions" in me.json()["permissions"]
        assert "GET /api/v1/users" not in me.json()["permissions"]

    def test_token_carries_the_documented_claims(self, client, db):
        user = make_user(db)
        token = login(client, user.username).json()["access_token"]
        claims = jwt.get_unverified_claims(token)
        assert {"sub", "role", "region", "scopes", "jti", "exp", "iat", "iss", "aud"} <= set(claims)
        assert claims["role"] == "village_worker"
        assert claims["region"] == VILLAGE

    def test_wrong_password_is_401_and_audited(self, client, db):
        user = make_user(db)
        r = login(client, user.username, "wrong-password-1")
        assert r.status_code == 401
        assert r.json()["code"] == "auth.invalid_credentials"
        assert r.headers["content-type"].startswith("application/problem+json")
        event = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "login_failed", AuditEvent.resource_id == user.id
            )
        )
        assert event is not None
        assert event.outcome == "failure"
        assert event.region_code == VILLAGE

    def test_unknown_user_is_the_same_401(self, client, db):
        r = login(client, "nobody-here")
        assert r.status_code == 401
        assert r.json()["code"] == "auth.invalid_credentials"

    def test_successful_login_is_audited_with_the_user_as_actor(self, client, db):
        user = make_user(db)
        login(client, user.username)
        event = db.scalar(
            select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.actor_id == user.id)
        )
        assert event is not None
        assert event.role == "village_worker"
        assert event.region_code == VILLAGE

    def test_inactive_user_cannot_log_in(self, client, db):
        user = make_user(db, active=False)
        assert login(client, user.username).status_code == 401

    def test_message_follows_accept_language(self, client, db):
        zh = login(client, "nobody", "x")
        en = login(client, "nobody", "x", **{"Accept-Language": "en-US,en;q=0.9"})
        assert zh.json()["detail"] == "用户名或密码错误"
        assert en.json()["detail"] == "Wrong username or password"
        assert zh.json()["code"] == en.json()["code"]


class TestAccessTokenChecks:
    def test_missing_token_is_401(self, client):
        r = client.get("/api/v1/auth/me")
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"

    def test_expired_token_is_refused(self, client, db):
        user = make_user(db)
        token, _, _ = issue_access_token(
            get_settings(),
            sub=user.id,
            kind="user",
            role=user.role,
            region=user.region_code,
            scopes=[],
            now=utcnow() - timedelta(hours=2),
        )
        r = client.get("/api/v1/auth/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["code"] == "auth.invalid_token"

    def test_tampered_payload_is_refused(self, client, db):
        user = make_user(db, "village_worker", VILLAGE)
        token = login(client, user.username).json()["access_token"]
        header, _payload, sig = token.split(".")
        claims = jwt.get_unverified_claims(token)
        claims["role"] = "county_admin"
        claims["region"] = COUNTY
        forged = f"{header}.{_b64(claims)}.{sig}"
        assert client.get("/api/v1/auth/me", headers=bearer(forged)).status_code == 401

    def test_alg_none_is_refused(self, client, db):
        user = make_user(db)
        token = login(client, user.username).json()["access_token"]
        claims = jwt.get_unverified_claims(token)
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        assert client.get("/api/v1/auth/me", headers=bearer(unsigned)).status_code == 401

    def test_token_signed_with_another_key_is_refused(self, client, db):
        user = make_user(db)
        claims = jwt.get_unverified_claims(login(client, user.username).json()["access_token"])
        forged = jwt.encode(
            claims, "another-secret-of-sufficient-length-123456", algorithm=ALGORITHM
        )
        assert client.get("/api/v1/auth/me", headers=bearer(forged)).status_code == 401

    def test_token_with_other_algorithm_is_refused(self, client, db):
        user = make_user(db)
        claims = jwt.get_unverified_claims(login(client, user.username).json()["access_token"])
        forged = jwt.encode(claims, get_settings().jwt_secret, algorithm="HS512")
        assert client.get("/api/v1/auth/me", headers=bearer(forged)).status_code == 401

    @pytest.mark.parametrize("claim", ["aud", "iss"])
    def test_wrong_audience_or_issuer_is_refused(self, client, db, claim):
        user = make_user(db)
        claims = jwt.get_unverified_claims(login(client, user.username).json()["access_token"])
        claims[claim] = "someone-else"
        forged = jwt.encode(claims, get_settings().jwt_secret, algorithm=ALGORITHM)
        assert client.get("/api/v1/auth/me", headers=bearer(forged)).status_code == 401

    def test_deactivated_user_is_refused_at_once_with_a_live_token(self, client, db):
        user = make_user(db)
        headers = auth(user)
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        user.active = False
        db.flush()
        r = client.get("/api/v1/auth/me", headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] == "auth.inactive"

    def test_role_and_region_come_from_the_database_not_the_token(self, client, db):
        user = make_user(db, "county_admin", COUNTY)
        headers = auth(user)
        assert client.get("/api/v1/users", headers=headers).status_code == 200
        user.role = "village_worker"
        user.region_code = VILLAGE
        db.flush()
        assert client.get("/api/v1/users", headers=headers).status_code == 403
        assert client.get("/api/v1/auth/me", headers=headers).json()["region"]["code"] == VILLAGE


class TestRefresh:
    def _refresh(self, client, token):
        return client.post(
            "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
        )

    def test_refresh_rotates_the_token(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        second = self._refresh(client, first["refresh_token"])
        assert second.status_code == 200
        assert second.json()["refresh_token"] != first["refresh_token"]
        assert (
            client.get("/api/v1/auth/me", headers=bearer(second.json()["access_token"])).status_code
            == 200
        )
        third = self._refresh(client, second.json()["refresh_token"])
        assert third.status_code == 200

    def test_reusing_a_spent_token_revokes_the_whole_family(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        second = self._refresh(client, first["refresh_token"]).json()
        age_rotation(db, first["refresh_token"])
        reuse = self._refresh(client, first["refresh_token"])
        assert reuse.status_code == 401
        assert reuse.json()["code"] == "auth.refresh_token_reused"
        # the legitimate newest token is dead too
        assert self._refresh(client, second["refresh_token"]).status_code == 401
        live = db.scalars(
            select(RefreshToken).where(
                RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)
            )
        ).all()
        assert live == []
        assert (
            db.scalar(select(AuditEvent).where(AuditEvent.action == "refresh_token_reused"))
            is not None
        )

    def test_reuse_ends_every_session_and_live_access_tokens(self, client, db):
        """A copied refresh token means the account is compromised: log everything out."""
        user = make_user(db)
        phone = login(client, user.username).json()
        laptop = login(client, user.username).json()
        stolen = self._refresh(client, phone["refresh_token"]).json()
        assert (
            client.get("/api/v1/auth/me", headers=bearer(stolen["access_token"])).status_code == 200
        )
        age_rotation(db, phone["refresh_token"])
        reuse = self._refresh(client, phone["refresh_token"])
        assert reuse.json()["code"] == "auth.refresh_token_reused"
        assert self._refresh(client, laptop["refresh_token"]).status_code == 401
        assert (
            client.get("/api/v1/auth/me", headers=bearer(stolen["access_token"])).status_code == 401
        )
        assert login(client, user.username).status_code == 200

    def test_two_tabs_refreshing_at_once_get_the_same_pair(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        tab_a = self._refresh(client, first["refresh_token"])
        tab_b = self._refresh(client, first["refresh_token"])
        assert tab_a.status_code == 200, tab_a.text
        assert tab_b.status_code == 200, tab_b.text
        assert tab_a.json() == tab_b.json()
        pair = tab_a.json()
        assert (
            client.get("/api/v1/auth/me", headers=bearer(pair["access_token"])).status_code == 200
        )
        # the session goes on from the shared pair
        assert self._refresh(client, pair["refresh_token"]).status_code == 200
        live = db.scalars(
            select(RefreshToken).where(
                RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)
            )
        ).all()
        assert len(live) == 3

    def test_within_the_window_a_second_refresh_is_still_the_same_pair(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        tab_a = self._refresh(client, first["refresh_token"]).json()
        age_rotation(db, first["refresh_token"], get_settings().refresh_grace_seconds - 5)
        tab_b = self._refresh(client, first["refresh_token"])
        assert tab_b.status_code == 200, tab_b.text
        assert tab_b.json() == tab_a

    def test_after_the_window_reuse_revokes_the_family(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        second = self._refresh(client, first["refresh_token"]).json()
        age_rotation(db, first["refresh_token"])
        reuse = self._refresh(client, first["refresh_token"])
        assert reuse.status_code == 401
        assert reuse.json()["code"] == "auth.refresh_token_reused"
        assert self._refresh(client, second["refresh_token"]).status_code == 401

    def test_no_grace_after_logout(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        second = self._refresh(client, first["refresh_token"]).json()
        client.post("/api/v1/auth/logout", headers=bearer(second["access_token"]))
        assert self._refresh(client, first["refresh_token"]).status_code == 401

    def test_unknown_refresh_token_is_401(self, client):
        r = self._refresh(client, "not-a-real-token")
        assert r.status_code == 401
        assert r.json()["code"] == "auth.invalid_refresh_token"

    def test_deactivated_user_cannot_refresh(self, client, db):
        user = make_user(db)
        tokens = login(client, user.username).json()
        user.active = False
        db.flush()
        assert self._refresh(client, tokens["refresh_token"]).status_code == 401


class TestLogout:
    def test_logout_revokes_access_and_refresh_tokens(self, client, db):
        user = make_user(db)
        tokens = login(client, user.username).json()
        headers = bearer(tokens["access_token"])
        r = client.post(
            "/api/v1/auth/logout", headers=headers, json={"refresh_token": tokens["refresh_token"]}
        )
        assert r.status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
        again = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert again.status_code == 401

    def test_logout_without_a_body_ends_the_session(self, client, db):
        user = make_user(db)
        tokens = login(client, user.username).json()
        headers = bearer(tokens["access_token"])
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
        again = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert again.status_code == 401

    def test_logout_after_a_refresh_ends_the_whole_family(self, client, db):
        user = make_user(db)
        first = login(client, user.username).json()
        second = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        ).json()
        # logged out with the first access token, the rotated refresh token dies too
        r = client.post("/api/v1/auth/logout", headers=bearer(first["access_token"]))
        assert r.status_code == 204
        again = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        )
        assert again.status_code == 401

    @pytest.mark.parametrize("used", ["first", "second"])
    def test_logout_revokes_every_access_token_of_the_session(self, client, db, used):
        user = make_user(db)
        first = login(client, user.username).json()
        second = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        ).json()
        tokens = {"first": first["access_token"], "second": second["access_token"]}
        for token in tokens.values():
            assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
        r = client.post("/api/v1/auth/logout", headers=bearer(tokens[used]))
        assert r.status_code == 204
        for token in tokens.values():  # the one used and the other one of the session
            r = client.get("/api/v1/auth/me", headers=bearer(token))
            assert r.status_code == 401, r.text
            assert r.json()["code"] == "auth.invalid_token"
        # a logout with the refresh token of another session of the user ends that one too
        other = login(client, user.username).json()
        third = login(client, user.username).json()
        r = client.post(
            "/api/v1/auth/logout",
            headers=bearer(third["access_token"]),
            json={"refresh_token": other["refresh_token"]},
        )
        assert r.status_code == 204
        assert (
            client.get("/api/v1/auth/me", headers=bearer(other["access_token"])).status_code == 401
        )

    def test_logout_rejects_unknown_fields(self, client, db):
        user = make_user(db)
        tokens = login(client, user.username).json()
        r = client.post(
            "/api/v1/auth/logout",
            headers=bearer(tokens["access_token"]),
            json={"refresh_token": tokens["refresh_token"], "everywhere": True},
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "everywhere"]

    def test_logout_leaves_other_sessions_alone(self, client, db):
        user = make_user(db)
        a = login(client, user.username).json()
        b = login(client, user.username).json()
        client.post(
            "/api/v1/auth/logout",
            headers=bearer(a["access_token"]),
            json={"refresh_token": a["refresh_token"]},
        )
        assert client.get("/api/v1/auth/me", headers=bearer(b["access_token"])).status_code == 200


class TestOwnPassword:
    def test_change_own_password_then_log_in_with_it(self, client, db):
        user = make_user(db)
        r = client.post(
            "/api/v1/auth/password",
            headers=auth(user),
            json={"current_password": PASSWORD, "new_password": "a-new-long-passphrase"},
        )
        assert r.status_code == 204
        assert login(client, user.username).status_code == 401
        assert login(client, user.username, "a-new-long-passphrase").status_code == 200

    def test_wrong_current_password_is_403(self, client, db):
        user = make_user(db)
        r = client.post(
            "/api/v1/auth/password",
            headers=auth(user),
            json={"current_password": "not-it-at-all", "new_password": "a-new-long-passphrase"},
        )
        assert r.status_code == 403

    def test_short_new_password_is_422_with_field(self, client, db):
        user = make_user(db)
        r = client.post(
            "/api/v1/auth/password",
            headers=auth(user),
            json={"current_password": PASSWORD, "new_password": "short"},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "new_password"]
        assert r.json()["errors"][0]["code"] == "password.too_short"


class TestClientCredentials:
    def _login(self, client, client_id, secret=PASSWORD):
        return client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )

    def test_client_gets_a_token_with_its_scopes(self, client, db):
        c = make_client(db, COUNTY, ["registry:read", "changes:read"])
        r = self._login(client, c.client_id)
        assert r.status_code == 200
        assert r.json()["refresh_token"] is None
        claims = jwt.get_unverified_claims(r.json()["access_token"])
        assert claims["scopes"] == ["registry:read", "changes:read"]
        assert claims["region"] == COUNTY
        me = client.get("/api/v1/auth/me", headers=bearer(r.json()["access_token"])).json()
        assert me["kind"] == "client"
        assert me["role"] is None

    def test_http_basic_client_authentication(self, client, db):
        c = make_client(db)
        basic = base64.b64encode(f"{c.client_id}:{PASSWORD}".encode()).decode()
        r = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200

    def test_wrong_secret_is_401(self, client, db):
        c = make_client(db)
        r = self._login(client, c.client_id, "wrong-secret-value")
        assert r.status_code == 401
        assert r.json()["code"] == "auth.invalid_client"

    def test_deactivated_client_is_refused_at_once(self, client, db):
        c = make_client(db)
        headers = auth(c)
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        c.active = False
        db.flush()
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
        assert self._login(client, c.client_id).status_code == 401

    def test_client_without_scope_gets_403_on_route(self, client, db):
        c = make_client(db, COUNTY, ["import"])
        assert client.get("/api/v1/users", headers=auth(c)).status_code == 403


def test_last_login_is_recorded_without_bumping_version(client, db):
    user = make_user(db)
    version = user.version
    login(client, user.username)
    db.expire_all()
    fresh = db.get(User, user.id)
    assert fresh.last_login_at is not None
    assert fresh.version == version


class TestCutOff:
    def test_reactivated_user_old_tokens_stay_dead(self, client, db):
        from tests.factories import make_user as mk

        admin = mk(db, "county_admin", COUNTY)
        user = make_user(db)
        old = login(client, user.username).json()["access_token"]
        h = {**auth(admin), "If-Match": '"1"'}
        assert (
            client.patch(f"/api/v1/users/{user.id}", headers=h, json={"active": False}).status_code
            == 200
        )
        assert (
            client.patch(
                f"/api/v1/users/{user.id}",
                headers={**auth(admin), "If-Match": '"2"'},
                json={"active": True},
            ).status_code
            == 200
        )
        assert client.get("/api/v1/auth/me", headers=bearer(old)).status_code == 401
        assert login(client, user.username).status_code == 200

    def test_password_change_ends_live_access_tokens(self, client, db):
        user = make_user(db)
        old = login(client, user.username).json()["access_token"]
        r = client.post(
            "/api/v1/auth/password",
            headers=bearer(old),
            json={"current_password": PASSWORD, "new_password": "another-long-pass"},
        )
        assert r.status_code == 204
        assert client.get("/api/v1/auth/me", headers=bearer(old)).status_code == 401

    def test_rotating_a_client_secret_ends_its_tokens(self, client, db):
        from tests.factories import make_user as mk

        admin = mk(db, "county_admin", COUNTY)
        c = make_client(db)
        tok = client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": c.client_id,
                "client_secret": PASSWORD,
            },
        ).json()["access_token"]
        client.post(f"/api/v1/clients/{c.id}/secret", headers=auth(admin))
        assert client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 401

    def test_guessing_the_current_password_is_throttled(self, client, db):
        user = make_user(db)
        tok = login(client, user.username).json()["access_token"]
        statuses = [
            client.post(
                "/api/v1/auth/password",
                headers=bearer(tok),
                json={"current_password": f"guess-{i}-password", "new_password": "whatever-long-1"},
            ).status_code
            for i in range(8)
        ]
        assert statuses[0] == 403
        assert 429 in statuses
