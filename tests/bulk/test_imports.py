"""Imports: formats, dry runs, atomic and per-row modes, upserts, idempotency, scope."""

from __future__ import annotations

import csv
import io
import json

import pytest
from eldercare.clock import today as local_today
from eldercare.elders.models import Elder, ElderChange
from eldercare.visits.models import ElderSchedule
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    id_number,
    make_client,
    make_elder,
    make_user,
)

CSV = "text/csv"
NDJSON = "application/x-ndjson"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def elder_rows(n: int, village: str = VILLAGE) -> list[dict[str, str]]:
    return [
        {
            "id_number": id_number(f"19{40 + i % 20}-0{1 + i % 9}-1{i % 9}", male=i % 2 == 0),
            "name": f"王{'建国秀英春生'[i % 6]}",
            "village_code": village,
            "living_arrangement": "alone",
            "phone": f"1381234{i:04d}",
        }
        for i in range(n)
    ]


def as_csv(rows: list[dict[str, str]], headers: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    fields = list(rows[0])
    writer = csv.writer(out)
    writer.writerow([(headers or {}).get(f, f) for f in fields])
    for r in rows:
        writer.writerow([r[f] for f in fields])
    return out.getvalue()


def post(client, user, body, content_type=CSV, *, lang=None, **params):
    headers = {**auth(user, lang), "Content-Type": content_type}
    headers.update(params.pop("headers", {}))
    if isinstance(body, str):
        body = body.encode()
    return client.post("/api/v1/imports/elders", content=body, headers=headers, params=params)


def count(db, village: str = VILLAGE) -> int:
    return db.scalar(select(func.count()).select_from(Elder).where(Elder.village_code == village))


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


class TestFormats:
    def test_utf8_csv_creates_elders_with_history_and_schedule(self, client, db, worker):
        rows = elder_rows(3)
        r = post(client, worker, as_csv(rows))
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["created"], report["failed"], report["status"]) == (3, 0, "succeeded")
        assert report["written"] is True
        assert count(db) == 3
        elder = db.scalar(select(Elder).where(Elder.id_number == rows[0]["id_number"]))
        assert elder.is_left_behind is False
        assert elder.risk_level in ("high", "key", "general")
        assert db.get(ElderSchedule, elder.id) is not None
        assert db.scalar(select(ElderChange).where(ElderChange.elder_id == elder.id)).action == (
            "create"
        )
        # the new elder reads back through the API like one made by hand
        got = client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker))
        assert got.status_code == 200
        assert got.json()["living_arrangement"] == "alone"

    def test_history_of_an_imported_elder_matches_one_made_by_hand(self, client, db, worker):
        by_hand, imported = elder_rows(2)
        for row in (by_hand, imported):
            row.update(household_size=3, annual_income_per_capita="5200.50", notes="")
        r = client.post("/api/v1/elders", json=by_hand, headers=auth(worker))
        assert r.status_code == 201, r.text
        assert post(client, worker, as_csv([imported])).json()["created"] == 1

        def history(number: str) -> dict:
            elder = db.scalar(select(Elder).where(Elder.id_number == number))
            return db.scalar(select(ElderChange).where(ElderChange.elder_id == elder.id)).changes

        hand, bulk = history(by_hand["id_number"]), history(imported["id_number"])
        # the same facts in the same (sorted) order; empty values are left out
        assert list(bulk) == sorted(bulk)
        differ = {"id_number", "household_id", "birth_date", "sex", "phone", "name"}
        assert {k: v for k, v in bulk.items() if k not in differ} == {
            k: v for k, v in hand.items() if k not in differ and v[1] not in (None, "", [])
        }
        assert bulk["annual_income_per_capita"] == [None, "5200.50"]

    def test_derived_categories_and_risk_are_each_rows_own(self, client, db, worker):

        from eldercare.elders import rules

        facts = [
            ("1940-05-01", "alone", "hypertension"),
            ("1940-06-01", "alone", "dementia"),
            ("1940-07-01", "with_spouse", "hypertension"),
            ("1958-05-01", "alone", "hypertension"),
            ("1958-06-01", "with_children", "dementia"),
            ("1958-07-01", "with_children", ""),
        ]
        rows = [
            {
                "id_number": id_number(birth),
                "name": "王秀英",
                "village_code": VILLAGE,
                "living_arrangement": living,
                "health_conditions": health,
            }
            for birth, living, health in facts
        ]
        assert post(client, worker, as_csv(rows)).json()["created"] == 6
        levels = set()
        for r in rows:
            elder = db.scalar(select(Elder).where(Elder.id_number == r["id_number"]))
            expected = rules.derive(
                rules.ElderFacts(
                    elder.birth_date,
                    VILLAGE,
                    elder.living_arrangement,
                    None,
                    None,
                    list(elder.health_conditions),
                    [],
                    [],
                ),
                rules.RegisterSettings(),
                local_today(),
            )
            assert elder.categories == expected.categories
            assert (elder.risk_level, elder.risk_reasons) == (
                expected.risk_level,
                [x.as_dict() for x in expected.risk_reasons],
            )
            levels.add(elder.risk_level)
        assert len(levels) > 1

    def test_gbk_csv_with_chinese_headers_and_labels(self, client, db, worker):
        rows = elder_rows(2)
        for r in rows:
            r["living_arrangement"] = "独居"
        zh = {
            "id_number": "身份证号",
            "name": "姓名",
            "village_code": "村代码",
            "living_arrangement": "居住状况",
            "phone": "联系电话",
        }
        body = as_csv(rows, zh).encode("gbk")
        r = post(client, worker, body)
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 2
        assert r.json()["encoding"] == "gb18030"
        names = set(db.scalars(select(Elder.name).where(Elder.village_code == VILLAGE)))
        assert names == {rows[0]["name"], rows[1]["name"]}

    def test_utf8_bom_csv(self, client, db, worker):
        r = post(client, worker, "\ufeff" + as_csv(elder_rows(1)))
        assert r.json()["created"] == 1
        assert r.json()["encoding"] == "utf-8-sig"

    def test_ndjson_and_json_array(self, client, db, worker):
        rows = elder_rows(4)
        nd = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:2])
        assert post(client, worker, nd, NDJSON).json()["created"] == 2
        arr = json.dumps(rows[2:], ensure_ascii=False)
        assert post(client, worker, arr, "application/json").json()["created"] == 2
        assert count(db) == 4

    def test_xlsx(self, client, db, worker):
        rows = elder_rows(2)
        book = Workbook()
        sheet = book.active
        sheet.append(["身份证号", "姓名", "村代码", "家庭人口"])
        for r in rows:
            sheet.append([r["id_number"], r["name"], int(r["village_code"]), 1])
        out = io.BytesIO()
        book.save(out)
        r = post(client, worker, out.getvalue(), XLSX)
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 2
        assert count(db) == 2

    def test_unsupported_content_type_is_refused(self, client, worker):
        r = post(client, worker, "x", "text/plain")
        assert r.status_code == 400
        assert r.json()["code"] == "import.unsupported_format"


