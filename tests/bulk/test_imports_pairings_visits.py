"""Imports of pairings and visits: domain rules, modes, idempotency, scope, templates."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.visits.models import ElderSchedule, Visit
from eldercare.volunteers.models import Pairing
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.bulk.test_imports import CSV, as_csv
from tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE,
    VILLAGE,
    auth,
    make_elder,
    make_user,
    make_volunteer,
)


def post(client, user, resource, body, *, lang=None, headers=None, **params):
    h = {**auth(user, lang), "Content-Type": CSV, **(headers or {})}
    if isinstance(body, str):
        body = body.encode()
    return client.post(f"/api/v1/imports/{resource}", content=body, headers=h, params=params)


def n_pairings(db) -> int:
    return db.scalar(select(func.count()).select_from(Pairing))


def n_visits(db) -> int:
    return db.scalar(select(func.count()).select_from(Visit))


def local(days_ago: int, hour: int = 9) -> str:
    return f"{(local_today() - timedelta(days=days_ago)).isoformat()} {hour:02d}:30"


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


# ----------------------------------------------------------------------------- pairings


class TestPairings:
    def test_gbk_csv_with_chinese_headers_creates_then_matches_then_updates(
        self, client, db, worker
    ):
        elder, helper = make_elder(db, VILLAGE), make_volunteer(db, VILLAGE)
        row = {
            "老人身份证号": elder.id_number,
            "结对人电话": helper.phone,
            "包保责任人": "是",
            "服务内容": "陪伴聊天、代购",
        }
        body = as_csv([row]).encode("gbk")
        first = post(client, worker, "pairings", body).json()
        assert (first["created"], first["failed"]) == (1, 0), first
        pairing = db.scalar(select(Pairing).where(Pairing.elder_id == elder.id))
        assert pairing.volunteer_id == helper.id
        assert pairing.is_primary is True
        assert pairing.services == ["companionship", "shopping"]
        assert pairing.start_date == local_today()
        again = post(client, worker, "pairings", body).json()
        assert (again["created"], again["unchanged"]) == (0, 1)
        row["服务内容"] = "陪伴聊天"
        changed = post(client, worker, "pairings", as_csv([row]).encode("gbk")).json()
        assert changed["updated"] == 1, changed
        db.refresh(pairing)
        assert pairing.services == ["companionship"]
        assert n_pairings(db) == 1

    def bad_mix(self, db) -> tuple[list[dict[str, str]], list]:
        """Row 2 valid, row 3 over the helper's capacity, row 4 a second primary, row 5 valid."""
        elders = [make_elder(db, VILLAGE, name=f"王{c}") for c in "甲乙丙"]
        small, big, other = (
            make_volunteer(db, VILLAGE, max_pairings=1),
            make_volunteer(db, VILLAGE),
            make_volunteer(db, VILLAGE),
        )
        rows = [
            {"elder_id_number": elders[0].id_number, "volunteer_phone": small.phone},
            {"elder_id_number": elders[1].id_number, "volunteer_phone": small.phone},
            {"elder_id_number": elders[2].id_number, "volunteer_phone": big.phone},
            {"elder_id_number": elders[2].id_number, "volunteer_phone": other.phone},
        ]
        for r in rows:
            r["is_primary"] = "true"
        return rows, elders

    def test_dry_run_writes_nothing_and_reports_the_domain_rules(self, client, db, worker):
        rows, _ = self.bad_mix(db)
        report = post(client, worker, "pairings", as_csv(rows), dry_run="true").json()
        assert (report["created"], report["failed"], report["written"]) == (2, 2, False)
        assert [(e["row"], e["code"]) for e in report["errors"]] == [
            (3, "pairing.over_capacity"),
            (5, "pairing.primary_exists"),
        ]
        assert n_pairings(db) == 0

    def test_failed_atomic_import_writes_nothing(self, client, db, worker):
        rows, _ = self.bad_mix(db)
        report = post(client, worker, "pairings", as_csv(rows)).json()
        assert (report["status"], report["failed"], report["written"]) == ("failed", 2, False)
        assert n_pairings(db) == 0

    def test_per_row_writes_exactly_the_valid_rows(self, client, db, worker):
        rows, elders = self.bad_mix(db)
        report = post(client, worker, "pairings", as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (2, 2)
        stored = set(db.execute(select(Pairing.elder_id, Pairing.is_primary)))
        assert stored == {(elders[0].id, True), (elders[2].id, True)}

    def test_rows_outside_the_callers_scope_fail_one_by_one(self, client, db, worker):
        mine, theirs = make_elder(db, VILLAGE), make_elder(db, OTHER_VILLAGE, name="李四")
        helper, far = make_volunteer(db, VILLAGE), make_volunteer(db, OTHER_COUNTY_VILLAGE)
        rows = [
            {"elder_id_number": mine.id_number, "volunteer_phone": helper.phone},
            {"elder_id_number": theirs.id_number, "volunteer_phone": helper.phone},
            {"elder_id_number": mine.id_number, "volunteer_phone": far.phone},
        ]
        report = post(client, worker, "pairings", as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, 2)
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (3, "elder_id_number", "import.elder_not_found"),
            (4, "volunteer_phone", "import.volunteer_not_found"),
        ]
        assert n_pairings(db) == 1

    def test_ending_a_pairing_by_import_and_importing_it_again(self, client, db, worker):
        elder, helper = make_elder(db, VILLAGE), make_volunteer(db, VILLAGE)
        row = {"elder_id_number": elder.id_number, "volunteer_phone": helper.phone}
        post(client, worker, "pairings", as_csv([row]))
        row.update(end_date=local_today().isoformat(), end_reason="迁居")
        ended = post(client, worker, "pairings", as_csv([row])).json()
        assert ended["updated"] == 1, ended
        again = post(client, worker, "pairings", as_csv([row])).json()
        assert again["unchanged"] == 1, again
        assert n_pairings(db) == 1
        assert db.scalar(select(Pairing.end_reason)) == "迁居"

    def test_idempotent_replay_and_a_reused_key(self, client, db, worker):
        elder, helper = make_elder(db, VILLAGE), make_volunteer(db, VILLAGE)
        body = as_csv([{"elder_id_number": elder.id_number, "volunteer_phone": helper.phone}])
        key = {"Idempotency-Key": "p-1"}
        first = post(client, worker, "pairings", body, headers=key).json()
        again = post(client, worker, "pairings", body, headers=key)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert (again.json()["id"], again.json()["created"]) == (first["id"], 1)
        other = post(client, worker, "pairings", body + "\n", headers=key)
        assert other.json()["code"] == "idempotency.key_reused"
        assert n_pairings(db) == 1

    def test_error_file_names_the_failed_row(self, client, db, worker):
        helper = make_volunteer(db, VILLAGE)
        rows = [{"elder_id_number": "431127195003150000", "volunteer_phone": helper.phone}]
        report = post(client, worker, "pairings", as_csv(rows), mode="per_row").json()
        lines = (
            client.get(report["error_file"], headers=auth(worker))
            .content.decode("utf-8-sig")
            .splitlines()
        )
        assert lines[0].endswith(",错误")
        assert "找不到" in lines[1]


