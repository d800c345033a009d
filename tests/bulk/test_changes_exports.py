"""The change feed, exports and templates."""

from __future__ import annotations

import csv
import io
import json

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.filters import ElderFilters
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import BACKEND
from tests.factories import (
    COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
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
        gone = client.delete(
            f"/api/v1/guardians/{gid}", headers={**auth(worker), "If-Match": g.headers["etag"]}
        )
        assert gone.status_code == 204, gone.text
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

    def test_emergencies_benefits_and_relief_facts_are_in_the_feed(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        township = make_user(db, "township_officer", TOWNSHIP)
        county = make_user(db, "county_officer", COUNTY)
        elder = make_elder(db, VILLAGE)
        start = changes(client, worker)["next_cursor"]
        body = {"elder_id": elder.id, "type": "accident", "severity": "high", "description": "摔倒"}
        r = client.post("/api/v1/incidents", headers=auth(worker), json=body)
        assert r.status_code == 201, r.text
        incident = r.json()
        r = client.post(
            f"/api/v1/incidents/{incident['id']}/transitions",
            headers={**auth(township), "If-Match": f'"{incident["version"]}"'},
            json={"to": "acknowledged"},
        )
        assert r.status_code == 200, r.text
        r = client.post(
            f"/api/v1/elders/{elder.id}/benefits",
            headers=auth(county),
            json={
                "program": "old_age_allowance",
                "start_date": "2024-01-01",
                "source": "civil_affairs_roster",
            },
        )
        assert r.status_code == 201, r.text
        benefit = r.json()
        r = client.put(
            f"/api/v1/elders/{elder.id}/relief-facts",
            headers={**auth(worker), "If-Match": '"0"'},
            json={"effective_date": "2024-01-01", "household_size": 1},
        )
        assert r.status_code == 200, r.text
        resources = ["incident", "benefit", "relief_facts"]
        items = changes(client, worker, start, resource=resources)["items"]
        assert [(i["resource"], i["action"], i["parent_id"]) for i in items] == [
            ("incident", "create", elder.id),
            ("incident", "update", elder.id),
            ("benefit", "create", elder.id),
            ("relief_facts", "create", elder.id),
        ]
        assert [i["id"] for i in items[:3]] == [incident["id"], incident["id"], benefit["id"]]
        assert [i["version"] for i in items[:3]] == [1, 2, 1]
        for neighbour in (OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE):
            other = make_user(db, "village_worker", neighbour)
            assert changes(client, other, start)["items"] == []

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
        r = client.get("/api/v1/exports/elders", headers=auth(worker), params={"labels": "codes"})
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
        x = client.get(
            "/api/v1/exports/elders",
            headers=auth(worker),
            params={"format": "xlsx", "labels": "codes"},
        )
        sheet = load_workbook(io.BytesIO(x.content)).active
        assert sheet.cell(row=1, column=1).value == "id"
        assert sheet.cell(row=2, column=1).value == elder.id

    def test_people_get_words_and_region_names_integrations_get_codes(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        elder = make_elder(
            db, VILLAGE, living_arrangement="with_grandchildren", self_care="partly_dependent"
        )
        x = client.get("/api/v1/exports/elders", headers=auth(worker), params={"format": "xlsx"})
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(x.content)).active.rows]
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["编号"] == elder.id
        assert row["姓名"] == elder.name
        assert row["居住状况"] == "与孙辈同住"
        assert row["生活自理能力"] == "半失能"
        assert row["是否留守"] in ("是", "否")
        assert row["村（社区）"]
        assert row["乡镇"]
        assert row["村（社区）"] != VILLAGE
        assert not any(v in ("with_grandchildren", "True", "False") for v in row.values())
        en = client.get("/api/v1/exports/elders", headers=auth(worker, "en"))
        head = next(csv.DictReader(io.StringIO(en.content.decode("utf-8-sig"))))
        assert head["Living arrangement"] == "With grandchildren"
        assert head["Township"]
        assert head["Village"]
        c = make_client(db, scopes=["registry:read"])
        r = client.get("/api/v1/exports/elders", headers=auth(c))
        assert r.content.decode("utf-8-sig").startswith("id,id_number,")

    @pytest.mark.parametrize("reveal", [False, True])
    def test_the_set_based_csv_equals_the_row_by_row_one(self, db, reveal):
        from datetime import UTC, datetime

        from eldercare.bulk import export
        from eldercare.context import Principal, RequestCtx
        from eldercare.roles import Role
        from eldercare.sheets import write

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
        everything = ElderFilters()
        columns, rows = export.records(ctx, "elders", everything, reveal)
        by_row = b"".join(write.as_csv(columns, rows, "mark"))
        # the mark, the header, three rows, and the line break inside one address
        assert by_row.count(b"\n") == 6
        rows = export.elder_csv_rows(ctx, everything, reveal)
        if BACKEND != "postgresql":
            assert rows is None
            return
        fast = b"".join(export.csv_body(ctx, "elders", everything, reveal, "mark"))
        assert fast.decode().splitlines() == by_row.decode().splitlines()
        assert fast == by_row
        # the list's filters, rendered as literals into COPY, select what the rows do
        for filters in (
            ElderFilters(region=VILLAGE),
            ElderFilters(q="李", age_min=80, category=["advanced_age"]),
            ElderFilters(q="ljg", status="active", left_behind=False),
        ):
            fast = b"".join(export.csv_body(ctx, "elders", filters, reveal, None))
            slow = b"".join(write.as_csv(*export.records(ctx, "elders", filters, reveal), None))
            assert fast == slow
            assert fast.count(b"\n") >= 2  # the header and at least one row

    @pytest.mark.parametrize(
        "region", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE]
    )
    def test_neighbours_export_nothing_of_another_village(self, client, db, region):
        make_elder(db, VILLAGE)
        neighbour = make_user(db, "village_worker", region)
        r = client.get("/api/v1/exports/elders", headers=auth(neighbour))
        assert len(r.content.decode("utf-8-sig").splitlines()) == 1  # the header only


