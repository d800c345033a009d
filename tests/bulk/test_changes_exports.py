"""The change feed, exports and templates."""

from __future__ import annotations

import csv
import io
import json

import pytest
from eldercare.audit.models import AuditEvent
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import BACKEND
from tests.factories import (
    COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    VILLAGE,
    auth,
    make_client,
    make_elder,
    make_user,
)


def changes(client, who, since=None, **params):
    if since is not None:
        params["since"] = since
    r = client.get("/api/v1/changes", headers=auth(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.skipif(
    BACKEND == "postgresql",
    reason="the test's own rolled-back transaction is still running, so the PostgreSQL "
    "horizon hides its rows; test_durability.py covers the feed there with real commits",
)
class TestChangeFeed:
    def test_creates_updates_and_deletes_in_order_with_a_cursor(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        start = changes(client, worker)["next_cursor"]
        elder = make_elder(db, VILLAGE)
        body = {"name": "王建国", "relation": "son"}
        g = client.post(f"/api/v1/elders/{elder.id}/guardians", json=body, headers=auth(worker))
        assert g.status_code == 201, g.text
        gid = g.json()["id"]
        client.delete(f"/api/v1/guardians/{gid}", headers=auth(worker))
        page = changes(client, worker, start)
        seen = [(i["resource"], i["action"]) for i in page["items"]]
        assert ("elder", "create") in seen
        assert seen.index(("guardian", "create")) < seen.index(("guardian", "delete"))
        guardian = next(i for i in page["items"] if i["resource"] == "guardian")
        assert guardian["parent_id"] == elder.id
        # resuming from the cursor repeats nothing
        assert changes(client, worker, page["next_cursor"])["items"] == []

    def test_small_pages_cover_everything_once(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        start = changes(client, worker)["next_cursor"]
        for _ in range(5):
            make_elder(db, VILLAGE)
        seen, cursor = [], start
        while True:
            page = changes(client, worker, cursor, limit=2)
            seen += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        assert seen == changes(client, worker, start, limit=500)["items"]
        assert len({i["id"] for i in seen if i["resource"] == "elder"}) == 5

    @pytest.mark.parametrize(
        "region", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE]
    )
    def test_neighbours_see_nothing_of_another_village(self, client, db, region):
        neighbour = make_user(db, "village_worker", region)
        start = changes(client, neighbour)["next_cursor"]
        make_elder(db, VILLAGE)
        assert changes(client, neighbour, start)["items"] == []

    def test_client_needs_the_changes_scope(self, client, db):
        plain = make_client(db, scopes=["registry:read"])
        sync = make_client(db, COUNTY, scopes=["changes:read"])
        assert client.get("/api/v1/changes", headers=auth(plain)).status_code == 403
        start = changes(client, sync)["next_cursor"]
        make_elder(db, VILLAGE)
        assert changes(client, sync, start)["items"]

    def test_bad_cursor(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.get("/api/v1/changes", headers=auth(worker), params={"since": "x-y"})
        assert r.status_code == 400
        assert r.json()["code"] == "bad_cursor"


class TestExports:
    def test_csv_is_scoped_and_masked(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        mine = make_elder(db, VILLAGE, phone="13812345678")
        make_elder(db, OTHER_VILLAGE)
        r = client.get("/api/v1/exports/elders", headers=auth(worker))
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [row["id"] for row in rows] == [mine.id]
        assert rows[0]["id_number"] == mine.id_number[:3] + "*" * 11 + mine.id_number[-4:]
        assert rows[0]["phone"] == "138****5678"
        assert rows[0]["birth_date"] == str(mine.birth_date.year)

    def test_unmasked_export_is_audited_and_watermarked(self, client, db):
        officer = make_user(db, "county_officer", COUNTY, display_name="刘主任")
        elder = make_elder(db, VILLAGE)
        r = client.get("/api/v1/exports/elders", headers=auth(officer), params={"reveal": True})
        text = r.content.decode("utf-8-sig")
        assert text.startswith("# ")
        assert "刘主任" in text.splitlines()[0]
        assert elder.id_number in text
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
        assert event is not None
        assert event.actor_id == officer.id

    def test_volunteers_and_clients_may_not_unmask(self, client, db):
        c = make_client(db, scopes=["registry:read"])
        r = client.get("/api/v1/exports/elders", headers=auth(c), params={"reveal": True})
        assert r.status_code == 403
        assert client.get("/api/v1/exports/elders", headers=auth(c)).status_code == 200

    def test_ndjson_and_xlsx(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        elder = make_elder(db, VILLAGE)
        nd = client.get("/api/v1/exports/elders", headers=auth(worker), params={"format": "ndjson"})
        assert [json.loads(line)["id"] for line in nd.text.splitlines()] == [elder.id]
        x = client.get("/api/v1/exports/elders", headers=auth(worker), params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(x.content)).active
        assert sheet.cell(row=1, column=1).value == "id"
        assert sheet.cell(row=2, column=1).value == elder.id

    @pytest.mark.parametrize("reveal", [False, True])
    def test_the_set_based_csv_equals_the_row_by_row_one(self, db, reveal):
        from datetime import UTC, datetime

        from eldercare.bulk import export
        from eldercare.context import Principal, RequestCtx
        from eldercare.roles import Role

        odd = {"address": 'A "quoted", odd\naddress', "notes": ""}
        make_elder(db, VILLAGE, phone="0746-7123456", health_conditions=[], **odd)
        make_elder(
            db,
            VILLAGE,
            name="李建国",
            birth="1941-12-31",
            male=True,
            phone="13812345678",
            health_conditions=["hypertension", "diabetes"],
            income_sources=["pension"],
            disability_grade=2,
        )
        elder = make_elder(db, OTHER_VILLAGE, name="王秀英", phone=None, address="")
        elder.updated_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)  # no microseconds
        make_elder(db, OTHER_COUNTY_VILLAGE)
        db.commit()
        p = Principal("user", "u", "u", Role.county_officer, COUNTY, frozenset(), "x", None)
        ctx = RequestCtx(None, None, "zh-CN", p)
        columns, rows = export.records(ctx, "elders", None, None, reveal)
        by_row = b"".join(export.as_csv(columns, rows, "mark"))
        # the mark, the header, three rows, and the line break inside one address
        assert by_row.count(b"\n") == 6
        rows = export.elder_csv_rows(ctx, None, None, reveal)
        if BACKEND != "postgresql":
            assert rows is None
            return
        fast = b"".join(export.csv_body(ctx, "elders", None, None, reveal, "mark"))
        assert fast.decode().splitlines() == by_row.decode().splitlines()
        assert fast == by_row
        assert b"".join(export.csv_body(ctx, "elders", VILLAGE, None, reveal, None)) == b"".join(
            export.as_csv(*export.records(ctx, "elders", VILLAGE, None, reveal), None)
        )

    @pytest.mark.parametrize(
        "region", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE]
    )
    def test_neighbours_export_nothing_of_another_village(self, client, db, region):
        make_elder(db, VILLAGE)
        neighbour = make_user(db, "village_worker", region)
        r = client.get("/api/v1/exports/elders", headers=auth(neighbour))
        assert len(r.content.decode("utf-8-sig").splitlines()) == 1  # the header only


class TestTemplates:
    def test_xlsx_template_has_chinese_headers_example_and_dropdowns(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.get("/api/v1/imports/elders/template", headers=auth(worker))
        assert r.status_code == 200
        book = load_workbook(io.BytesIO(r.content))
        sheet = book["导入数据"]
        headers = [c.value for c in sheet[1]]
        assert headers[:3] == ["身份证号", "姓名", "村代码"]
        assert sheet.cell(row=2, column=2).value == "张秀英"
        validations = sheet.data_validations.dataValidation
        column = headers.index("居住状况") + 1
        options = [c.value for c in book["选项"][chr(64 + column)] if c.value]
        assert "独居" in options
        assert any(v.type == "list" for v in validations)

    def test_the_template_imports_as_is(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        body = client.get("/api/v1/imports/elders/template", headers=auth(worker)).content
        r = client.post(
            "/api/v1/imports/elders",
            content=body,
            headers={
                **auth(worker),
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            },
            params={"dry_run": True},
        )
        assert r.json()["failed"] == 0, r.text
        assert r.json()["created"] == 1
