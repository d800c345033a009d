"""County admins manage users and integration clients of their own county only."""

from __future__ import annotations

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.auth.models import RefreshToken
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    PASSWORD,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_client,
    make_user,
)

NEW_USER = {
    "username": "new_worker",
    "password": "a-long-enough-pass",
    "role": "village_worker",
    "region": VILLAGE,
    "display_name": "新专干",
}


@pytest.fixture
def admin(db):
    return make_user(db, "county_admin", COUNTY)


class TestCreateUser:
    def test_admin_creates_a_user_who_can_log_in(self, client, db, admin):
        r = client.post("/api/v1/users", headers=auth(admin), json=NEW_USER)
        assert r.status_code == 201
        body = r.json()
        assert body["region"] == VILLAGE
        assert body["role"] == "village_worker"
        assert "password" not in body
        assert "password_hash" not in body
        assert r.headers["etag"] == '"1"'
        login = client.post(
            "/api/v1/auth/token", data={"username": "new_worker", "password": NEW_USER["password"]}
        )
        assert login.status_code == 200

    def test_creation_is_audited_without_the_password(self, client, db, admin):
        r = client.post("/api/v1/users", headers=auth(admin), json=NEW_USER)
        event = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "create", AuditEvent.resource_id == r.json()["id"]
            )
        )
        assert event.actor_id == admin.id
        assert "password" in event.fields
        assert NEW_USER["password"] not in str(event.detail)

    def test_region_outside_the_county_is_403(self, client, db, admin):
        body = {**NEW_USER, "region": OTHER_COUNTY_VILLAGE}
        r = client.post("/api/v1/users", headers=auth(admin), json=body)
        assert r.status_code == 403
        assert r.json()["code"] == "user.region_out_of_scope"

    def test_role_must_fit_region_level(self, client, db, admin):
        r = client.post("/api/v1/users", headers=auth(admin), json={**NEW_USER, "region": TOWNSHIP})
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "user.region_level_mismatch"
        assert r.json()["errors"][0]["loc"] == ["body", "region"]

    def test_unknown_region_is_422(self, client, db, admin):
        r = client.post(
            "/api/v1/users", headers=auth(admin), json={**NEW_USER, "region": COUNTY + "104999"}
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "region.unknown"

    @pytest.mark.parametrize(
        ("password", "code"),
        [
            ("short", "password.too_short"),
            ("new_worker", "password.equals_username"),
            ("New_Worker_1", None),
            ("1234567890", "password.too_common"),
        ],
    )
    def test_password_rules(self, client, db, admin, password, code):
        r = client.post(
            "/api/v1/users", headers=auth(admin), json={**NEW_USER, "password": password}
        )
        if code is None:
            assert r.status_code == 201
        else:
            assert r.status_code == 422
            assert r.json()["errors"][0]["code"] == code

    def test_password_equal_to_username_is_refused(self, client, db, admin):
        body = {**NEW_USER, "username": "worker_of_village", "password": "Worker_Of_Village"}
        r = client.post("/api/v1/users", headers=auth(admin), json=body)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "password.equals_username"

    def test_username_taken_is_409(self, client, db, admin):
        make_user(db, username="new_worker")
        r = client.post("/api/v1/users", headers=auth(admin), json=NEW_USER)
        assert r.status_code == 409
        assert r.json()["code"] == "user.username_taken"

    def test_unknown_field_is_422(self, client, db, admin):
        r = client.post(
            "/api/v1/users", headers=auth(admin), json={**NEW_USER, "is_superuser": True}
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "extra_forbidden"


class TestReadUsers:
    def test_list_shows_only_own_county(self, client, db, admin):
        mine = make_user(db, "village_worker", VILLAGE)
        theirs = make_user(db, "village_worker", OTHER_COUNTY_VILLAGE)
        names = [
            u["username"]
            for u in client.get("/api/v1/users?limit=500", headers=auth(admin)).json()["items"]
        ]
        assert mine.username in names
        assert theirs.username not in names

    def test_filters_by_role_and_region(self, client, db, admin):
        w = make_user(db, "village_worker", VILLAGE)
        make_user(db, "township_officer", TOWNSHIP)
        r = client.get(
            f"/api/v1/users?role=village_worker&region={VILLAGE}&limit=500", headers=auth(admin)
        )
        items = r.json()["items"]
        assert w.username in [u["username"] for u in items]
        assert {u["role"] for u in items} == {"village_worker"}

    @pytest.mark.parametrize("region", [OTHER_COUNTY])
    def test_admin_of_neighbouring_county_gets_404(self, client, db, admin, region):
        other_admin = make_user(db, "county_admin", region)
        target = make_user(db, "village_worker", VILLAGE)
        assert (
            client.get(f"/api/v1/users/{target.id}", headers=auth(other_admin)).status_code == 404
        )
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(other_admin), "If-Match": '"1"'},
            json={"display_name": "x"},
        )
        assert r.status_code == 404

    @pytest.mark.parametrize(
        ("role", "region"),
        [("village_worker", VILLAGE), ("township_officer", TOWNSHIP), ("county_officer", COUNTY)],
    )
    def test_non_admins_are_403(self, client, db, role, region):
        user = make_user(db, role, region)
        assert client.get("/api/v1/users", headers=auth(user)).status_code == 403