class TestModes:
    def bad_mix(self) -> list[dict[str, str]]:
        rows = elder_rows(4)
        rows[1]["id_number"] = rows[1]["id_number"][:-1] + (
            "0" if rows[1]["id_number"][-1] != "0" else "1"
        )
        rows[3]["living_arrangement"] = "on_the_moon"
        return rows

    def test_dry_run_writes_nothing_and_reports_every_bad_row(self, client, db, worker):
        r = post(client, worker, as_csv(self.bad_mix()), dry_run="true", mode="per_row", lang="en")
        report = r.json()
        assert (report["created"], report["failed"], report["written"]) == (2, 2, False)
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (3, "id_number", "id_number.checksum"),
            (5, "living_arrangement", "literal_error"),
        ]
        assert report["errors"][0]["message"]
        assert count(db) == 0

    def test_every_error_of_a_row_is_reported_at_once(self, client, db, worker):
        rows = elder_rows(2)
        rows[0]["id_number"] = rows[0]["id_number"][:-1] + (
            "0" if rows[0]["id_number"][-1] != "0" else "1"
        )
        rows[0]["phone"] = "12345"
        rows[1]["village_code"] = "431127999999"
        rows[1]["phone"] = "12345"
        report = post(client, worker, as_csv(rows), dry_run="true", mode="per_row").json()
        errors = sorted((e["row"], e["field"], e["code"]) for e in report["errors"])
        assert [(row, field) for row, field, _ in errors] == [
            (2, "id_number"),
            (2, "phone"),
            (3, "phone"),
            (3, "village_code"),
        ]
        assert "id_number.checksum" in [code for _, _, code in errors]
        assert report["failed"] == 2
        assert {e["field_label"] for e in report["errors"]} == {"身份证号", "联系电话", "村代码"}

    def test_failed_atomic_import_writes_nothing(self, client, db, worker):
        r = post(client, worker, as_csv(self.bad_mix()))
        report = r.json()
        assert report["status"] == "failed"
        assert report["failed"] == 2
        assert report["written"] is False
        assert report["error"]["code"] == "import.rows_failed"
        assert count(db) == 0

    def test_per_row_writes_exactly_the_valid_rows(self, client, db, worker):
        rows = self.bad_mix()
        report = post(client, worker, as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"], report["status"]) == (2, 2, "succeeded")
        stored = set(db.scalars(select(Elder.id_number).where(Elder.village_code == VILLAGE)))
        assert stored == {rows[0]["id_number"], rows[2]["id_number"]}

    def test_messages_follow_the_language(self, client, worker):
        rows = self.bad_mix()
        zh = post(client, worker, as_csv(rows), dry_run="true").json()["errors"][0]["message"]
        en = post(client, worker, as_csv(rows), dry_run="true", lang="en").json()["errors"][0]
        assert zh != en["message"]
        assert en["code"] == "id_number.checksum"


class TestUpserts:
    def test_reimport_is_unchanged_and_a_change_updates(self, client, db, worker):
        rows = elder_rows(3)
        post(client, worker, as_csv(rows))
        again = post(client, worker, as_csv(rows)).json()
        assert (again["created"], again["unchanged"], again["updated"]) == (0, 3, 0)
        rows[1]["living_arrangement"] = "with_spouse"
        changed = post(client, worker, as_csv(rows)).json()
        assert (changed["unchanged"], changed["updated"]) == (2, 1)
        assert count(db) == 3
        elder = db.scalar(select(Elder).where(Elder.id_number == rows[1]["id_number"]))
        db.refresh(elder)
        assert elder.living_arrangement == "with_spouse"
        assert elder.version > 1

    def test_unchanged_rows_still_fail_as_duplicates_and_match_however_written(
        self, client, db, worker
    ):
        rows = elder_rows(2)
        post(client, worker, as_csv(rows))
        spaced = {**rows[0], "id_number": f" {rows[0]['id_number'][:6]} {rows[0]['id_number'][6:]}"}
        report = post(client, worker, as_csv([*rows, rows[1], spaced]), mode="per_row").json()
        assert (report["unchanged"], report["failed"], report["created"]) == (2, 2, 0)
        assert [(e["row"], e["code"]) for e in report["errors"]] == [
            (4, "import.duplicate_row"),
            (5, "import.duplicate_row"),
        ]
        assert count(db) == 2

    def test_elder_made_by_hand_is_matched_by_id_number(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        row = {"id_number": elder.id_number, "name": elder.name, "village_code": VILLAGE}
        report = post(client, worker, as_csv([row])).json()
        assert report["unchanged"] == 1
        assert count(db) == 1


class TestIdempotency:
    def test_same_key_and_body_returns_the_first_report_and_writes_nothing(
        self, client, db, worker
    ):
        body = as_csv(elder_rows(2))
        first = post(client, worker, body, headers={"Idempotency-Key": "k-1"})
        again = post(client, worker, body, headers={"Idempotency-Key": "k-1"})
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["created"] == 2
        assert again.json()["replayed"] is True
        assert count(db) == 2
        assert db.scalar(select(func.count()).select_from(ElderChange)) == 2

    def test_same_key_with_another_body_is_refused(self, client, db, worker):
        post(client, worker, as_csv(elder_rows(1)), headers={"Idempotency-Key": "k-2"})
        r = post(client, worker, as_csv(elder_rows(1)), headers={"Idempotency-Key": "k-2"})
        assert r.status_code == 422
        assert r.json()["code"] == "idempotency.key_reused"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert count(db) == 1

    def test_keys_belong_to_their_caller(self, client, db, worker):
        other = make_user(db, "village_worker", VILLAGE)
        body = as_csv(elder_rows(1))
        post(client, worker, body, headers={"Idempotency-Key": "k-3"})
        r = post(client, other, as_csv(elder_rows(1)), headers={"Idempotency-Key": "k-3"})
        assert r.status_code == 200
        assert r.json()["created"] == 1


class TestScope:
    def test_rows_outside_the_callers_village_fail_one_by_one(self, client, db, worker):
        rows = elder_rows(1) + elder_rows(1, OTHER_VILLAGE) + elder_rows(1, OTHER_COUNTY_VILLAGE)
        report = post(client, worker, as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, 2)
        assert {(e["row"], e["code"]) for e in report["errors"]} == {
            (3, "region.unknown"),
            (4, "region.unknown"),
        }
        assert count(db, OTHER_VILLAGE) == 0

    def test_an_id_number_registered_elsewhere_fails_without_details(self, client, db, worker):
        elsewhere = make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="李桂兰")
        row = {"id_number": elsewhere.id_number, "name": "李桂兰", "village_code": VILLAGE}
        report = post(client, worker, as_csv([row]), mode="per_row").json()
        assert report["errors"][0]["code"] == "elder.duplicate_elsewhere"
        assert "李桂兰" not in json.dumps(report, ensure_ascii=False)
        assert count(db) == 0

    def test_township_officer_imports_into_any_of_its_villages(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        rows = elder_rows(1) + elder_rows(1, OTHER_VILLAGE)
        assert post(client, officer, as_csv(rows)).json()["created"] == 2

    @pytest.mark.parametrize(
        "region", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE]
    )
    def test_a_neighbours_job_is_not_found(self, client, db, worker, region):
        job = post(client, worker, as_csv(elder_rows(1))).json()["id"]
        role = "village_worker"
        neighbour = make_user(db, role, region)
        for path in (f"/api/v1/imports/{job}", f"/api/v1/imports/{job}/error-file"):
            assert client.get(path, headers=auth(neighbour)).status_code == 404

    def test_integration_client_needs_the_import_scope(self, client, db):
        reader = make_client(db, scopes=["registry:read"])
        importer = make_client(db, scopes=["import"])
        assert post(client, reader, as_csv(elder_rows(1))).status_code == 403
        assert post(client, importer, as_csv(elder_rows(1))).json()["created"] == 1


class TestReport:
    def test_job_report_and_error_file(self, client, db, worker):
        rows = elder_rows(3)
        rows[2]["village_code"] = OTHER_VILLAGE
        created = post(client, worker, as_csv(rows), mode="per_row").json()
        got = client.get(f"/api/v1/imports/{created['id']}", headers=auth(worker)).json()
        assert got["failed"] == 1
        assert got["error_file"]
        f = client.get(got["error_file"], headers=auth(worker))
        assert f.status_code == 200
        lines = list(csv.reader(io.StringIO(f.content.decode("utf-8-sig"))))
        assert lines[0][-1] == "错误"
        assert len(lines) == 4
        assert [bool(line[-1]) for line in lines[1:]] == [False, False, True]
        only = client.get(got["error_file"], headers=auth(worker), params={"failed_only": True})
        assert len(list(csv.reader(io.StringIO(only.content.decode("utf-8-sig"))))) == 2

    def test_xlsx_error_file_is_a_workbook(self, client, db, worker):
        book = Workbook()
        book.active.append(["身份证号", "姓名", "村代码"])
        book.active.append(["123", "王五", VILLAGE])
        out = io.BytesIO()
        book.save(out)
        job = post(client, worker, out.getvalue(), XLSX, mode="per_row").json()
        f = client.get(job["error_file"], headers=auth(worker))
        sheet = load_workbook(io.BytesIO(f.content)).active
        assert [c.value for c in sheet[1]] == ["身份证号", "姓名", "村代码", "错误"]
        assert sheet.cell(row=2, column=4).value


class TestOtherResources:
    def test_guardians_upsert_by_elder_name_and_relation(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        body = as_csv(
            [
                {
                    "老人身份证号": elder.id_number,
                    "姓名": "王建国",
                    "关系": "儿子",
                    "外出范围": "省外",
                }
            ]
        )
        h = {**auth(worker), "Content-Type": CSV}
        r = client.post("/api/v1/imports/guardians", content=body.encode(), headers=h)
        assert r.json()["created"] == 1, r.text
        again = client.post("/api/v1/imports/guardians", content=body.encode(), headers=h).json()
        assert again["unchanged"] == 1
        out = client.get(f"/api/v1/elders/{elder.id}/guardians", headers=auth(worker)).json()
        assert [(g["relation"], g["away_scope"]) for g in out] == [("son", "outside_province")]

    def test_volunteers_need_a_township_officer(self, client, db, worker):
        body = as_csv(
            [{"name": "李春生", "phone": "13712345678", "kind": "党员", "region_code": VILLAGE}]
        ).encode()
        h = {"Content-Type": CSV}
        r = client.post("/api/v1/imports/volunteers", content=body, headers={**auth(worker), **h})
        assert r.json()["status"] == "failed"
        assert r.json()["error"]["code"] == "auth.role_required"
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.post("/api/v1/imports/volunteers", content=body, headers={**auth(officer), **h})
        assert r.json()["created"] == 1
