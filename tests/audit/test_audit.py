from __future__ import annotations

import pytest
from eldercare.audit import service as audit
from eldercare.audit.models import AuditEvent
from eldercare.context import RequestCtx
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_user,
)


def _event(db, region: str, action: str = "update", resource_id: str = "x") -> AuditEvent:
    e = audit.record(
        db,
        RequestCtx(None, "127.0.0.1", "zh-CN"),
        action,
        resource="user",
        resource_id=resource_id,
        region_code=region,
    )
    db.flush()
    return e


class TestListAudit:
    def test_admin_sees_own_county_events_only(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        mine = _event(db, VILLAGE, resource_id="mine")
        theirs = _event(db, OTHER_COUNTY_VILLAGE, resource_id="theirs")
        ids = [
            e["id"]
            for e in client.get("/api/v1/audit?limit=500", headers=auth(admin)).json()["items"]
        ]
        assert str(mine.id) in ids
        assert str(theirs.id) not in ids

    def test_neighbouring_county_admin_sees_none_of_ours(self, client, db):
        other = make_user(db, "county_admin", OTHER_COUNTY)
        ours = _event(db, VILLAGE)
        ids = [
            e["id"]
            for e in client.get("/api/v1/audit?limit=500", headers=auth(other)).json()["items"]
        ]
        assert str(ours.id) not in ids

    def test_failed_login_appears_for_the_users_county(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        target = make_user(db, "village_worker", VILLAGE)
        client.post(
            "/api/v1/auth/token", data={"username": target.username, "password": "wrong-guess-123"}
        )
        r = client.get("/api/v1/audit?action=login_failed", headers=auth(admin))
        assert [e["resource_id"] for e in r.json()["items"]] == [target.id]
        assert r.json()["items"][0]["outcome"] == "failure"

    def test_filters_and_newest_first(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        first = _event(db, VILLAGE, "reveal", "e1")
        second = _event(db, TOWNSHIP, "reveal", "e2")
        _event(db, VILLAGE, "update", "e3")
        r = client.get("/api/v1/audit?action=reveal&resource=user", headers=auth(admin))
        assert [e["id"] for e in r.json()["items"]] == [str(second.id), str(first.id)]
        r = client.get("/api/v1/audit?resource_id=e3", headers=auth(admin))
        assert [e["resource_id"] for e in r.json()["items"]] == ["e3"]

    def test_actor_filter(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        target = make_user(db)
        client.patch(
            f"/api/v1/users/{target.id}",
            headers={**auth(admin), "If-Match": '"1"'},
            json={"display_name": "a"},
        )
        r = client.get(f"/api/v1/audit?actor={admin.username}", headers=auth(admin))
        assert {e["actor_id"] for e in r.json()["items"]} == {admin.id}

    def test_cursor_walks_all_events_once(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        made = {str(_event(db, VILLAGE, "walk", f"w{i}").id) for i in range(7)}
        seen: list[str] = []
        cursor = ""
        while True:
            body = client.get(
                f"/api/v1/audit?action=walk&limit=3{cursor}", headers=auth(admin)
            ).json()
            seen += [e["id"] for e in body["items"]]
            if not body["next_cursor"]:
                break
            cursor = f"&cursor={body['next_cursor']}"
        assert sorted(seen) == sorted(made)
        assert len(seen) == len(set(seen))

    def test_since_without_offset_is_read_in_local_time(self, client, db):
        admin = make_user(db, "county_admin", COUNTY)
        _event(db, VILLAGE, "timed")
        r = client.get("/api/v1/audit?action=timed&since=2000-01-01T00:00:00", headers=auth(admin))
        assert r.status_code == 200
        assert len(r.json()["items"]) == 1
        r = client.get(
            "/api/v1/audit?action=timed&since=2999-01-01T00:00:00%2B08:00", headers=auth(admin)
        )
        assert r.json()["items"] == []

    @pytest.mark.parametrize(
        ("role", "region"), [("county_officer", COUNTY), ("village_worker", VILLAGE)]
    )
    def test_non_admins_get_403(self, client, db, role, region):
        user = make_user(db, role, region)
        assert client.get("/api/v1/audit", headers=auth(user)).status_code == 403


class TestAppendOnly:
    def test_database_refuses_update(self, db):
        e = _event(db, VILLAGE)
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(update(AuditEvent).where(AuditEvent.id == e.id).values(action="tampered"))

    def test_database_refuses_delete(self, db):
        e = _event(db, VILLAGE)
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(delete(AuditEvent).where(AuditEvent.id == e.id))

    def test_api_offers_no_way_to_change_audit_rows(self, app):
        methods = {
            m
            for path, ops in app.openapi()["paths"].items()
            if path.startswith("/api/v1/audit")
            for m in ops
        }
        assert methods == {"get"}


def test_raw_sql_delete_is_refused_too(db):
    _event(db, VILLAGE)
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("DELETE FROM audit_events"))


class TestInWords:
    def test_objects_are_named_and_codes_are_words(self, client, db):
        from tests.factories import make_elder

        admin = make_user(db, "county_admin", COUNTY, display_name="刘主任")
        worker = make_user(db, "village_worker", VILLAGE, display_name="王村干")
        elder = make_elder(db, VILLAGE, name="袁月英")
        e = audit.record(
            db,
            RequestCtx(None, "127.0.0.1", "zh-CN"),
            "update",
            resource="elder",
            resource_id=elder.id,
            region_code=VILLAGE,
            fields=["phone", "self_care"],
        )
        u = _event(db, VILLAGE, "update", worker.id)
        items = {
            i["id"]: i for i in client.get("/api/v1/audit", headers=auth(admin)).json()["items"]
        }
        about_elder, about_user = items[str(e.id)], items[str(u.id)]
        assert about_elder["object_label"] == "袁月英"
        assert about_elder["action_label"] == "修改"
        assert about_elder["resource_label"] == "老人"
        assert about_elder["outcome_label"] == "成功"
        assert about_elder["field_labels"] == ["联系电话", "生活自理能力"]
        assert about_user["object_label"] == "王村干"
        assert worker.id not in about_user["object_label"]
        en = client.get("/api/v1/audit", headers=auth(admin, "en")).json()["items"]
        assert next(i for i in en if i["id"] == str(e.id))["action_label"] == "Updated"

    def test_every_action_and_resource_the_code_records_has_words(self):
        import re
        from pathlib import Path

        from eldercare import labels

        root = Path(audit.__file__).resolve().parents[1]
        source = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
        resources = set(re.findall(r'\bresource="([a-z_]+)"', source))
        assert {"elder", "user", "visit"} <= resources
        assert resources <= set(labels.ENUMS["auditResource"]), resources - set(
            labels.ENUMS["auditResource"]
        )
        actions = set(re.findall(r'audit\.record\(\s*db,\s*ctx,\s*"([a-z_]+)"', source))
        assert {"export"} <= actions
        assert actions <= set(labels.ENUMS["auditAction"]), actions - set(
            labels.ENUMS["auditAction"]
        )


class TestExport:
    def test_the_log_exports_in_words_with_the_lists_filters(self, client, db):
        import io

        from openpyxl import load_workbook

        from tests.factories import make_elder

        admin = make_user(db, "county_admin", COUNTY)
        elder = make_elder(db, VILLAGE, name="袁月英")
        audit.record(
            db,
            RequestCtx(None, "127.0.0.1", "zh-CN"),
            "reveal",
            resource="elder",
            resource_id=elder.id,
            region_code=VILLAGE,
            fields=["id_number"],
        )
        _event(db, VILLAGE, "update", "other")
        db.flush()
        r = client.get("/api/v1/audit/export", headers=auth(admin), params={"action": "reveal"})
        assert r.status_code == 200, r.text
        rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(r.content)).active.rows]
        assert rows[0][:4] == ["时间", "操作人", "角色", "操作"]
        assert len(rows) == 2  # the filter holds
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["操作"] == "查看明文"
        assert row["对象"] == "袁月英"
        assert row["字段"] == "身份证号"
        assert row["村（社区）"] == "南风坳村委会"
        assert row["乡镇"]
        en = client.get("/api/v1/audit/export", headers=auth(admin, "en"), params={"format": "csv"})
        assert en.content.decode("utf-8-sig").startswith("Time,Actor,Role,Action")

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("county_admin", OTHER_COUNTY),
            ("township_officer", TOWNSHIP),
            ("village_worker", VILLAGE),
        ],
    )
    def test_neighbours_and_other_roles_export_nothing_of_ours(self, client, db, role, region):
        import io

        from openpyxl import load_workbook

        _event(db, VILLAGE, "update", "ours")
        db.flush()
        who = make_user(db, role, region)
        r = client.get("/api/v1/audit/export", headers=auth(who))
        if role != "county_admin":
            assert r.status_code == 403
            return
        rows = list(load_workbook(io.BytesIO(r.content)).active.rows)
        assert len(rows) == 1  # the header only
