"""The statistics summary against a small register counted by hand, per region and child."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from eldercare.elders.models import ElderPeriod
from eldercare.stats.models import MonthSnapshot
from eldercare.visits.models import ElderSchedule, Visit
from sqlalchemy import delete, update

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

# Through the paths production takes: a summary that recomputes stale roll-ups reads them
# in a snapshot taken after the recompute.
pytestmark = pytest.mark.committed

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _set(db, e, codes, risk, left_behind=False):
    e.category_codes = "," + ",".join(codes) + "," if codes else ""
    e.risk_level = risk
    e.is_left_behind = left_behind
    db.flush()


def _visit(db, e, when):
    db.add(
        Visit(
            elder_id=e.id,
            village_code=e.village_code,
            author_id="x",
            visited_at=when,
            method="home_visit",
        )
    )
    db.flush()


def _schedule(db, e, due):
    """Set the elder's next due date by hand (overdue counts read it)."""
    s = db.get(ElderSchedule, e.id)
    if s is None:
        s = ElderSchedule(elder_id=e.id, village_code=e.village_code, interval_days=30)
        db.add(s)
    s.risk_level, s.next_due_date = e.risk_level, due
    s.reason = {"code": "due.tier", "params": {}}
    db.flush()


@pytest.fixture
def register(db, client, clock):
    """Village 230: A, B, C (and a deceased elder); village 204: D; township 100: E;
    another county: F."""
    clock.now = NOW
    a = make_elder(
        db,
        name="王秀英",
        birth="1940-05-01",
        phone="13800000001",
        living_arrangement="alone",
        guardians=[{"name": "王建军", "relation": "son"}],
    )
    _set(db, a, ["advanced_age", "living_alone", "special_difficulty"], "high")
    make_pairing(db, a, make_volunteer(db), primary=True)
    _visit(db, a, datetime(2026, 11, 10, 2, 0, tzinfo=UTC))

    b = make_elder(
        db, name="李福贵", birth="1962-01-01", male=True, living_arrangement="with_spouse"
    )
    _set(db, b, ["left_behind"], "general", left_behind=True)

    c = make_elder(db, name="张桂兰", birth="1934-03-15", phone="13800000003")
    c.id_number_original = c.id_number[:6] + c.id_number[8:17]  # registered from 15 digits
    _set(db, c, ["advanced_age", "special_difficulty"], "key")
    _visit(db, c, datetime(2026, 10, 20, 2, 0, tzinfo=UTC))  # 40 days ago, last month

    make_elder(db, name="赵德明", birth="1930-01-01", male=True, status="deceased")

    d = make_elder(
        db,
        OTHER_VILLAGE,
        name="陈建国",
        birth="1955-06-01",
        male=True,
        phone="13800000004",
        living_arrangement="with_children",
    )
    last = "0" if d.id_number[-1] != "0" else "1"
    d.id_number = d.id_number[:17] + last  # a wrong check digit
    _set(db, d, [], "general")
    _visit(db, d, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))

    e = make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="刘春生", birth="1958-12-31", male=True)
    _set(db, e, ["empty_nest"], "general")

    f = make_elder(db, OTHER_COUNTY_VILLAGE, name="马桂英", birth="1945-01-01", phone="1")
    _set(db, f, ["special_difficulty"], "high")

    worker = make_user(db, "village_worker", VILLAGE)
    township = make_user(db, "township_officer", TOWNSHIP)

    def report(elder, severity):
        r = client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={
                "elder_id": elder.id,
                "type": "other",
                "severity": severity,
                "description": "x",
            },
        )
        return r.json()["id"]

    report(a, "critical")
    report(b, "low")
    done = report(c, "medium")
    for to in ("acknowledged", "in_progress", "resolved"):
        body = {"to": to, **({"no_follow_up": True, "note": "已处置"} if to == "resolved" else {})}
        client.post(f"/api/v1/incidents/{done}/transitions", headers=auth(township), json=body)
    db.expire_all()
    _schedule(db, a, date(2026, 12, 10))
    _schedule(db, b, date(2026, 11, 1))
    _schedule(db, c, date(2026, 11, 20))
    _schedule(db, d, date(2026, 12, 1))
    _schedule(db, e, date(2026, 12, 1))
    clock.advance(hours=3)  # the critical one is now past its 2-hour deadline
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def get(client, user, region=None):
    q = f"?region={region}" if region else ""
    r = client.get(f"/api/v1/stats/summary{q}", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()


AGE_BANDS = ("under_60", "60_69", "70_79", "80_89", "90_plus")
PYRAMID_230 = {"male_60_69": 1, "female_80_89": 1, "female_90_plus": 1}  # b, a and c


VILLAGE_230 = {
    "elders": 3,
    "left_behind": 1,
    "by_sex": {"male": 1, "female": 2},
    "by_age_band": {"under_60": 0, "60_69": 1, "70_79": 0, "80_89": 1, "90_plus": 1},
    "by_sex_age_band": {
        **{f"{s}_{b}": 0 for s in ("male", "female") for b in AGE_BANDS},
        **PYRAMID_230,
    },
    "by_living_arrangement": {
        "alone": 1,
        "with_spouse": 1,
        "with_children": 0,
        "with_grandchildren": 0,
        "with_others": 0,
        "in_institution": 0,
        "unknown": 1,
    },
    "by_risk_level": {"high": 1, "key": 1, "general": 1},
    "data_quality": {
        "missing_phone": 1,
        "invalid_id_number": 0,
        "id_number_15_digit": 1,
        "no_guardian": 2,
        "no_primary_helper": 2,
        "never_visited": 1,
        "not_verified": 3,
    },
    "visits": {
        "special_difficulty": 2,
        "special_visited_this_month": 1,
        "monthly_visit_rate": 0.5,
        "visited_this_month": 1,
        "visited_last_30_days": 1,
        "last_30_days_rate": 0.3333,
        "overdue": 2,
        "within_interval_rate": 0.3333,
    },
    "incidents": {
        "open": 2,
        "overdue": 1,
        "by_status": {"reported": 2},
        # none says when it happened: no timeliness rate
        "reported_last_12_months": 3,
        "report_time_known": 0,
        "reported_late": 0,
        "timely_report_rate": None,
    },
}
VILLAGE_204 = {
    "elders": 1,
    "left_behind": 0,
    "by_sex": {"male": 1, "female": 0},
    "by_age_band": {"under_60": 0, "60_69": 0, "70_79": 1, "80_89": 0, "90_plus": 0},
    "by_risk_level": {"high": 0, "key": 0, "general": 1},
    "data_quality": {
        "missing_phone": 0,
        "invalid_id_number": 1,
        "id_number_15_digit": 0,
        "no_guardian": 1,
        "no_primary_helper": 1,
        "never_visited": 0,
        "not_verified": 1,
    },
    "visits": {
        "special_difficulty": 0,
        "special_visited_this_month": 0,
        "monthly_visit_rate": None,
        "visited_this_month": 1,
        "visited_last_30_days": 1,
        "last_30_days_rate": 1.0,
        "overdue": 0,
        "within_interval_rate": 1.0,
    },
    "incidents": {
        "open": 0,
        "overdue": 0,
        "by_status": {},
        "reported_last_12_months": 0,
        "report_time_known": 0,
        "reported_late": 0,
        "timely_report_rate": None,
    },
}


def _check(row, expected):
    for key, value in expected.items():
        assert row[key] == value, (row["code"], key, row[key])


class TestSummary:
    def test_township_and_its_villages(self, client, db, register):
        s = get(client, make_user(db, "township_officer", TOWNSHIP))
        assert s["region"] == TOWNSHIP
        assert s["level"] == "township"
        children = {c["code"]: c for c in s["children"]}
        assert set(children) == {VILLAGE, OTHER_VILLAGE}
        _check(children[VILLAGE], VILLAGE_230)
        assert children[VILLAGE]["by_category"]["advanced_age"] == 2
        assert children[VILLAGE]["by_category"]["special_difficulty"] == 2
        assert children[VILLAGE]["by_category"]["living_alone"] == 1
        assert children[VILLAGE]["by_category"]["left_behind"] == 1
        assert children[VILLAGE]["by_category"]["empty_nest"] == 0
        _check(children[OTHER_VILLAGE], VILLAGE_204)
        t = s["totals"]
        assert t["elders"] == 4
        assert t["by_sex"] == {"male": 2, "female": 2}
        assert t["data_quality"] == {
            "missing_phone": 1,
            "invalid_id_number": 1,
            "id_number_15_digit": 1,
            "no_guardian": 3,
            "no_primary_helper": 3,
            "never_visited": 1,
            "not_verified": 4,
        }
        assert t["visits"]["visited_this_month"] == 2
        assert t["visits"]["monthly_visit_rate"] == 0.5
        assert t["visits"]["last_30_days_rate"] == 0.5
        assert t["visits"]["within_interval_rate"] == 0.5
        assert t["incidents"] == VILLAGE_230["incidents"]

    def test_twelve_month_series(self, client, db, register):
        # The elders were registered today: as the register stood before, they were not there.
        s = get(client, make_user(db, "township_officer", TOWNSHIP))
        assert {m["month"]: m["special_difficulty"] for m in s["visit_rate_series"]} == {
            **{m["month"]: 0 for m in s["visit_rate_series"]},
            "2026-11": 2,
        }
        # Registered since the start of 2025 (periods as a register of that age has them).
        db.execute(update(ElderPeriod).values(valid_from=date(2025, 1, 1)))
        db.execute(delete(MonthSnapshot))
        db.flush()
        s = get(client, make_user(db, "township_officer", TOWNSHIP))
        series = s["visit_rate_series"]
        assert [m["partial"] for m in series] == [False] * 11 + [True]
        assert series[-1]["as_of"] == "2026-11-29"
        assert series[-2]["as_of"] == "2026-10-31"
        assert series[0]["month"] == "2025-12"
        assert series[-1]["month"] == "2026-11"
        assert len(series) == 12
        by_month = {m["month"]: m for m in series}
        assert by_month["2026-11"]["elders_visited"] == 2
        assert by_month["2026-11"]["special_visited"] == 1
        assert by_month["2026-10"]["elders_visited"] == 1
        assert by_month["2026-10"]["monthly_visit_rate"] == 0.5
        assert by_month["2026-09"]["elders_visited"] == 0
        assert all(m["special_difficulty"] == 2 for m in series)

    def test_county_and_its_townships(self, client, db, register):
        s = get(client, make_user(db, "county_officer", COUNTY))
        children = {c["code"]: c for c in s["children"]}
        assert set(children) == {TOWNSHIP, OTHER_TOWNSHIP}
        assert children[TOWNSHIP]["elders"] == 4
        assert children[OTHER_TOWNSHIP]["elders"] == 1
        assert children[OTHER_TOWNSHIP]["by_category"]["empty_nest"] == 1
        assert children[OTHER_TOWNSHIP]["data_quality"]["never_visited"] == 1
        assert s["totals"]["elders"] == 5  # not the other county's elder
        assert s["totals"]["by_category"]["special_difficulty"] == 2
        assert s["totals"]["by_age_band"]["60_69"] == 2

    def test_village_has_no_children(self, client, db, register):
        s = get(client, make_user(db, "village_worker", VILLAGE))
        assert s["children"] == []
        _check(s["totals"], VILLAGE_230)

    def test_county_asks_for_a_village(self, client, db, register):
        s = get(client, make_user(db, "county_officer", COUNTY), OTHER_VILLAGE)
        _check(s["totals"], VILLAGE_204)

    def test_figures_are_fresh_and_relief_coverage_has_every_program(self, client, db, register):
        s = get(client, make_user(db, "county_officer", COUNTY))
        assert s["stale_seconds"] == 0
        programs = [p["program"] for p in s["relief"]["programs"]]
        assert "minimum_living_allowance" in programs
        assert len(programs) == len(set(programs)) == 9

    @pytest.mark.parametrize(
        ("role", "region", "asked"),
        [
            ("village_worker", OTHER_VILLAGE, VILLAGE),
            ("township_officer", OTHER_TOWNSHIP, TOWNSHIP),
            ("county_officer", OTHER_COUNTY, COUNTY),
        ],
    )
    def test_neighbours_get_404(self, client, db, register, role, region, asked):
        other = make_user(db, role, region)
        r = client.get(f"/api/v1/stats/summary?region={asked}", headers=auth(other))
        assert r.status_code == 404
        own = get(client, other)
        assert own["totals"]["incidents"]["open"] == 0
        assert register["a"].id not in str(own)

    def test_no_elders_gives_zeros(self, client, db, clock):
        clock.now = NOW - timedelta(days=1)
        s = get(client, make_user(db, "county_officer", COUNTY))
        assert s["totals"]["elders"] == 0
        assert s["totals"]["visits"]["monthly_visit_rate"] is None


class TestRollups:
    def test_a_county_is_recomputed_once_its_figures_are_five_minutes_old(
        self, client, db, register, clock
    ):
        officer = make_user(db, "county_officer", COUNTY)
        first = get(client, officer)
        assert first["stale_seconds"] == 0
        make_elder(db, name="孙玉兰", birth="1950-01-01")
        clock.advance(minutes=4)
        cached = get(client, officer)
        assert cached["totals"]["elders"] == 5
        assert cached["stale_seconds"] == 240
        assert cached["computed_at"] == first["computed_at"]
        clock.advance(minutes=1, seconds=1)
        fresh = get(client, officer)
        assert fresh["totals"]["elders"] == 6
        assert fresh["stale_seconds"] == 0

    def test_incidents_are_always_current(self, client, db, register, clock):
        officer = make_user(db, "county_officer", COUNTY)
        assert get(client, officer)["totals"]["incidents"]["open"] == 2
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={
                "elder_id": register["b"].id,
                "type": "abuse",
                "severity": "high",
                "description": "x",
            },
        )
        assert r.status_code == 201
        assert get(client, officer)["totals"]["incidents"]["open"] == 3

    def test_province_adds_up_its_counties_and_shows_their_age(self, client, db, register, clock):
        from eldercare.regions.models import Region
        from eldercare.stats import service

        province = db.get(Region, "430000")
        before = service.summary(db, province)
        assert before["counties_without_figures"] == 1
        assert before["totals"]["elders"] == 0
        service.refresh_all(db, [COUNTY])
        clock.advance(minutes=7)
        s = service.summary(db, province)
        assert s["counties_without_figures"] == 0
        assert s["stale_seconds"] == 420
        assert [c["code"] for c in s["children"]] == ["431100"]
        assert s["totals"]["elders"] == 5
        assert s["totals"]["data_quality"]["invalid_id_number"] == 1
        assert s["totals"]["incidents"]["open"] == 2
        prefecture = service.summary(db, db.get(Region, "431100"))
        assert [c["code"] for c in prefecture["children"]] == [COUNTY]