class TestUpdateUser:
    def test_patch_with_if_match_changes_and_bumps_version(self, client, db, admin):
        target = make_user(db)
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"display_name": "王专干", "phone": "13800138000"},
        )
        assert r.status_code == 200
        assert r.json()["display_name"] == "王专干"
        assert r.headers["etag"] == '"2"'

    def test_stale_if_match_is_412_and_changes_nothing(self, client, db, admin):
        target = make_user(db, display_name="原名")
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"7"'},
            json={"display_name": "新名"},
        )
        assert r.status_code == 412
        db.expire_all()
        assert (
            client.get(f"/api/v1/users/{target.id}", headers=auth(admin)).json()["display_name"]
            == "原名"
        )

    def test_missing_if_match_is_428(self, client, db, admin):
        target = make_user(db)
        r = client.patch(
            f"/api/v1/users/{target.id}", headers=auth(admin), json={"display_name": "x"}
        )
        assert r.status_code == 428

    def test_version_in_body_works_instead_of_if_match(self, client, db, admin):
        target = make_user(db)
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers=auth(admin),
            json={"display_name": "x", "version": 1},
        )
        assert r.status_code == 200

    def test_deactivation_refuses_live_token_and_revokes_refresh_tokens(self, client, db, admin):
        target = make_user(db)
        login = client.post(
            "/api/v1/auth/token", data={"username": target.username, "password": PASSWORD}
        ).json()
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"active": False},
        )
        assert r.status_code == 200
        me = client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login['access_token']}"}
        )
        assert me.status_code == 401
        live = db.scalars(
            select(RefreshToken).where(
                RefreshToken.user_id == target.id, RefreshToken.revoked_at.is_(None)
            )
        ).all()
        assert live == []

    def test_admin_cannot_deactivate_self(self, client, db, admin):
        r = client.patch(
            f"/api/v1/users/{admin.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"active": False},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "user.cannot_deactivate_self"

    def test_admin_cannot_move_user_out_of_county(self, client, db, admin):
        target = make_user(db)
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"region": OTHER_COUNTY_VILLAGE},
        )
        assert r.status_code == 403

    def test_role_change_must_fit_region(self, client, db, admin):
        target = make_user(db, "village_worker", VILLAGE)
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"role": "township_officer"},
        )
        assert r.status_code == 422
        ok = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"role": "township_officer", "region": TOWNSHIP},
        )
        assert ok.status_code == 200
        assert ok.json()["role"] == "township_officer"

    def test_password_reset_by_admin(self, client, db, admin):
        target = make_user(db)
        r = client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"password": "reset-by-the-admin"},
        )
        assert r.status_code == 200
        ok = client.post(
            "/api/v1/auth/token",
            data={"username": target.username, "password": "reset-by-the-admin"},
        )
        assert ok.status_code == 200

    def test_update_is_audited_with_changed_fields(self, client, db, admin):
        target = make_user(db)
        client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"display_name": "新名字", "phone": None},
        )
        event = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "update", AuditEvent.resource_id == target.id
            )
        )
        assert event.fields == ["display_name"]


