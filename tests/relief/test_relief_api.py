"""Relief over HTTP: the policy's versions, relief facts, eligibility as of a date, benefits,
the gap list and payments to check against hand-counted fixtures, and scope on every route."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.clock import today as local_today
from eldercare.labels import heading, headings
from eldercare.relief import exports, lists, rules
from eldercare.relief.models import ReliefPolicyVersion
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

TODAY = local_today()
POLICY = {
    "minimum_living_standard": "560",
    "deposit_limit_per_capita": "30000",
    "extreme_poverty_basic": "730",
    "disposable_income_prev_year": "18000",
    "old_age_tiers": [
        {"min_age": 80, "monthly_amount": "60"},
        {"min_age": 90, "monthly_amount": "120"},
        {"min_age": 100, "monthly_amount": "500"},
    ],
    "old_age_start": "birthday",
}
POOR = {
    "household_size": 1,
    "income": {"wages": "300"},
    "support_declared": "0",
    "deposits_per_capita": "1000",
    "owns_vehicle": False,
    "houses": 1,
}
RICH = {**POOR, "income": {"wages": "3000"}}


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def put_policy(client, user, body, etag='"0"'):
    r = client.put("/api/v1/policies/relief", headers={**auth(user), "If-Match": etag}, json=body)
    assert r.status_code == 200, r.text
    return r


def put_facts(client, user, elder, body, etag='"0"'):
    r = client.put(
        f"/api/v1/elders/{elder.id}/relief-facts",
        headers={**auth(user), "If-Match": etag},
        json=body,
    )
    assert r.status_code == 200, r.text
    return r


def add_benefit(client, user, elder, program, start="2024-01-01", **extra):
    body = {"program": program, "start_date": start, "source": "civil_affairs_roster", **extra}
    return client.post(f"/api/v1/elders/{elder.id}/benefits", headers=auth(user), json=body)


def program(payload, code):
    return next(p for p in payload["programs"] if p["program"] == code)


class TestPolicy:
    def test_county_officer_adds_versions_and_all_are_kept_and_audited(self, client, db, officer):
        r = put_policy(client, officer, {**POLICY, "effective_date": "2025-01-01"})
        first = r.headers["ETag"]
        assert r.json()["minimum_living_standard"] == "560"
        put_policy(
            client,
            officer,
            {
                **POLICY,
                "minimum_living_standard": "600",
                "extreme_poverty_basic": "800",
                "effective_date": "2026-01-01",
            },
            first,
        )
        versions = client.get("/api/v1/policies/relief/versions", headers=auth(officer)).json()
        assert [v["effective_date"] for v in versions["items"]] == ["2026-01-01", "2025-01-01"]
        on = client.get("/api/v1/policies/relief?on=2025-06-01", headers=auth(officer)).json()
        assert (on["minimum_living_standard"], on["effective_date"]) == ("560", "2025-01-01")
        events = db.scalars(select(AuditEvent).where(AuditEvent.resource == "relief_policy")).all()
        assert len(events) == 2

    def test_stale_version_is_refused(self, client, db, officer):
        put_policy(client, officer, POLICY)
        r = client.put(
            "/api/v1/policies/relief", headers={**auth(officer), "If-Match": '"0"'}, json=POLICY
        )
        assert r.status_code == 412
        assert db.scalar(select(ReliefPolicyVersion.id).limit(2).offset(1)) is None

    @pytest.mark.parametrize("role", ["village_worker", "township_officer"])
    def test_only_county_officers_edit(self, client, db, role):
        user = make_user(db, role, VILLAGE if role == "village_worker" else TOWNSHIP)
        r = client.put(
            "/api/v1/policies/relief", headers={**auth(user), "If-Match": '"0"'}, json=POLICY
        )
        assert r.status_code == 403
        assert client.get("/api/v1/policies/relief", headers=auth(user)).status_code == 200

    def test_basic_standard_below_130_percent_is_422(self, client, officer):
        body = {**POLICY, "extreme_poverty_basic": "700"}
        r = client.put(
            "/api/v1/policies/relief", headers={**auth(officer), "If-Match": '"0"'}, json=body
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "relief_policy.extreme_poverty_basic_low"
        assert "1.3 倍" in r.json()["errors"][0]["message"]
        tiers = [{"min_age": 80, "monthly_amount": "50"}, {"min_age": 80, "monthly_amount": "60"}]
        r = client.put(
            "/api/v1/policies/relief",
            headers={**auth(officer), "If-Match": '"0"', "Accept-Language": "en"},
            json={**POLICY, "old_age_tiers": tiers},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["message"] == "Old-age allowance: one tier per starting age"
        assert (
            client.get("/api/v1/policies/relief/versions", headers=auth(officer)).json()["items"]
            == []
        )


class TestFactsAndEligibility:
    def test_as_of_a_past_date_uses_the_policy_and_facts_then(self, client, db, officer, worker):
        r = put_policy(client, officer, {**POLICY, "effective_date": "2025-01-01",
                                         "minimum_living_standard": "500"})  # fmt: skip
        put_policy(
            client,
            officer,
            {**POLICY, "effective_date": str(TODAY - timedelta(days=10)),
             "minimum_living_standard": "700", "extreme_poverty_basic": "910"},
            r.headers["ETag"],
        )  # fmt: skip
        e = make_elder(db, birth="1950-03-15")
        r = put_facts(
            client, worker, e, {**POOR, "income": {"wages": "600"}, "effective_date": "2025-01-01"}
        )
        now = client.get(f"/api/v1/elders/{e.id}/eligibility", headers=auth(worker)).json()
        dibao = program(now, "minimum_living_allowance")
        assert dibao["status"] == "eligible"
        assert dibao["amount"] == "100.00"
        assert "预筛查" in now["notice"]
        crit = next(c for c in dibao["criteria"] if c["code"] == "income_below_standard")
        assert crit["passed"] is True
        assert (crit["source"], crit["as_of"]) == ("relief_facts", "2025-01-01")
        past = client.get(
            f"/api/v1/elders/{e.id}/eligibility?as_of=2025-06-01", headers=auth(worker)
        ).json()
        assert past["policy_effective_date"] == "2025-01-01"
        assert program(past, "minimum_living_allowance")["status"] != "eligible"
        # a later version of the facts does not change the past
        put_facts(client, worker, e, {**RICH}, r.headers["ETag"])
        past2 = client.get(
            f"/api/v1/elders/{e.id}/eligibility?as_of=2025-06-01", headers=auth(worker)
        ).json()
        assert past2["facts_effective_date"] == "2025-01-01"
        now2 = client.get(f"/api/v1/elders/{e.id}/eligibility", headers=auth(worker)).json()
        assert program(now2, "minimum_living_allowance")["status"] == "not_eligible"
        versions = client.get(
            f"/api/v1/elders/{e.id}/relief-facts/versions", headers=auth(worker)
        ).json()
        assert [v["revision"] for v in versions] == [2, 1]

    def test_missing_inputs_are_unknown_with_english_wording(self, client, db, officer, worker):
        put_policy(client, officer, POLICY)
        e = make_elder(db, birth="1950-03-15")
        r = client.get(f"/api/v1/elders/{e.id}/eligibility", headers=auth(worker, "en")).json()
        dibao = program(r, "minimum_living_allowance")
        assert dibao["status"] == "unknown"
        assert dibao["status_label"].startswith("Pre-screening")
        # only the age (known from the ID number) can rule a program out here
        ruled_out = {p["program"] for p in r["programs"] if p["status"] == "not_eligible"}
        assert ruled_out == {"old_age_allowance"}

    def test_facts_are_validated(self, client, db, worker):
        e = make_elder(db)
        r = client.put(
            f"/api/v1/elders/{e.id}/relief-facts",
            headers={**auth(worker), "If-Match": '"0"'},
            json={"household_size": 0, "housing_grade": "E", "income": {"salary": "1"}},
        )
        assert r.status_code == 422
        locs = {tuple(err["loc"][1:2]) for err in r.json()["errors"]}
        assert {("household_size",), ("housing_grade",), ("income",)} <= locs
        future = str(TODAY + timedelta(days=3))
        r = client.put(
            f"/api/v1/elders/{e.id}/relief-facts",
            headers={**auth(worker), "If-Match": '"0"'},
            json={"hardship": "accident", "hardship_date": future},
        )
        assert r.status_code == 422
        put_facts(client, worker, e, POOR)
        stale = client.put(
            f"/api/v1/elders/{e.id}/relief-facts",
            headers={**auth(worker), "If-Match": '"0"'},
            json=POOR,
        )
        assert stale.status_code == 412


class TestBenefits:
    def test_record_correct_and_end(self, client, db, worker):
        e = make_elder(db)
        r = add_benefit(client, worker, e, "old_age_allowance", monthly_amount="60")
        assert r.status_code == 201, r.text
        b = r.json()
        assert b["active"] is True
        assert add_benefit(client, worker, e, "old_age_allowance", "2025-01-01").status_code == 409
        r = client.patch(
            f"/api/v1/benefits/{b['id']}",
            headers={**auth(worker), "If-Match": '"1"'},
            json={"monthly_amount": "120"},
        )
        assert r.json()["monthly_amount"] == "120.00"
        r = client.post(
            f"/api/v1/benefits/{b['id']}/end",
            headers={**auth(worker), "If-Match": '"2"'},
            json={"end_date": str(TODAY - timedelta(days=1)), "reason": "moved_out"},
        )
        assert r.status_code == 200
        assert (r.json()["active"], r.json()["end_reason"]) == (False, "moved_out")
        listed = client.get(f"/api/v1/elders/{e.id}/benefits", headers=auth(worker)).json()
        assert [x["id"] for x in listed] == [b["id"]]
        assert add_benefit(client, worker, e, "old_age_allowance", str(TODAY)).status_code == 201

    def test_end_before_start_is_422(self, client, db, worker):
        e = make_elder(db)
        r = add_benefit(
            client, worker, e, "medical_assistance", "2025-05-01", end_date="2025-04-01"
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "benefit.end_before_start"

    def test_stale_patch_is_412(self, client, db, worker):
        e = make_elder(db)
        b = add_benefit(client, worker, e, "old_age_allowance").json()
        r = client.patch(
            f"/api/v1/benefits/{b['id']}",
            headers={**auth(worker), "If-Match": '"7"'},
            json={"notes": "x"},
        )
        assert r.status_code == 412


@pytest.fixture
def fixture_county(client, db, officer, worker):
    """Hand-counted: in VILLAGE, gaps for 低保 {poor}, for 高龄 {old, poor_old_soon?no};
    payments to check {dead, rich_recipient}; in OTHER_VILLAGE one more 低保 gap."""
    put_policy(client, officer, POLICY)
    other_worker = make_user(db, "village_worker", OTHER_VILLAGE)
    e = {
        "poor": make_elder(db, name="贫困甲", birth="1950-03-15"),
        "recipient": make_elder(db, name="在保乙", birth="1950-03-15"),
        "old": make_elder(db, name="高龄丙", birth=str(years_before(TODAY, 85))),
        "old_paid": make_elder(db, name="高龄丁", birth=str(years_before(TODAY, 86))),
        "dead": make_elder(db, name="已故戊", birth="1948-01-02", status="deceased",
                           status_date=TODAY - timedelta(days=40)),
        "rich_recipient": make_elder(db, name="富裕己", birth="1950-03-15"),
        "soon80": make_elder(
            db, name="将满庚", birth=str(years_before(TODAY + timedelta(days=30), 80))
        ),
        "neighbour": make_elder(db, OTHER_VILLAGE, name="邻村辛", birth="1950-03-15"),
    }  # fmt: skip
    put_facts(client, worker, e["poor"], POOR)
    put_facts(client, worker, e["recipient"], POOR)
    put_facts(client, worker, e["rich_recipient"], RICH)
    put_facts(client, other_worker, e["neighbour"], POOR)
    add_benefit(client, worker, e["recipient"], "minimum_living_allowance")
    add_benefit(client, worker, e["old_paid"], "old_age_allowance")
    add_benefit(client, worker, e["dead"], "minimum_living_allowance")
    add_benefit(client, worker, e["rich_recipient"], "minimum_living_allowance")
    return e


def ids(client, user, path):
    r = client.get(path, headers=auth(user))
    assert r.status_code == 200, r.text
    return {i["elder_id"] for i in r.json()["items"]}


class TestLists:
    def test_gaps_match_the_hand_count(self, client, db, worker, fixture_county):
        e = fixture_county
        dibao = ids(client, worker, "/api/v1/eligibility/gaps?program=minimum_living_allowance")
        assert dibao == {e["poor"].id}
        old = ids(client, worker, "/api/v1/eligibility/gaps?program=old_age_allowance")
        assert old == {e["old"].id}
        township = make_user(db, "township_officer", TOWNSHIP)
        assert ids(
            client, township, "/api/v1/eligibility/gaps?program=minimum_living_allowance"
        ) == {e["poor"].id, e["neighbour"].id}
        assert e["dead"].id not in ids(client, worker, "/api/v1/eligibility/gaps")

    def test_payments_to_check_match_the_hand_count(self, client, worker, fixture_county):
        e = fixture_county
        r = client.get("/api/v1/eligibility/payments-to-check", headers=auth(worker)).json()
        reasons = {i["elder_id"]: [p["reasons"] for p in i["programs"]] for i in r["items"]}
        assert reasons == {e["dead"].id: [["deceased"]], e["rich_recipient"].id: [["not_eligible"]]}
        none = ids(
            client, worker, "/api/v1/eligibility/payments-to-check?program=old_age_allowance"
        )
        assert none == set()

    def test_a_new_benefit_closes_the_gap_at_once(self, client, worker, fixture_county):
        e = fixture_county
        add_benefit(client, worker, e["poor"], "minimum_living_allowance", str(TODAY))
        path = "/api/v1/eligibility/gaps?program=minimum_living_allowance"
        assert ids(client, worker, path) == set()

    def test_a_death_moves_the_elder_to_payments_to_check(self, client, db, worker, fixture_county):
        e = fixture_county
        db.refresh(e["recipient"])  # its 低保 benefit made it a 低保 elder: a new version
        r = client.post(
            f"/api/v1/elders/{e['recipient'].id}/status",
            headers={**auth(worker), "If-Match": f'"{e["recipient"].version}"'},
            json={"status": "deceased", "date": str(TODAY), "reason": "病故"},
        )
        assert r.status_code == 200, r.text
        assert e["recipient"].id in ids(client, worker, "/api/v1/eligibility/payments-to-check")

    def test_age_milestones(self, client, worker, fixture_county):
        r = client.get("/api/v1/eligibility/age-milestones", headers=auth(worker)).json()
        assert [(i["elder_id"], i["turning"]) for i in r["items"]] == [
            (fixture_county["soon80"].id, 80)
        ]
        assert r["items"][0]["monthly_amount"] == "60"

    def test_coverage_counts(self, client, db, worker, fixture_county):
        r = client.get("/api/v1/eligibility/coverage", headers=auth(worker)).json()
        dibao = next(p for p in r["programs"] if p["program"] == "minimum_living_allowance")
        assert (dibao["gaps"], dibao["to_check"], dibao["receiving"]) == (1, 2, 3)
        data = lists.coverage(db, VILLAGE)
        assert data["old_age_allowance"].gaps == 1

    def test_statistics_summary_carries_the_coverage(self, client, db, worker, fixture_county):
        township = make_user(db, "township_officer", TOWNSHIP)
        r = client.get("/api/v1/stats/summary", headers=auth(township))
        assert r.status_code == 200, r.text
        relief = r.json()["relief"]
        assert "预筛查" in relief["notice"]
        by = {p["program"]: p for p in relief["programs"]}
        dibao = by["minimum_living_allowance"]
        # poor (VILLAGE) and neighbour (OTHER_VILLAGE) are gaps; dead and rich are to check
        assert (dibao["gaps"], dibao["to_check"], dibao["receiving"]) == (2, 2, 3)
        assert by["old_age_allowance"]["gaps"] == 1
        entitled = dibao["eligible"] + dibao["likely_eligible"]
        assert 0 < dibao["coverage_rate"] < 1
        assert dibao["coverage_rate"] == round((entitled - 2) / entitled, 4)
        village = client.get("/api/v1/stats/summary", headers=auth(worker)).json()["relief"]
        by = {p["program"]: p for p in village["programs"]}
        assert by["minimum_living_allowance"]["gaps"] == 1


def csv_rows(r):
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def json_lines(client, user, path, only=None):
    """(name, program label) per elder and program of the JSON list (the file has a line for
    the filtered program only; the JSON item lists every program of the elder)."""
    items = client.get(path, headers=auth(user)).json()["items"]
    return sorted(
        (i["name"], p["label"])
        for i in items
        for p in i["programs"]
        if only is None or p["program"] == only
    )


class TestExports:
    @pytest.mark.parametrize("program", [None, "minimum_living_allowance", "old_age_allowance"])
    def test_gaps_csv_has_the_json_lines_masked(self, client, worker, fixture_county, program):
        q = f"?program={program}" if program else ""
        rows = csv_rows(client.get(f"/api/v1/eligibility/gaps/export{q}", headers=auth(worker)))
        assert sorted((r["姓名"], r["救助项目"]) for r in rows) == json_lines(
            client, worker, f"/api/v1/eligibility/gaps{q}", program
        )
        assert rows
        for e in fixture_county.values():
            masked = e.id_number[:3] + "*" * 11 + e.id_number[-4:]
            assert {r["身份证号（脱敏）"] for r in rows if r["姓名"] == e.name} <= {masked}
            assert e.id_number not in str(rows)
        assert all(r["是否正在享受"] == "否" for r in rows)

    def test_payments_to_check_csv_gives_the_reasons(self, client, worker, fixture_county):
        rows = csv_rows(
            client.get("/api/v1/eligibility/payments-to-check/export", headers=auth(worker))
        )
        got = sorted((r["姓名"], r["救助项目"], r["核查原因"]) for r in rows)
        assert got == [
            ("富裕己", "最低生活保障（低保）", "预筛查显示可能已不符合条件"),
            ("已故戊", "最低生活保障（低保）", "已故"),
        ]
        assert {r["状态"] for r in rows} == {"已故", "在册"}  # the field's words

    def test_xlsx_has_the_same_lines_with_chinese_headers(self, client, worker, fixture_county):
        path = "/api/v1/eligibility/gaps/export"
        x = client.get(path, headers=auth(worker), params={"format": "xlsx"})
        assert x.status_code == 200
        assert x.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        sheet = load_workbook(io.BytesIO(x.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][:4] == ["村（社区）", "村代码", "姓名", "身份证号（脱敏）"]
        c = csv_rows(client.get(path, headers=auth(worker)))
        assert sorted((v[2], v[9]) for v in values[1:]) == sorted(
            (r["姓名"], r["救助项目"]) for r in c
        )

    def test_milestones_csv(self, client, worker, fixture_county):
        path = "/api/v1/eligibility/age-milestones/export"
        rows = csv_rows(client.get(path, headers=auth(worker)))
        soon = fixture_county["soon80"]
        assert [(r["姓名"], r["年满（岁）"], r["月标准（元）"]) for r in rows] == [
            (soon.name, "80", "60")
        ]
        assert rows[0]["身份证号（脱敏）"].count("*") == 11
        later = csv_rows(client.get(path + f"?as_of={TODAY + timedelta(days=31)}",
                                    headers=auth(worker)))  # fmt: skip
        assert later == []

    def test_gaps_in_english_when_asked(self, client, worker, fixture_county):
        path = "/api/v1/eligibility/gaps/export"
        r = client.get(path, headers=auth(worker, "en"))
        head = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert head == list(headings(exports.LIST_COLUMNS, "en"))
        assert head[:4] == ["Village", "Village code", "Name", "ID number (masked)"]
        rows = csv_rows(r)
        zh = csv_rows(client.get(path, headers=auth(worker)))
        assert len(rows) == len(zh)
        poor = fixture_county["poor"]
        line = next(
            x
            for x in rows
            if x["Name"] == poor.name and x["Program"] == "Minimum living allowance (dibao)"
        )
        assert line["Sex"] in ("Male", "Female")
        assert line["Status"] == "Active"
        assert line["Pre-screening result"].startswith("Pre-screening: ")
        assert {x["Receiving"] for x in rows} == {"No"}
        assert not any(x["Program"] in rules.PROGRAMS for x in rows)  # no raw code

    def test_payments_to_check_in_english_when_asked(self, client, worker, fixture_county):
        path = "/api/v1/eligibility/payments-to-check/export"
        rows = csv_rows(client.get(path, headers=auth(worker, "en")))
        got = sorted((r["Name"], r["Reasons to check"], r["Status"]) for r in rows)
        assert got == [
            ("富裕己", "Apparently no longer eligible", "Active"),
            ("已故戊", "Deceased", "Deceased"),
        ]
        assert {r["Receiving"] for r in rows} == {"Yes"}

    def test_milestones_in_english_when_asked(self, client, worker, fixture_county):
        path = "/api/v1/eligibility/age-milestones/export"
        r = client.get(path, headers=auth(worker, "en"))
        head = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert head == list(headings(exports.MILESTONE_COLUMNS, "en"))
        [row] = csv_rows(r)
        assert (row["Name"], row["Turns (years)"], row["Monthly amount (yuan)"]) == (
            fixture_county["soon80"].name,
            "80",
            "60",
        )
        assert row["Receiving the old-age allowance"] == "No"
        zh = csv_rows(client.get(path, headers=auth(worker)))
        assert zh[0]["是否已享受高龄津贴"] == "否"

    def test_every_column_has_a_heading_in_both_languages(self):
        for key in exports.LIST_COLUMNS + exports.MILESTONE_COLUMNS:
            for lang in ("zh-CN", "en"):
                assert heading(key, lang) != key, (key, lang)

    def test_bad_format_is_422(self, client, worker):
        r = client.get("/api/v1/eligibility/gaps/export?format=pdf", headers=auth(worker))
        assert r.status_code == 422


class TestMilestonePages:
    def test_pages_in_order_with_a_total_and_as_of(self, client, db, officer, worker):
        put_policy(client, officer, POLICY)
        days = [5, 20, 20, 45, 59, 61]
        made = [
            make_elder(db, name=f"将满{i}", birth=str(years_before(TODAY + timedelta(days=d), 80)))
            for i, d in enumerate(days)
        ]
        path = "/api/v1/eligibility/age-milestones?limit=2&count=true"
        seen, cursor, totals = [], None, set()
        while True:
            r = client.get(path + (f"&cursor={cursor}" if cursor else ""), headers=auth(worker))
            assert r.status_code == 200, r.text
            body = r.json()
            totals.add(body["total"])
            seen += [i["elder_id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert totals == {5}
        assert seen[0] == made[0].id
        assert set(seen[1:3]) == {made[1].id, made[2].id}
        assert seen[3:] == [made[3].id, made[4].id]
        # as of 10 days on: the first birthday has passed and the 61-day one is in the window
        r = client.get(
            f"/api/v1/eligibility/age-milestones?as_of={TODAY + timedelta(days=10)}",
            headers=auth(worker),
        ).json()
        got = [i["elder_id"] for i in r["items"]]
        assert set(got[:2]) == {made[1].id, made[2].id}  # the same birthday: by elder id
        assert got[2:] == [m.id for m in made[3:]]

    def test_bad_cursor_is_400(self, client, worker):
        r = client.get("/api/v1/eligibility/age-milestones?cursor=xyz", headers=auth(worker))
        assert r.status_code == 400


class TestNoDoubleBenefits:
    def test_both_received_is_a_payment_to_check_and_one_closes_the_gap(
        self, client, db, officer, worker
    ):
        put_policy(client, officer, POLICY)
        facts = {**POOR, "disability_certificate": True, "ability_level": "severe"}
        both = make_elder(db, name="重复甲", disability_grade=1, disability_type="physical")
        one = make_elder(db, name="单享乙", disability_grade=1, disability_type="physical")
        for e in (both, one):
            put_facts(client, worker, e, facts)
        add_benefit(client, worker, both, "disability_care_subsidy")
        add_benefit(client, worker, both, "elderly_care_subsidy")
        add_benefit(client, worker, one, "elderly_care_subsidy")
        r = client.get("/api/v1/eligibility/payments-to-check", headers=auth(worker)).json()
        reasons = {
            (i["elder_id"], p["program"]): p["reasons"] for i in r["items"] for p in i["programs"]
        }
        assert reasons == {
            (both.id, "disability_care_subsidy"): ["double_benefit"],
            (both.id, "elderly_care_subsidy"): ["double_benefit"],
        }
        gaps = client.get(
            "/api/v1/eligibility/gaps?program=disability_care_subsidy", headers=auth(worker)
        ).json()
        assert one.id not in {i["elder_id"] for i in gaps["items"]}
        ev = client.get(f"/api/v1/elders/{one.id}/eligibility", headers=auth(worker)).json()
        care = program(ev, "disability_care_subsidy")
        assert care["status"] == "likely_eligible"
        crit = next(c for c in care["criteria"] if c["code"] == "no_double_benefit")
        assert crit["passed"] is None
        assert "经济困难的高龄、失能老年人补贴" in crit["detail"]


class TestBasicLivingAndMedicalGaps:
    """Issue 16.7 and 16.9 over HTTP: one basic-living program per person (特困 first, with
    低保's status in the note), medical assistance only when not enrolled."""

    def test_tekun_gap_carries_the_dibao_status_and_medical_waits_for_enrolment(
        self, client, db, officer, worker
    ):
        put_policy(client, officer, POLICY)
        e = make_elder(db, name="特困甲", birth="1950-03-15")
        put_facts(client, worker, e, {**POOR, "supporters_complete": True})
        r = client.get("/api/v1/eligibility/gaps", headers=auth(worker)).json()
        progs = {
            p["program"]: p for i in r["items"] if i["elder_id"] == e.id for p in i["programs"]
        }
        assert "minimum_living_allowance" not in progs
        assert "medical_assistance" not in progs  # enrolment unknown
        note = progs["extreme_poverty_support"]["note"]
        assert "最低生活保障（低保）：符合条件" in note
        assert "特困优先" in note
        en = client.get(
            "/api/v1/eligibility/gaps", headers={**auth(worker), "Accept-Language": "en"}
        ).json()
        en_note = next(
            p["note"]
            for i in en["items"]
            for p in i["programs"]
            if p["program"] == "extreme_poverty_support"
        )
        assert en_note.startswith("Minimum living allowance (dibao): meets the criteria")
        facts = {**POOR, "supporters_complete": True, "medical_assistance_enrolled": False}
        put_facts(client, worker, e, facts, etag='"1"')
        path = "/api/v1/eligibility/gaps?program=medical_assistance"
        assert ids(client, worker, path) == {e.id}


NEIGHBOURS = [
    ("village_worker", OTHER_VILLAGE),
    ("township_officer", OTHER_TOWNSHIP),
    ("county_officer", OTHER_COUNTY),
]


@pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
def test_neighbours_get_404_on_every_route(client, db, worker, officer, role, region):
    put_policy(client, officer, POLICY)
    e = make_elder(db)
    put_facts(client, worker, e, POOR)
    b = add_benefit(client, worker, e, "old_age_allowance").json()
    other = make_user(db, role, region)
    h = auth(other)
    hm = {**h, "If-Match": '"1"'}
    for r in (
        client.get(f"/api/v1/elders/{e.id}/eligibility", headers=h),
        client.get(f"/api/v1/elders/{e.id}/relief-facts", headers=h),
        client.get(f"/api/v1/elders/{e.id}/relief-facts/versions", headers=h),
        client.put(f"/api/v1/elders/{e.id}/relief-facts", headers=hm, json=POOR),
        client.get(f"/api/v1/elders/{e.id}/benefits", headers=h),
        client.post(
            f"/api/v1/elders/{e.id}/benefits",
            headers=h,
            json={"program": "medical_assistance", "start_date": "2025-01-01", "source": "manual"},
        ),
        client.get(f"/api/v1/benefits/{b['id']}", headers=h),
        client.patch(f"/api/v1/benefits/{b['id']}", headers=hm, json={"notes": "x"}),
        client.post(
            f"/api/v1/benefits/{b['id']}/end",
            headers=hm,
            json={"end_date": str(TODAY), "reason": "other"},
        ),
        client.get(f"/api/v1/eligibility/gaps?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/payments-to-check?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/age-milestones?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/coverage?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/gaps/export?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/payments-to-check/export?region={VILLAGE}", headers=h),
        client.get(f"/api/v1/eligibility/age-milestones/export?region={VILLAGE}", headers=h),
    ):
        assert r.status_code == 404, (r.request.method, r.request.url, r.status_code)
    assert e.id not in ids(client, other, "/api/v1/eligibility/gaps")
    for path in ("gaps", "payments-to-check", "age-milestones"):
        r = client.get(f"/api/v1/eligibility/{path}/export", headers=h)
        assert r.status_code == 200
        assert e.name not in r.content.decode("utf-8-sig")


def test_volunteers_cannot_see_relief(client, db, worker):
    e = make_elder(db)
    vol = make_user(db, "volunteer", VILLAGE)
    assert client.get(f"/api/v1/elders/{e.id}/eligibility", headers=auth(vol)).status_code == 403