# ----------------------------------------------------------------------------- visits


class TestVisits:
    def test_gbk_csv_creates_visits_and_refreshes_the_schedule(self, client, db, worker):
        elder, helper = make_elder(db, VILLAGE), make_volunteer(db, VILLAGE)
        rows = [
            {
                "老人身份证号": elder.id_number,
                "探访时间": local(10),
                "探访方式": "电话",
                "探访人电话": helper.phone,
                "危险程度": "有隐患",
                "安全隐患": "跌倒风险",
            },
            {
                "老人身份证号": elder.id_number,
                "探访时间": local(3),
                "探访方式": "上门探访",
                "探访人电话": "",
                "危险程度": "",
                "安全隐患": "",
            },
        ]
        report = post(client, worker, "visits", as_csv(rows).encode("gbk")).json()
        assert (report["created"], report["failed"]) == (2, 0), report
        call, home = db.scalars(select(Visit).order_by(Visit.visited_at)).all()
        assert (call.method, call.volunteer_id, call.user_id) == ("phone", helper.id, None)
        assert call.findings["danger"] == "concern"
        assert call.safety_risks == ["fall_risk"]
        assert (home.method, home.volunteer_id, home.user_id) == ("home_visit", None, worker.id)
        assert home.visited_at.astimezone(get_settings().tz).replace(tzinfo=None) == (
            datetime.fromisoformat(local(3))
        )
        sched = db.get(ElderSchedule, elder.id)
        db.refresh(sched)
        assert sched.last_visit_at == home.visited_at

    def test_xlsx_with_a_date_time_cell(self, client, db, worker):
        from openpyxl import Workbook

        elder = make_elder(db, VILLAGE)
        at = datetime.fromisoformat(local(6, hour=15))
        book = Workbook()
        book.active.append(["老人身份证号", "探访时间", "探访方式", "提供服务"])
        book.active.append([elder.id_number, at, "视频", "陪伴聊天"])
        out = io.BytesIO()
        book.save(out)
        h = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        report = post(client, worker, "visits", out.getvalue(), headers=h).json()
        assert report["created"] == 1, report
        visit = db.scalar(select(Visit))
        assert (visit.method, visit.services) == ("video", ["companionship"])
        assert visit.visited_at.astimezone(get_settings().tz).replace(tzinfo=None) == at

    def test_reimport_is_unchanged_and_a_change_updates(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        row = {
            "elder_id_number": elder.id_number,
            "visited_at": local(2),
            "method": "home_visit",
            "notes": "",
        }
        post(client, worker, "visits", as_csv([row]))
        again = post(client, worker, "visits", as_csv([row])).json()
        assert (again["created"], again["unchanged"]) == (0, 1), again
        row["notes"] = "老人身体尚可"
        changed = post(client, worker, "visits", as_csv([row])).json()
        assert changed["updated"] == 1, changed
        assert n_visits(db) == 1
        assert db.scalar(select(Visit.notes)) == "老人身体尚可"

    def bad_mix(self, db) -> list[dict[str, str]]:
        """Rows 2 and 5 valid; 3 in the future; 4 after the elder died."""
        alive = make_elder(db, VILLAGE)
        died = make_elder(
            db,
            VILLAGE,
            name="李四",
            status="deceased",
            status_date=local_today() - timedelta(days=5),
        )
        tomorrow = (datetime.now(get_settings().tz) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
        return [
            {"elder_id_number": alive.id_number, "visited_at": local(4), "method": "phone"},
            {"elder_id_number": alive.id_number, "visited_at": tomorrow, "method": "phone"},
            {"elder_id_number": died.id_number, "visited_at": local(2), "method": "home_visit"},
            {"elder_id_number": died.id_number, "visited_at": local(9), "method": "home_visit"},
        ]

    def test_dry_run_writes_nothing_and_reports_the_domain_rules(self, client, db, worker):
        report = post(client, worker, "visits", as_csv(self.bad_mix(db)), dry_run="true").json()
        assert (report["created"], report["failed"], report["written"]) == (2, 2, False)
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (3, "visited_at", "visit.future"),
            (4, "visited_at", "visit.after_deceased"),
        ]
        assert n_visits(db) == 0

    def test_a_visit_before_birth_fails_its_row(self, client, db, worker):
        elder = make_elder(db, VILLAGE, birth="1950-03-15")
        rows = [
            {"elder_id_number": elder.id_number, "visited_at": local(4), "method": "phone"},
            {
                "elder_id_number": elder.id_number,
                "visited_at": "1949-05-01 10:00",
                "method": "phone",
            },
        ]
        report = post(client, worker, "visits", as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, 1), report
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (3, "visited_at", "visit.before_birth")
        ]

    def test_failed_atomic_import_writes_nothing(self, client, db, worker):
        report = post(client, worker, "visits", as_csv(self.bad_mix(db))).json()
        assert (report["status"], report["failed"], report["written"]) == ("failed", 2, False)
        assert n_visits(db) == 0

    def test_per_row_writes_exactly_the_valid_rows(self, client, db, worker):
        rows = self.bad_mix(db)
        report = post(client, worker, "visits", as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (2, 2)
        stored = {v.method for v in db.scalars(select(Visit))}
        assert stored == {"phone", "home_visit"}
        assert n_visits(db) == 2

    def test_rows_outside_the_callers_scope_fail_one_by_one(self, client, db, worker):
        mine, theirs = make_elder(db, VILLAGE), make_elder(db, OTHER_VILLAGE, name="李四")
        far = make_volunteer(db, OTHER_COUNTY_VILLAGE)
        rows = [
            {"elder_id_number": mine.id_number, "visited_at": local(1), "method": "phone"},
            {"elder_id_number": theirs.id_number, "visited_at": local(1), "method": "phone"},
            {
                "elder_id_number": mine.id_number,
                "visited_at": local(2),
                "method": "phone",
                "volunteer_phone": far.phone,
            },
        ]
        for r in rows:
            r.setdefault("volunteer_phone", "")
        report = post(client, worker, "visits", as_csv(rows), mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, 2)
        assert [(e["row"], e["code"]) for e in report["errors"]] == [
            (3, "import.elder_not_found"),
            (4, "import.volunteer_not_found"),
        ]
        assert n_visits(db) == 1

    def test_missing_time_and_duplicate_rows_fail(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        rows = [
            {"elder_id_number": elder.id_number, "visited_at": "", "method": "phone"},
            {"elder_id_number": elder.id_number, "visited_at": local(1), "method": "phone"},
            {"elder_id_number": elder.id_number, "visited_at": local(1), "method": "phone"},
        ]
        report = post(client, worker, "visits", as_csv(rows), mode="per_row").json()
        assert [(e["row"], e["code"]) for e in report["errors"]] == [
            (2, "missing"),
            (4, "import.duplicate_visit"),
        ]
        assert n_visits(db) == 1

    def test_idempotent_replay_writes_nothing(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        body = as_csv(
            [{"elder_id_number": elder.id_number, "visited_at": local(1), "method": "video"}]
        )
        key = {"Idempotency-Key": "v-1"}
        first = post(client, worker, "visits", body, headers=key).json()
        again = post(client, worker, "visits", body, headers=key).json()
        assert (again["id"], again["created"], again["replayed"]) == (first["id"], 1, True)
        assert n_visits(db) == 1


@pytest.mark.parametrize(
    ("resource", "column", "option"),
    [("pairings", "服务内容", "陪伴聊天"), ("visits", "探访方式", "入户")],
)
def test_templates_have_chinese_headers_and_dropdowns(client, db, resource, column, option):
    worker = make_user(db, "village_worker", VILLAGE)
    r = client.get(f"/api/v1/imports/{resource}/template", headers=auth(worker))
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    headers = [c.value for c in book["导入数据"][1]]
    assert headers[0] == "老人身份证号"
    letter = chr(65 + headers.index(column))
    assert option in [c.value for c in book["选项"][letter] if c.value]
    assert book["导入数据"].data_validations.dataValidation
