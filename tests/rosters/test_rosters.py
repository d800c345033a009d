"""Reconciliation with other offices' rosters: matching (18 digits, 15 digits, a wrong check
digit), each kind's discrepancies, GBK CSV and XLSX, resolving through the services, scope."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.clock import today as local_today
from eldercare.elders.models import Elder, ElderChange
from eldercare.feed.models import Change
from eldercare.relief.models import Benefit
from openpyxl import Workbook
from sqlalchemy import select

from tests.factories import (
    OTHER_COUNTY,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    id_number,
    make_elder,
    make_user,
)

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = local_today()


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def as_xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, user, kind, body, content_type=CSV, **params):
    if isinstance(body, str):
        body = body.encode()
    return client.post(
        "/api/v1/rosters",
        params={"kind": kind, **params},
        content=body,
        headers={**auth(user), "Content-Type": content_type},
    )


def discrepancies(client, user, roster_id, **params):
    r = client.get(f"/api/v1/rosters/{roster_id}/discrepancies", params=params, headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def by_kind(report) -> dict[str, int]:
    return {k["kind"]: k["count"] for k in report["by_kind"]}


def resolve(client, user, d_id, **body):
    return client.post(
        f"/api/v1/rosters/discrepancies/{d_id}/resolve", json=body, headers=auth(user)
    )


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def fifteen(number: str) -> str:
    return number[:6] + number[8:17]


def add_benefit(db, elder, program, start="2024-01-01", end=None):
    from datetime import date

    from eldercare.relief.screening import refresh_elders

    b = Benefit(
        elder_id=elder.id,
        program=program,
        start_date=date.fromisoformat(start),
        end_date=end,
        source="civil_affairs_roster",
    )
    db.add(b)
    db.flush()
    refresh_elders(db, [elder.id])
    return b


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", VILLAGE[:6])


class TestDeaths:
    def test_gbk_csv_matches_18_and_15_digits_and_a_mistyped_check_digit(self, client, db, officer):
        active = make_elder(db, name="李桂英", birth="1940-05-06")
        old = make_elder(db, OTHER_VILLAGE, name="王德福", birth="1938-02-11", male=True)
        typo = make_elder(db, name="赵玉兰", birth="1945-09-09")
        dead_paid = make_elder(
            db, name="孙秀珍", birth="1936-01-01", status="deceased", status_date=TODAY
        )
        add_benefit(db, dead_paid, "old_age_allowance")
        dead_unpaid = make_elder(db, name="周大山", birth="1937-03-03", status="deceased")
        stranger = id_number("1941-01-01")
        body = as_csv(
            ["姓名", "公民身份号码", "死亡日期", "备注"],
            [
                ["李桂英", active.id_number, "2026年11月2日", "病故"],
                ["王德福", fifteen(old.id_number), "2026/10/30", ""],
                ["赵玉兰", wrong_check(typo.id_number), "2026-10-01", ""],
                ["孙秀珍", dead_paid.id_number, "2026-09-01", ""],
                ["周大山", dead_unpaid.id_number, "2026-09-01", ""],
                ["陌生人", stranger, "2026-09-01", ""],
                ["错号", "43112719", "2026-09-01", ""],
            ],
        ).encode("gbk")
        r = upload(client, officer, "deaths", body, file_name="殡葬名单.csv")
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["status"] == "succeeded"
        assert report["encoding"] == "gb18030"
        assert (report["rows"], report["matched"], report["near_misses"]) == (7, 5, 1)
        assert (report["not_found"], report["failed"]) == (1, 1)
        assert by_kind(report) == {"deceased_but_active": 3, "paid_but_deceased": 1}
        assert report["errors"][0]["row"] == 8
        assert report["errors"][0]["code"] == "id_number.length"
        items = discrepancies(client, officer, report["id"])
        found = {(i["elder_id"], i["kind"], i["near_miss"]) for i in items}
        assert found == {
            (active.id, "deceased_but_active", False),
            (old.id, "deceased_but_active", False),
            (typo.id, "deceased_but_active", True),
            (dead_paid.id, "paid_but_deceased", False),
        }
        first = next(i for i in items if i["elder_id"] == active.id)
        assert first["event_date"] == "2026-11-02"
        assert first["kind_label"] == "名单显示已死亡，本系统仍在册"
        assert first["elder_id_number"] != active.id_number  # masked
        only = discrepancies(client, officer, report["id"], kind="paid_but_deceased")
        assert [i["elder_id"] for i in only] == [dead_paid.id]
        # the error file: the rows as uploaded, the bad one with its message
        f = client.get(
            f"/api/v1/rosters/{report['id']}/error-file",
            params={"failed_only": "true"},
            headers=auth(officer),
        )
        assert f.status_code == 200
        text = f.content.decode("utf-8-sig")
        assert "错号" in text
        assert "身份证号码" in text
        assert "李桂英" not in text

    def test_applying_a_death_deceases_the_elder_with_history_feed_and_audit(
        self, client, db, officer
    ):
        elder = make_elder(db, name="李桂英", birth="1940-05-06")
        add_benefit(db, elder, "old_age_allowance")
        day = TODAY - timedelta(days=3)
        body = as_csv(["身份证号", "死亡日期"], [[elder.id_number, day.isoformat()]])
        report = upload(client, officer, "deaths", body).json()
        (d,) = discrepancies(client, officer, report["id"])
        # reported deceased while paid: on the payments to check before anything is done
        to_check = client.get("/api/v1/eligibility/payments-to-check", headers=auth(officer)).json()
        assert elder.id in {i["elder_id"] for i in to_check["items"]}
        version = db.scalar(select(Elder.version).where(Elder.id == elder.id))
        r = resolve(client, officer, d["id"], action="apply")
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["elder_status"]) == ("applied", "deceased")
        db.expire_all()
        got = db.get(Elder, elder.id)
        assert (got.status, got.status_date) == ("deceased", day)
        assert got.version > version
        change = db.scalars(
            select(ElderChange).where(
                ElderChange.elder_id == elder.id, ElderChange.action == "status"
            )
        ).one()
        assert change.changes["status"] == ["active", "deceased"]
        feed = db.scalars(
            select(Change).where(Change.resource == "elder", Change.resource_id == elder.id)
        ).all()
        assert feed
        assert feed[-1].version == got.version
        actions = set(
            db.scalars(
                select(AuditEvent.action).where(AuditEvent.resource_id.in_([elder.id, d["id"]]))
            )
        )
        assert {"status", "apply"} <= actions
        # still paid, now deceased here: the screening lists it (the roster's flag is closed)
        to_check = client.get("/api/v1/eligibility/payments-to-check", headers=auth(officer)).json()
        assert elder.id in {i["elder_id"] for i in to_check["items"]}
        again = resolve(client, officer, d["id"], action="apply")
        assert again.status_code == 409
        assert again.json()["code"] == "roster.already_resolved"

    def test_dismissing_needs_a_reason(self, client, db, officer):
        elder = make_elder(db, name="李桂英", birth="1940-05-06")
        body = as_csv(["身份证号", "死亡日期"], [[elder.id_number, "2026-11-01"]])
        report = upload(client, officer, "deaths", body).json()
        (d,) = discrepancies(client, officer, report["id"])
        r = resolve(client, officer, d["id"], action="dismiss", reason="  ")
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "roster.reason_required"
        r = resolve(client, officer, d["id"], action="dismiss", reason="同名同号，已核实健在")
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["reason"]) == ("dismissed", "同名同号，已核实健在")
        db.expire_all()
        assert db.get(Elder, elder.id).status == "active"
        assert discrepancies(client, officer, report["id"], status="open") == []

    def test_a_dry_run_lists_but_cannot_be_resolved(self, client, db, officer):
        elder = make_elder(db, name="李桂英", birth="1940-05-06")
        add_benefit(db, elder, "old_age_allowance")
        body = as_csv(["身份证号", "死亡日期"], [[elder.id_number, "2026-11-01"]])
        report = upload(client, officer, "deaths", body, dry_run="true").json()
        assert report["dry_run"] is True
        (d,) = discrepancies(client, officer, report["id"])
        r = resolve(client, officer, d["id"], action="apply")
        assert r.status_code == 409
        assert r.json()["code"] == "roster.dry_run"
        to_check = client.get("/api/v1/eligibility/payments-to-check", headers=auth(officer)).json()
        assert elder.id not in {i["elder_id"] for i in to_check["items"]}


class TestOtherKinds:
    def test_hukou_moves_from_xlsx(self, client, db, officer):
        moved = make_elder(db, name="钱多多", birth="1944-04-04")
        stays = make_elder(db, name="吴小妹", birth="1944-04-05", status="moved_out")
        body = as_xlsx(
            ["身份证号码", "姓名", "迁出日期", "迁往地址"],
            [
                [moved.id_number, "钱多多", "2026-10-15", "广东省东莞市"],
                [stays.id_number, "吴小妹", "2026-10-15", ""],
            ],
        )
        r = upload(client, officer, "hukou_out", body, XLSX)
        assert r.status_code == 200, r.text
        assert by_kind(r.json()) == {"moved_but_active": 1}
        (d,) = discrepancies(client, officer, r.json()["id"])
        assert d["data"]["destination"] == "广东省东莞市"
        assert resolve(client, officer, d["id"], action="apply").status_code == 200
        db.expire_all()
        assert db.get(Elder, moved.id).status == "moved_out"

    @pytest.mark.parametrize(
        ("kind", "program"),
        [("dibao", "minimum_living_allowance"), ("tekun", "extreme_poverty_support")],
    )
    def test_recipient_rosters(self, client, db, officer, kind, program):
        both = make_elder(db, name="甲", birth="1940-01-01")
        add_benefit(db, both, program)
        paid_only = make_elder(db, name="乙", birth="1940-01-02")
        add_benefit(db, paid_only, program)
        ended = make_elder(db, name="丙", birth="1940-01-03")
        add_benefit(db, ended, program, end=TODAY - timedelta(days=40))
        listed_only = make_elder(db, name="丁", birth="1940-01-04")
        other_county = make_elder(db, "621027101200", name="戊", birth="1940-01-05")
        add_benefit(db, other_county, program)
        body = as_csv(
            ["身份证号", "姓名", "起始日期", "金额"],
            [
                [both.id_number, "甲", "2024-01-01", "380"],
                [listed_only.id_number, "丁", "2026-01-01", "420"],
            ],
        )
        report = upload(client, officer, kind, body).json()
        assert report["status"] == "succeeded", report
        assert by_kind(report) == {"paid_not_on_roster": 1, "on_roster_no_benefit": 1}
        items = {i["kind"]: i for i in discrepancies(client, officer, report["id"])}
        assert items["paid_not_on_roster"]["elder_id"] == paid_only.id
        assert items["paid_not_on_roster"]["row"] is None
        assert items["on_roster_no_benefit"]["elder_id"] == listed_only.id
        for d in items.values():
            assert resolve(client, officer, d["id"], action="apply").status_code == 200
        db.expire_all()
        recorded = db.scalars(
            select(Benefit).where(Benefit.elder_id == listed_only.id, Benefit.program == program)
        ).one()
        assert (str(recorded.start_date), str(recorded.monthly_amount)) == ("2026-01-01", "420.00")
        stopped = db.scalars(select(Benefit).where(Benefit.elder_id == paid_only.id)).one()
        assert (stopped.end_date, stopped.end_reason) == (TODAY, "no_longer_eligible")

    def test_disability_grades(self, client, db, officer):
        differs = make_elder(db, name="甲", birth="1940-01-01", disability_grade=3)
        same = make_elder(db, name="乙", birth="1940-01-02", disability_grade=2)
        none = make_elder(db, name="丙", birth="1940-01-03")
        body = as_csv(
            ["身份证号", "残疾等级", "残疾类别"],
            [
                [differs.id_number, "二级", "肢体"],
                [same.id_number, "2", "视力"],
                [fifteen(none.id_number), "一级", "视力"],
                [id_number("1940-02-02"), "五级", ""],
            ],
        )
        report = upload(client, officer, "disability", body).json()
        assert by_kind(report) == {"grade_differs": 2}
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (5, "grade", "roster.bad_grade")
        ]
        items = {i["elder_id"]: i for i in discrepancies(client, officer, report["id"])}
        assert set(items) == {differs.id, none.id}
        r = resolve(client, officer, items[differs.id]["id"], action="apply")
        assert r.status_code == 200, r.text
        db.expire_all()
        assert db.get(Elder, differs.id).disability_grade == 2
        change = db.scalars(
            select(ElderChange).where(
                ElderChange.elder_id == differs.id, ElderChange.action == "update"
            )
        ).one()
        assert change.changes["disability_grade"] == [3, 2]

    def test_list_of_rosters_and_one_roster(self, client, db, officer):
        elder = make_elder(db, name="李桂英", birth="1940-05-06")
        body = as_csv(["身份证号", "死亡日期"], [[elder.id_number, "2026-11-01"]])
        first = upload(client, officer, "deaths", body).json()
        second = upload(client, officer, "hukou_out", body).json()
        r = client.get("/api/v1/rosters", headers=auth(officer), params={"count": "true"})
        assert [i["id"] for i in r.json()["items"]] == [second["id"], first["id"]]
        only = client.get("/api/v1/rosters", headers=auth(officer), params={"kind": "deaths"})
        assert [i["id"] for i in only.json()["items"]] == [first["id"]]
        one = client.get(f"/api/v1/rosters/{first['id']}", headers=auth(officer, "en")).json()
        assert one["kind_label"].startswith("deaths")
        assert one["by_kind"] == [
            {
                "kind": "deceased_but_active",
                "label": "deceased per the roster, active here",
                "count": 1,
            }
        ]

    def test_unsupported_format(self, client, officer):
        r = upload(client, officer, "deaths", "[]", "application/json")
        assert r.status_code == 400


class TestScope:
    def test_other_county_gets_404_and_lower_roles_403(self, client, db, officer):
        elder = make_elder(db, name="李桂英", birth="1940-05-06")
        body = as_csv(["身份证号", "死亡日期"], [[elder.id_number, "2026-11-01"]])
        report = upload(client, officer, "deaths", body).json()
        (d,) = discrepancies(client, officer, report["id"])
        neighbour = make_user(db, "county_officer", OTHER_COUNTY)
        rid = report["id"]
        for path in (
            f"/api/v1/rosters/{rid}",
            f"/api/v1/rosters/{rid}/discrepancies",
            f"/api/v1/rosters/{rid}/error-file",
        ):
            assert client.get(path, headers=auth(neighbour)).status_code == 404, path
        r = resolve(client, neighbour, d["id"], action="dismiss", reason="x")
        assert r.status_code == 404
        assert client.get("/api/v1/rosters", headers=auth(neighbour)).json()["items"] == []
        # the neighbour's own upload does not match this county's elders
        theirs = upload(client, neighbour, "deaths", body).json()
        assert (theirs["matched"], theirs["not_found"]) == (0, 1)
        for role, region in (("township_officer", TOWNSHIP), ("village_worker", VILLAGE)):
            user = make_user(db, role, region)
            assert client.get(f"/api/v1/rosters/{rid}", headers=auth(user)).status_code == 403
            assert upload(client, user, "deaths", body).status_code == 403
            r = resolve(client, user, d["id"], action="dismiss", reason="x")
            assert r.status_code == 403