class TestClients:
    def test_create_shows_secret_once_and_it_works(self, client, db, admin):
        r = client.post(
            "/api/v1/clients",
            headers=auth(admin),
            json={
                "client_id": "county-sync",
                "scopes": ["registry:read", "changes:read"],
                "region": COUNTY,
            },
        )
        assert r.status_code == 201
        secret = r.json()["client_secret"]
        assert len(secret) >= 32
        got = client.get(f"/api/v1/clients/{r.json()['id']}", headers=auth(admin)).json()
        assert "client_secret" not in got
        token = client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "county-sync",
                "client_secret": secret,
            },
        )
        assert token.status_code == 200

    def test_rotating_the_secret_stops_the_old_one(self, client, db, admin):
        c = make_client(db, COUNTY)
        r = client.post(f"/api/v1/clients/{c.id}/secret", headers=auth(admin))
        assert r.status_code == 200
        old = client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": c.client_id,
                "client_secret": PASSWORD,
            },
        )
        assert old.status_code == 401

    def test_unknown_scope_is_422(self, client, db, admin):
        r = client.post(
            "/api/v1/clients",
            headers=auth(admin),
            json={"client_id": "bad-scope", "scopes": ["everything"], "region": COUNTY},
        )
        assert r.status_code == 422

    def test_neighbouring_county_admin_gets_404(self, client, db, admin):
        c = make_client(db, OTHER_COUNTY)
        assert client.get(f"/api/v1/clients/{c.id}", headers=auth(admin)).status_code == 404
        assert client.post(f"/api/v1/clients/{c.id}/secret", headers=auth(admin)).status_code == 404
        ids = [i["id"] for i in client.get("/api/v1/clients", headers=auth(admin)).json()["items"]]
        assert c.id not in ids

    def test_deactivate_client(self, client, db, admin):
        c = make_client(db, COUNTY)
        headers = auth(c)
        r = client.patch(
            f"/api/v1/clients/{c.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"active": False},
        )
        assert r.status_code == 200
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