def export_ids(client, who, **params):
    params = {"labels": "codes", **params}
    r = client.get("/api/v1/exports/elders", headers=auth(who), params=params)
    assert r.status_code == 200, r.text
    return sorted(row["id"] for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def list_ids(client, who, **params):
    r = client.get("/api/v1/elders", headers=auth(who), params={**params, "limit": 200})
    assert r.status_code == 200, r.text
    return sorted(i["id"] for i in r.json()["items"])


class TestExportFilters:
    """The elder export takes the register list's filters and holds exactly the list's rows."""

    @pytest.fixture
    def register(self, db):
        return {
            "old_alone": make_elder(
                db, VILLAGE, name="李桂兰", birth="1935-02-01", living_arrangement="alone"
            ),
            "young": make_elder(db, VILLAGE, name="王建国", birth="1962-06-01", male=True),
            "neighbour": make_elder(db, OTHER_VILLAGE, name="李明", birth="1950-01-01"),
            "moved": make_elder(db, VILLAGE, name="赵四", birth="1955-05-05", status="moved_out"),
            "far": make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="李华", birth="1940-01-01"),
        }

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"q": "li"},
            {"q": "李"},
            {"category": "advanced_age"},
            {"category": ["living_alone", "advanced_age"]},
            {"age_min": 70},
            {"age_max": 70},
            {"age_min": 60, "age_max": 75, "status": "active"},
            {"status": "moved_out"},
            {"region": VILLAGE},
            {"region": OTHER_VILLAGE, "q": "lm"},
            {"risk_level": "general"},
            {"left_behind": False},
            {"overdue": True},
            {"overdue": False},
        ],
    )
    def test_export_equals_the_list_with_the_same_filters(self, client, db, register, params):
        officer = make_user(db, "township_officer", TOWNSHIP)
        listed = list_ids(client, officer, **params)
        assert export_ids(client, officer, **params) == listed

    def test_filters_narrow_the_export(self, client, db, register):
        officer = make_user(db, "township_officer", TOWNSHIP)
        assert export_ids(client, officer) == sorted(
            e.id for k, e in register.items() if k != "far"
        )
        assert export_ids(client, officer, q="li") == sorted(
            [register["old_alone"].id, register["neighbour"].id]
        )
        assert export_ids(client, officer, age_min=80) == [register["old_alone"].id]
        assert export_ids(client, officer, status="moved_out") == [register["moved"].id]
        assert export_ids(client, officer, category="living_alone", region=VILLAGE) == [
            register["old_alone"].id
        ]
        assert export_ids(client, officer, q="王建国", age_min=80) == []

    def test_filters_never_widen_the_scope(self, client, db, register):
        worker = make_user(db, "village_worker", VILLAGE)
        # a region outside the worker's village, and a search naming a neighbour's elder
        assert export_ids(client, worker, region=OTHER_VILLAGE) == []
        assert export_ids(client, worker, q="李明") == []
        assert export_ids(client, worker, region=TOWNSHIP, q="li") == [register["old_alone"].id]

    @pytest.mark.parametrize(
        "region", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE]
    )
    def test_neighbours_export_nothing_with_any_filter(self, client, db, register, region):
        neighbour = make_user(db, "village_worker", region)
        mine = register["old_alone"]
        for params in ({"q": mine.name}, {"region": VILLAGE}, {"category": "advanced_age"}):
            ids = export_ids(client, neighbour, **params)
            assert mine.id not in ids

    def test_filtered_export_is_masked_and_a_revealed_one_audits_the_filters(
        self, client, db, register
    ):
        officer = make_user(db, "county_officer", COUNTY)
        mine = register["old_alone"]
        r = client.get(
            "/api/v1/exports/elders",
            headers=auth(officer),
            params={"q": "李桂兰", "format": "ndjson"},
        )
        (row,) = [json.loads(line) for line in r.text.splitlines()]
        assert row["id"] == mine.id
        assert row["id_number"] == mine.id_number[:3] + "*" * 11 + mine.id_number[-4:]
        assert row["birth_date"] == mine.birth_date.year
        r = client.get(
            "/api/v1/exports/elders",
            headers=auth(officer),
            params={"q": "李桂兰", "age_min": 80, "reveal": True, "format": "ndjson"},
        )
        rows = [json.loads(line) for line in r.text.splitlines()]
        assert rows[1]["id_number"] == mine.id_number
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.detail["filters"] == {"q": "李桂兰", "age_min": 80}

    def test_bad_filters_are_refused_in_both_languages(self, client, db, register):
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.get("/api/v1/exports/elders", headers=auth(officer), params={"age_min": 200})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["loc"][-1] == "age_min"
        bad = {"category": "nonsense"}
        r = client.get("/api/v1/exports/elders", headers=auth(officer), params=bad)
        assert r.status_code == 422
        for lang, text in (("zh-CN", "只有老年人导出"), ("en", "Only the elder export")):
            r = client.get(
                "/api/v1/exports/volunteers",
                headers={**auth(officer), "Accept-Language": lang},
                params={"q": "li"},
            )
            assert r.status_code == 400
            assert text in r.json()["detail"]
        ok = client.get(
            "/api/v1/exports/volunteers", headers=auth(officer), params={"region": TOWNSHIP}
        )
        assert ok.status_code == 200


class TestTemplates:
    def test_xlsx_template_has_chinese_headers_example_and_dropdowns(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.get("/api/v1/imports/elders/template", headers=auth(worker))
        assert r.status_code == 200
        book = load_workbook(io.BytesIO(r.content))
        sheet = book["导入数据"]
        headers = [c.value for c in sheet[1]]
        assert headers[:3] == ["身份证号", "姓名", "村代码"]
        assert book.sheetnames[0] == "导入数据"
        assert sheet.max_row == 1  # headers only: the example is on the instructions sheet
        guide = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
        example = dict(zip(guide[-2], guide[-1], strict=True))
        assert example["姓名"] == "张秀英"
        assert example["居住状况"] == "独居"
        validations = sheet.data_validations.dataValidation
        column = headers.index("居住状况") + 1
        options = [c.value for c in book["选项"][chr(64 + column)] if c.value]
        assert "独居" in options
        assert any(v.type == "list" for v in validations)

    def test_the_templates_example_is_never_imported(self, client, db):
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
        assert r.json()["created"] == 0
        assert r.json()["rows"] == 0
