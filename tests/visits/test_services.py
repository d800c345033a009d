"""Service plans: the services each elder is due, satisfied by a visit, recomputed after a
policy change; visit intervals by category; the service worklist and rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from eldercare.clock import today
from eldercare.config import get_settings
from eldercare.elders.models import Elder
from eldercare.visits import schedule, services
from eldercare.visits.models import (
    ElderSchedule,
    ElderServiceDone,
    ElderServiceSchedule,
    Visit,
    VisitPolicyVersion,
)
from eldercare.visits.rules import CategoryRule, ServiceRule, VisitPolicy
from sqlalchemy import delete, select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

NOW = datetime.now(UTC)
TZ = get_settings().tz
POOR = {"cleaning": 7, "laundry": 15, "haircut": 30, "necessities": 182}


def _rows(db, elder_id: str) -> dict[str, ElderServiceSchedule]:
    db.expire_all()
    return {
        r.service: r
        for r in db.scalars(
            select(ElderServiceSchedule).where(ElderServiceSchedule.elder_id == elder_id)
        )
    }


def _poor(db, village: str = VILLAGE, *, signed: bool = False, name: str = "特困甲") -> Elder:
    """An elder of the 特困 category (分散供养), signed with a family doctor or not."""
    elder = make_elder(db, village, name=name, family_doctor_signed=signed)
    elder.category_codes = ",extreme_poverty,special_difficulty,"
    db.flush()
    services.refresh_elder(db, elder)
    db.flush()
    return elder


def _visit(db, elder, days_ago: float, served: list[str], method: str = "home_visit") -> Visit:
    v = Visit(
        elder_id=elder.id,
        village_code=elder.village_code,
        author_id="x",
        visited_at=NOW - timedelta(days=days_ago),
        method=method,
        services=served,
    )
    db.add(v)
    db.flush()
    services.record_done(db, elder.id, served, v.visited_at)  # as logging a visit does
    return v


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


class TestDefaults:
    def test_the_four_ones_for_extreme_poverty_a_check_up_for_everyone(self, db):
        poor = _poor(db, signed=True)
        plain = make_elder(db, name="普通乙")
        rows = _rows(db, poor.id)
        assert {s: r.interval_days for s, r in rows.items()} == {
            **POOR,
            "health_checkup": 182,
            "family_doctor": 90,
        }
        registered = poor.created_at.astimezone(TZ).date()
        assert {r.next_due_date for r in rows.values()} == {registered}  # never done: due now
        assert all(r.last_done_at is None for r in rows.values())
        assert set(_rows(db, plain.id)) == {"health_checkup"}  # no family doctor signed

    def test_a_new_elder_through_the_api_gets_their_services(self, client, db, worker):
        from tests.factories import id_number

        r = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json={
                "name": "新登记",
                "id_number": id_number("1948-05-06", False, COUNTY),
                "village_code": VILLAGE,
                "living_arrangement": "alone",
                "family_doctor_signed": True,
            },
        )
        assert r.status_code == 201, r.text
        assert set(_rows(db, r.json()["id"])) == {"health_checkup", "family_doctor"}

    def test_an_elder_no_longer_on_the_register_is_due_nothing(self, db):
        poor = _poor(db)
        assert _rows(db, poor.id)
        poor.status, poor.status_date = "deceased", today()
        db.flush()
        services.refresh_elder(db, poor)
        assert _rows(db, poor.id) == {}


class TestSatisfied:
    def test_a_visit_recording_a_service_satisfies_it(self, client, db, worker):
        poor = _poor(db)
        when = (NOW - timedelta(days=2)).replace(microsecond=0)
        r = client.post(
            "/api/v1/visits",
            headers=auth(worker),
            json={
                "elder_id": poor.id,
                "method": "home_visit",
                "visited_at": when.isoformat(),
                "services": ["cleaning", "haircut"],
            },
        )
        assert r.status_code == 201, r.text
        rows = _rows(db, poor.id)
        day = when.astimezone(TZ).date()
        assert rows["cleaning"].last_done_at == when
        assert rows["cleaning"].next_due_date == day + timedelta(days=7)
        assert rows["haircut"].next_due_date == day + timedelta(days=30)
        assert rows["laundry"].last_done_at is None  # not recorded: still due
        # the service worklist: what is due today, with the reason in words
        items = client.get(
            "/api/v1/worklist/services?due_within_days=0", headers=auth(worker, "zh-CN")
        ).json()["items"]
        mine = {i["service"]: i for i in items if i["elder_id"] == poor.id}
        assert set(mine) == {"laundry", "necessities", "health_checkup"}
        assert mine["laundry"]["label"] == "洗衣"
        assert mine["laundry"]["reason"] == "尚未记录过洗衣"
        ahead = client.get(
            "/api/v1/worklist/services?due_within_days=7", headers=auth(worker, "en")
        ).json()["items"]
        cleaning = next(i for i in ahead if i["service"] == "cleaning")
        assert cleaning["due_in_days"] == 5
        assert cleaning["reason"] == "cleaning: every 7 days"

    def test_the_visit_worklist_shows_each_elders_due_services(self, client, db, worker):
        poor = _poor(db)
        _visit(db, poor, 40, ["laundry"])
        schedule.refresh(db, poor)
        services.refresh_elder(db, poor)
        db.flush()
        items = client.get("/api/v1/worklist", headers=auth(worker, "en")).json()["items"]
        item = next(i for i in items if i["elder_id"] == poor.id)
        due = {s["service"]: s for s in item["services_due"]}
        assert set(due) == {"cleaning", "laundry", "haircut", "necessities", "health_checkup"}
        assert due["laundry"]["days_overdue"] == 25
        assert due["laundry"]["label"] == "Laundry"

    def test_the_elders_services(self, client, db, worker):
        poor = _poor(db, signed=True)
        _visit(db, poor, 1, ["family_doctor"])
        services.refresh_elder(db, poor)
        db.flush()
        r = client.get(f"/api/v1/elders/{poor.id}/services", headers=auth(worker, "zh-CN"))
        assert r.status_code == 200
        got = {s["service"]: s for s in r.json()}
        assert got["family_doctor"]["reason"] == "家庭医生随访每 90 天一次"
        assert got["family_doctor"]["due_in_days"] == 89


def _elders(db) -> list[Elder]:
    shapes = [
        ("poor_signed", ",extreme_poverty,special_difficulty,", True, [(3, ["cleaning"])]),
        ("poor", ",extreme_poverty,", False, [(20, ["laundry", "haircut"]), (1, [])]),
        ("nest", ",empty_nest,", True, [(100, ["health_checkup"]), (5, ["family_doctor"])]),
        ("plain", "", False, [(400, ["health_checkup"])]),
        ("alone", ",living_alone,", None, []),
    ]
    found = []
    for i, (_key, codes, signed, visits) in enumerate(shapes):
        elder = make_elder(db, name=f"服务{i}", family_doctor_signed=signed)
        elder.category_codes = codes
        elder.created_at = NOW - timedelta(days=300 + i, hours=i * 2.3)
        for days_ago, served in visits:
            _visit(db, elder, days_ago, served)
        found.append(elder)
    db.flush()
    return found


KEYS = ["poor_signed", "poor", "nest", "plain", "alone"]
NEW_PLAN = VisitPolicy(
    services=[
        ServiceRule(service="cleaning", interval_days=3, categories=["extreme_poverty"]),
        ServiceRule(service="cleaning", interval_days=10),  # every elder, less often
        ServiceRule(service="companionship", interval_days=7, categories=["empty_nest"]),
        ServiceRule(service="family_doctor", interval_days=30, family_doctor_signed=True),
    ]
)


class TestPolicyChange:
    def test_set_based_for_a_county_agrees_with_each_elder(self, db):
        elders = _elders(db)
        other = _poor(db, OTHER_COUNTY_VILLAGE, name="外县")
        for e in elders:
            services.refresh_elder(db, e)
        db.flush()
        outside = {s: r.next_due_date for s, r in _rows(db, other.id).items()}
        db.add(
            VisitPolicyVersion(
                county_code=COUNTY, effective_date=date(2020, 1, 1), settings=NEW_PLAN.model_dump()
            )
        )
        db.flush()

        def snapshot():
            db.expire_all()
            return {
                (r.elder_id, r.service): (
                    r.village_code,
                    r.interval_days,
                    r.last_done_at.replace(microsecond=0) if r.last_done_at else None,
                    r.next_due_date,
                )
                for r in db.scalars(
                    select(ElderServiceSchedule).where(ElderServiceSchedule.county_code == COUNTY)
                )
            }

        with db.begin_nested() as sp:  # the reference: elder by elder in Python, then undone
            for e in elders:
                services.refresh_elder(db, e)
            db.flush()
            expected = snapshot()
            sp.rollback()
        with db.begin_nested() as sp:  # the set-based path for some elders says the same
            services.refresh(db, COUNTY, [e.id for e in elders[:3]])
            some = snapshot()
            sp.rollback()
        assert {k: v for k, v in some.items() if k[0] in {e.id for e in elders[:3]}} == {
            k: v for k, v in expected.items() if k[0] in {e.id for e in elders[:3]}
        }
        n = services.refresh(db, COUNTY)
        got = snapshot()
        assert got == expected
        assert n == len(got)
        ids = {k: e.id for k, e in zip(KEYS, elders, strict=True)}
        assert {s for (e, s) in got if e == ids["poor_signed"]} == {"cleaning", "family_doctor"}
        assert got[(ids["poor_signed"], "cleaning")][1] == 3  # the shortest rule that applies
        assert got[(ids["plain"], "cleaning")][1] == 10
        assert (ids["plain"], "health_checkup") not in got  # dropped from the plan
        assert (ids["nest"], "companionship") in got
        assert (ids["alone"], "family_doctor") not in got  # not signed (unknown)
        done = (NOW - timedelta(days=5)).astimezone(TZ).date()
        assert got[(ids["nest"], "family_doctor")][3] == done + timedelta(days=30)
        # another county keeps its own plan
        assert {s: r.next_due_date for s, r in _rows(db, other.id).items()} == outside

    def test_a_policy_change_reads_the_last_times_not_the_visits(self, db):
        """The last time per service is kept for every service recorded, in the plan or
        not: a service the county adds is found done without reading a visit."""
        poor = _poor(db)
        poor.category_codes = ",extreme_poverty,empty_nest,"
        _visit(db, poor, 9, ["companionship", "cleaning"])
        _visit(db, poor, 4, ["companionship"])
        _visit(db, poor, 20, ["companionship"])  # logged late: an earlier time moves nothing
        assert "companionship" not in _rows(db, poor.id)  # not in the default plan
        db.execute(delete(Visit).where(Visit.elder_id == poor.id))  # gone: only the last times
        db.add(
            VisitPolicyVersion(
                county_code=COUNTY, effective_date=date(2020, 1, 1), settings=NEW_PLAN.model_dump()
            )
        )
        db.flush()
        services.refresh(db, COUNTY)
        rows = _rows(db, poor.id)
        four = (NOW - timedelta(days=4)).astimezone(TZ)
        assert rows["companionship"].last_done_at.replace(microsecond=0) == four.replace(
            microsecond=0
        )
        assert rows["companionship"].next_due_date == four.date() + timedelta(days=7)
        nine = (NOW - timedelta(days=9)).astimezone(TZ).date()
        assert rows["cleaning"].next_due_date == nine + timedelta(days=3)
        # a rescan rebuilds the last times from the visits, which are gone: due from the start
        services.refresh(db, COUNTY, rescan=True)
        rows = _rows(db, poor.id)
        assert rows["companionship"].last_done_at is None
        assert rows["companionship"].next_due_date == poor.created_at.astimezone(TZ).date()

    def test_a_rescan_agrees_with_the_last_times_kept_visit_by_visit(self, db):
        elders = _elders(db)
        for i, e in enumerate(elders):
            _visit(db, e, 30 + i, ["cleaning", "haircut"])
            _visit(db, e, 2 + i, ["cleaning"], method="phone")
            _visit(db, e, 1 + i, [])

        def last_times():
            return {
                (r.elder_id, r.service): r.last_done_at.replace(microsecond=0)
                for r in db.scalars(select(ElderServiceDone))
            }

        kept = last_times()
        assert {s for (e, s) in kept if e == elders[0].id} == {"cleaning", "haircut"}
        two = (NOW - timedelta(days=2)).replace(microsecond=0)
        assert kept[(elders[0].id, "cleaning")] == two  # the later of 3 and 2 days ago
        db.execute(delete(ElderServiceDone))
        services.rebuild_done(db, COUNTY)
        db.expire_all()
        assert last_times() == kept
        db.execute(delete(ElderServiceDone).where(ElderServiceDone.elder_id == elders[0].id))
        services.rebuild_done(db, COUNTY, [elders[0].id])
        db.expire_all()
        assert last_times() == kept

    def test_putting_the_policy_recomputes_the_county(self, client, db):
        elders = _elders(db)
        officer = make_user(db, "county_officer", COUNTY)
        plan = [r.model_dump() for r in NEW_PLAN.services]
        r = client.put("/api/v1/policies/visits", headers=auth(officer), json={"services": plan})
        assert r.status_code == 200, r.text
        assert [s["service"] for s in r.json()["services"]] == [s["service"] for s in plan]
        assert set(_rows(db, elders[3].id)) == {"cleaning"}
        got = client.get("/api/v1/policies/visits", headers=auth(officer)).json()
        assert got["services"] == r.json()["services"]
        # left out: the defaults again
        r = client.put("/api/v1/policies/visits", headers=auth(officer), json={})
        assert {s["service"] for s in r.json()["services"]} >= {"cleaning", "health_checkup"}
        assert set(_rows(db, elders[3].id)) == {"health_checkup"}

    def test_a_bad_plan_is_refused_in_words(self, client, db):
        officer = make_user(db, "county_officer", COUNTY)
        bad = {"services": [{"service": "cleaning", "interval_days": 7, "categories": ["x"]}]}
        r = client.put("/api/v1/policies/visits", headers=auth(officer, "zh-CN"), json=bad)
        assert r.status_code == 422
        r = client.put(
            "/api/v1/policies/visits",
            headers=auth(officer),
            json={"services": [{"service": "flying", "interval_days": 7}]},
        )
        assert r.status_code == 422


class TestCategoryVisits:
    def test_empty_nest_elders_weekly_with_the_reason(self, client, db, worker):
        nest = make_elder(db, name="空巢丙")
        nest.category_codes, nest.risk_level = ",empty_nest,", "general"
        _visit(db, nest, 10, [])
        schedule.refresh(db, nest)
        officer = make_user(db, "county_officer", COUNTY)
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []
        r = client.put(
            "/api/v1/policies/visits",
            headers=auth(officer),
            json={"categories": {"empty_nest": {"interval_days": 7}}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["categories"] == {"empty_nest": {"interval_days": 7}}
        items = client.get("/api/v1/worklist", headers=auth(worker, "zh-CN")).json()["items"]
        assert [i["elder_id"] for i in items] == [nest.id]
        assert items[0]["days_overdue"] == 3
        assert items[0]["reason"] == "空巢老年人每 7 天至少探访一次"
        row = db.get(ElderSchedule, nest.id)
        assert row.interval_days == 7
        # the per-elder rules say the same
        db.expire_all()
        elder = db.get(Elder, nest.id)
        again = schedule.refresh(db, elder)
        assert again.reason == {
            "code": "due.category",
            "params": {"category": "empty_nest", "days": 7},
        }

    def test_the_shortest_interval_wins(self):
        policy = VisitPolicy(
            categories={
                "empty_nest": CategoryRule(interval_days=14),
                "living_alone": CategoryRule(interval_days=5),
            }
        )
        last = date(2026, 1, 1)
        due = schedule.next_due(
            policy, "high", False, last, last, None, TZ, ["empty_nest", "living_alone"]
        )
        assert due.next_due_date == last + timedelta(days=5)  # high (7) < 14, alone 5 < 7
        due = schedule.next_due(policy, "high", False, last, last, None, TZ, ["empty_nest"])
        assert (due.interval_days, due.reason["code"]) == (7, "due.tier")

    def test_an_unknown_category_is_refused(self, client, db):
        officer = make_user(db, "county_officer", COUNTY)
        r = client.put(
            "/api/v1/policies/visits",
            headers=auth(officer, "en"),
            json={"categories": {"martian": {"interval_days": 7}}},
        )
        assert r.status_code == 422


class TestRates:
    def test_service_rates_per_village(self, client, db):
        a = _poor(db, name="甲")
        b = _poor(db, OTHER_VILLAGE, name="乙")
        _visit(db, a, 0.5, ["cleaning", "laundry"])
        for e in (a, b):
            e.created_at = NOW - timedelta(days=10)  # registered earlier: overdue now
            services.refresh_elder(db, e)
        db.flush()
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.get("/api/v1/service-rates", headers=auth(officer, "zh-CN"))
        assert r.status_code == 200, r.text
        body = r.json()
        totals = {s["service"]: s for s in body["totals"]["services"]}
        assert totals["cleaning"]["due"] == 2
        assert totals["cleaning"]["done_in_month"] == (
            1 if (NOW - timedelta(days=0.5)).astimezone(TZ).month == today().month else 0
        )
        assert totals["cleaning"]["label"] == "打扫卫生"
        assert totals["health_checkup"]["overdue"] == 2
        by_village = {c["code"]: {s["service"]: s for s in c["services"]} for c in body["children"]}
        assert set(by_village) == {a.village_code, b.village_code}
        assert by_village[b.village_code]["cleaning"]["done_in_month"] == 0

    def test_the_statistics_summary_counts_plan_services_per_region(self, client, db):
        a = _poor(db, name="甲")
        b = _poor(db, OTHER_VILLAGE, name="乙")
        outside = _poor(db, OTHER_COUNTY_VILLAGE, name="丙")
        _visit(db, a, 0.5, ["cleaning", "laundry"])
        for e in (a, b, outside):
            e.created_at = NOW - timedelta(days=10)  # registered earlier: overdue now
            services.refresh_elder(db, e)
        db.flush()
        this_month = (NOW - timedelta(days=0.5)).astimezone(TZ).month == today().month
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.get("/api/v1/stats/summary", headers=auth(officer))
        assert r.status_code == 200, r.text
        body = r.json()
        total = body["totals"]["services"]
        assert total["due"] == 10  # the four ones and a check-up each, the county's third not
        assert total["done_this_month"] == (2 if this_month else 0)
        assert total["overdue"] == 8  # all but the two done
        assert total["by_service"]["cleaning"] == {
            "due": 2,
            "done_this_month": 1 if this_month else 0,
            "overdue": 1,
        }
        rows = {c["code"]: c["services"] for c in body["children"]}
        assert rows[a.village_code]["overdue"] == 3
        assert rows[b.village_code] == {
            "due": 5,
            "done_this_month": 0,
            "overdue": 5,
            "by_service": {
                s: {"due": 1, "done_this_month": 0, "overdue": 1} for s in [*POOR, "health_checkup"]
            },
        }


class TestNeighbours:
    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404_and_see_nothing(self, client, db, role, region):
        poor = _poor(db)
        other = make_user(db, role, region)
        h = auth(other)
        assert client.get(f"/api/v1/elders/{poor.id}/services", headers=h).status_code == 404
        r = client.get(f"/api/v1/service-rates?region={VILLAGE}", headers=h)
        assert r.status_code == 404
        items = client.get("/api/v1/worklist/services?due_within_days=366", headers=h).json()
        assert poor.id not in {i["elder_id"] for i in items["items"]}
        r = client.get(f"/api/v1/worklist/services?region={VILLAGE}", headers=h)
        assert poor.id not in {i["elder_id"] for i in r.json().get("items", [])}