class TestPasswordReset:
    """An administrator's new password is a reset: the user must choose their own before
    the token opens anything but /auth/me, /auth/password and /auth/logout."""

    def _login(self, client, username, password):
        r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def test_a_reset_forces_a_change_at_the_next_login(self, client, db, admin):
        user = make_user(db, "village_worker", VILLAGE)
        r = client.patch(
            f"/api/v1/users/{user.id}",
            headers={**auth(admin), "If-Match": f'"{user.version}"'},
            json={"password": "temporary-pass-123"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["must_change_password"] is True
        headers = self._login(client, user.username, "temporary-pass-123")
        me = client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["must_change_password"] is True
        for path in ("/api/v1/worklist", "/api/v1/elders", "/api/v1/notifications"):
            refused = client.get(path, headers={**headers, "Accept-Language": "en"})
            assert refused.status_code == 403, path
            assert refused.json()["code"] == "auth.password_change_required"
            assert "reset" in refused.json()["detail"] or "reset" in refused.json()["title"]
        zh = client.get("/api/v1/elders", headers={**headers, "Accept-Language": "zh-CN"})
        assert "重置" in zh.text
        changed = client.post(
            "/api/v1/auth/password",
            headers=headers,
            json={"current_password": "temporary-pass-123", "new_password": "my-own-secret-456"},
        )
        assert changed.status_code == 204, changed.text
        headers = self._login(client, user.username, "my-own-secret-456")
        assert (
            client.get("/api/v1/auth/me", headers=headers).json()["must_change_password"] is False
        )
        assert client.get("/api/v1/worklist", headers=headers).status_code == 200
        event = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "update", AuditEvent.resource_id == user.id
            )
        )
        assert event.fields == ["password"]

    def test_a_user_changing_their_own_password_is_not_forced(self, client, db, admin):
        r = client.patch(
            f"/api/v1/users/{admin.id}",
            headers={**auth(admin), "If-Match": f'"{admin.version}"'},
            json={"password": "admins-own-pass-789"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["must_change_password"] is False

    def test_the_reset_ends_the_users_sessions(self, client, db, admin):
        user = make_user(db, "village_worker", VILLAGE)
        old = self._login(client, user.username, PASSWORD)
        client.patch(
            f"/api/v1/users/{user.id}",
            headers={**auth(admin), "If-Match": f'"{user.version}"'},
            json={"password": "temporary-pass-123"},
        )
        assert client.get("/api/v1/auth/me", headers=old).status_code == 401


def test_the_user_list_finds_a_user_by_id(client, db, admin):
    user = make_user(db, "village_worker", VILLAGE)
    r = client.get("/api/v1/users", headers=auth(admin), params={"q": user.id})
    assert [u["id"] for u in r.json()["items"]] == [user.id]
    other = make_user(db, "village_worker", OTHER_COUNTY_VILLAGE)
    r = client.get("/api/v1/users", headers=auth(admin), params={"q": other.id})
    assert r.json()["items"] == []


class TestExportUsers:
    def rows(self, r):
        assert r.status_code == 200, r.text
        return [line.split(",") for line in r.content.decode("utf-8-sig").strip().splitlines()]

    def test_export_has_chinese_headers_words_and_region_names(self, client, db, admin):
        make_user(db, "village_worker", VILLAGE, username="nfa_worker", display_name="李专干")
        r = client.get(
            "/api/v1/users/export", headers=auth(admin), params={"format": "csv", "q": "nfa_"}
        )
        head, *rows = self.rows(r)
        assert r.headers["content-disposition"].startswith("attachment")
        assert head == [
            "姓名",
            "用户名",
            "角色",
            "县（区）",
            "乡镇",
            "村（社区）",
            "状态",
            "最近登录",
        ]
        assert rows == [
            ["李专干", "nfa_worker", "村级专干", "蓝山县", "所城镇", "南风坳村委会", "启用", ""]
        ]

    def test_export_is_in_english_for_an_admin_who_chose_english(self, client, db, admin):
        from eldercare import labels
        from eldercare.auth.accounts_router import EXPORT_COLUMNS

        make_user(db, "village_worker", VILLAGE, username="nfa_worker", display_name="李专干")
        make_user(db, "village_worker", VILLAGE, username="nfa_off", active=False)
        r = client.get(
            "/api/v1/users/export",
            headers=auth(admin, "en"),
            params={"format": "csv", "q": "nfa_"},
        )
        head, *rows = self.rows(r)
        assert [k for k in EXPORT_COLUMNS if k not in labels.COLUMNS | labels.ENUMS["field"]] == []
        assert head == [
            "Name",
            "Username",
            "Role",
            "County",
            "Township",
            "Village",
            "Status",
            "Last login",
        ]
        assert sorted(rows) == [
            [
                "nfa_off",
                "nfa_off",
                "Village worker",
                "蓝山县",
                "所城镇",
                "南风坳村委会",
                "Deactivated",
                "",
            ],
            [
                "李专干",
                "nfa_worker",
                "Village worker",
                "蓝山县",
                "所城镇",
                "南风坳村委会",
                "Active",
                "",
            ],
        ]

    def test_export_follows_the_list_filters(self, client, db, admin):
        make_user(db, "village_worker", VILLAGE, username="w_exp")
        make_user(db, "township_officer", TOWNSHIP, username="t_exp")
        make_user(db, "village_worker", VILLAGE, username="w_off", active=False)
        r = client.get(
            "/api/v1/users/export",
            headers=auth(admin),
            params={"format": "csv", "role": "township_officer"},
        )
        _, *rows = self.rows(r)
        assert [row[1] for row in rows] == ["t_exp"]
        assert rows[0][4:6] == ["所城镇", ""]
        r = client.get(
            "/api/v1/users/export", headers=auth(admin), params={"format": "csv", "active": False}
        )
        _, *rows = self.rows(r)
        assert [(row[1], row[6]) for row in rows] == [("w_off", "停用")]

    def test_xlsx_export(self, client, db, admin):
        import io

        import openpyxl

        r = client.get("/api/v1/users/export", headers=auth(admin))
        assert r.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        head = next(sheet.iter_rows(values_only=True))
        assert head[:3] == ("姓名", "用户名", "角色")

    def test_neighbouring_county_admin_never_sees_this_countys_users(self, client, db, admin):
        make_user(db, "village_worker", VILLAGE, username="ours_only")
        other_admin = make_user(db, "county_admin", OTHER_COUNTY)
        make_user(db, "village_worker", OTHER_COUNTY_VILLAGE, username="theirs_only")
        r = client.get("/api/v1/users/export", headers=auth(other_admin), params={"format": "csv"})
        text = r.content.decode("utf-8-sig")
        assert "theirs_only" in text
        assert "ours_only" not in text
        assert "蓝山县" not in text
        r = client.get(
            "/api/v1/users/export",
            headers=auth(other_admin),
            params={"format": "csv", "region": VILLAGE},
        )
        assert r.status_code == 404

    @pytest.mark.parametrize(
        ("role", "region"),
        [("village_worker", VILLAGE), ("township_officer", TOWNSHIP), ("county_officer", COUNTY)],
    )
    def test_non_admins_are_403(self, client, db, role, region):
        user = make_user(db, role, region)
        assert client.get("/api/v1/users/export", headers=auth(user)).status_code == 403
