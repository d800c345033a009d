"""Months as the register stood then: as-of denominators, snapshots, freezing by workers,
recomputes that keep the old values, and the monthly report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.models import Elder, ElderPeriod, RegisterPolicy
from eldercare.stats import freezing, months
from eldercare.stats.models import MonthFreeze, MonthSnapshot, MonthSnapshotRevision
from eldercare.visits.models import Visit
from eldercare.worker import Worker
from sqlalchemy import delete, func, select

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
    id_number,
    make_elder,
    make_user,
)

pytestmark = pytest.mark.committed


def at(day: str, hour: int = 4) -> datetime:
    """Noon in Shanghai on ``day`` (UTC)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def special(db, e, on: bool = True):
    e.category_codes = ",special_difficulty," if on else ""
    db.flush()


def visit(db, e, when, method="home_visit"):
    db.add(
        Visit(
            elder_id=e.id,
            village_code=e.village_code,
            author_id="x",
            visited_at=when,
            method=method,
        )
    )
    db.flush()


def village_month(db, month: str, village: str = VILLAGE) -> dict:
    first = months.parse_month(month)
    as_of = min(months.last_day(first), months.clock.today())
    return months.county_figures(db, village[:6], first, as_of).get(village, months.empty())


def month_api(client, user, month, region=VILLAGE):
    r = client.get(f"/api/v1/stats/months/{month}?region={region}", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()


class TestAsOf:
    def test_denominator_of_a_crafted_village_month_by_month(self, db, clock):
        clock.now = at("2026-08-10")
        e1 = make_elder(db, name="甲")
        special(db, e1)
        clock.now = at("2026-09-12")
        e2 = make_elder(db, name="乙")
        special(db, e2)
        clock.now = at("2026-09-20")
        special(db, e1, on=False)  # no longer special difficulty
        clock.now = at("2026-10-05")
        e2.status = "moved_out"
        db.flush()
        clock.now = at("2026-11-03")
        e3 = make_elder(db, name="丙")
        special(db, e3)
        clock.now = at("2026-11-20")
        e3.status = "deceased"
        db.flush()
        clock.now = at("2026-12-02")
        e4 = make_elder(db, OTHER_VILLAGE, name="丁")
        e4.village_code = VILLAGE  # moved in today
        db.flush()

        expected = {
            "2026-07": (0, 0),
            "2026-08": (1, 1),  # e1, special
            "2026-09": (2, 1),  # e1 (not special at the month's end), e2 special
            "2026-10": (1, 0),  # e2 moved out during the month: not counted
            "2026-11": (1, 0),  # e3 came and died within the month
            "2026-12": (2, 0),  # to date: e1 and e4, who moved in today
        }
        got = {}
        for month in expected:
            f = village_month(db, month)
            got[month] = (f["elders"], f["visits"]["special_difficulty"])
        assert got == expected
        assert village_month(db, "2026-12", OTHER_VILLAGE)["elders"] == 0
        # the village e4 left counted it in November? it was registered in December
        assert village_month(db, "2026-11", OTHER_VILLAGE)["elders"] == 0

    def test_a_day_keeps_its_last_state(self, db, clock):
        clock.now = at("2026-10-10")
        e = make_elder(db)
        special(db, e)
        special(db, e, on=False)
        special(db, e)
        periods = db.scalars(select(ElderPeriod).where(ElderPeriod.elder_id == e.id)).all()
        assert len(periods) == 1
        assert periods[0].category_codes == ",special_difficulty,"
        assert periods[0].valid_from == date(2026, 10, 10)
        assert periods[0].valid_to is None

    def test_past_rate_unchanged_after_registering_moving_and_deceasing_today(
        self, client, db, clock
    ):
        clock.now = at("2026-10-01")
        a = make_elder(db, name="甲")
        b = make_elder(db, name="乙")
        c = make_elder(db, name="丙")
        for e in (a, b, c):
            special(db, e)
        visit(db, a, at("2026-10-10"))
        visit(db, b, at("2026-10-12"), method="phone")
        clock.now = at("2026-12-02")  # before the freeze day: October is not frozen yet
        officer = make_user(db, "county_officer", COUNTY)
        before = month_api(client, officer, "2026-10")
        assert before["frozen"] is False
        assert before["partial"] is False
        assert before["figures"]["visits"]["special_difficulty"] == 3
        assert before["figures"]["visits"]["special_visited"] == 2
        assert before["figures"]["visits"]["monthly_visit_rate"] == 0.6667

        # today: one new elder registered through the API, one moved, one deceased
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json={"id_number": id_number("1940-01-01"), "name": "新登记", "village_code": VILLAGE},
        )
        assert r.status_code == 201, r.text
        township = make_user(db, "township_officer", TOWNSHIP)
        r = client.post(
            f"/api/v1/elders/{a.id}/move",
            headers={**auth(township), "If-Match": f'"{a.version}"'},
            json={"village_code": OTHER_VILLAGE, "reason": "随子女"},
        )
        assert r.status_code == 200, r.text
        r = client.post(
            f"/api/v1/elders/{c.id}/status",
            headers={**auth(worker), "If-Match": f'"{c.version}"'},
            json={"status": "deceased", "date": "2026-10-03", "reason": "病故"},
        )
        assert r.status_code == 200, r.text
        db.execute(delete(MonthSnapshot))  # computed afresh, not read from before
        db.flush()

        after = month_api(client, officer, "2026-10")
        assert after["figures"] == before["figures"]
        village = month_api(client, officer, "2026-10", VILLAGE)["figures"]
        assert village["elders"] == 3
        assert village["visits"]["monthly_visit_rate"] == 0.6667
        # December to date counts the register as it is today
        now = month_api(client, officer, "2026-12", VILLAGE)
        assert now["partial"] is True
        assert now["as_of"] == "2026-12-02"
        assert now["figures"]["elders"] == 2  # b and the new elder
        assert month_api(client, officer, "2026-12", OTHER_VILLAGE)["figures"]["elders"] == 1

    def test_a_visit_counts_by_the_policys_methods_for_the_tier(self, db, clock):
        clock.now = at("2026-10-01")
        a = make_elder(db, name="甲")
        special(db, a)
        a.risk_level = "general"
        db.flush()
        visit(db, a, at("2026-10-05"), method="phone")
        db.add(_visit_policy(COUNTY, home_only=True))
        db.flush()
        clock.now = at("2026-11-02")
        f = village_month(db, "2026-10")
        assert f["visits"]["special_visited"] == 0  # a phone call is not a visit here
        visit(db, a, at("2026-10-20"))
        f = village_month(db, "2026-10")
        assert f["visits"]["special_visited"] == 1
        assert f["visits"]["visits"] == 1  # the qualifying visit only


def _visit_policy(county: str, home_only: bool):
    from eldercare.visits.models import VisitPolicyVersion

    methods = ["home_visit"] if home_only else ["home_visit", "phone", "video"]
    tiers = {
        t: {"interval_days": d, "methods": methods}
        for t, d in (("high", 7), ("key", 30), ("general", 90))
    }
    return VisitPolicyVersion(
        county_code=county, effective_date=date(2026, 1, 1), settings={"tiers": tiers}
    )


@pytest.fixture
def october(db, clock):
    """Village 230 in October: three special-difficulty elders, one visited."""
    clock.now = at("2026-10-01")
    elders = [make_elder(db, name=n) for n in ("甲", "乙", "丙")]
    for e in elders:
        special(db, e)
    visit(db, elders[0], at("2026-10-10"))
    make_elder(db, OTHER_COUNTY_VILLAGE, name="丁")
    return elders


class TestFreezeAndRecompute:
    def test_a_worker_freezes_due_months_on_the_countys_day(self, client, db, clock, october):
        db.add(RegisterPolicy(county_code=OTHER_COUNTY, settings={"month_freeze_day": 10}))
        db.flush()
        clock.now = at("2026-11-04")  # before the 5th: October is not due yet
        db.commit()
        worker = Worker([freezing.take], name="test-freezer")
        worker.run_until_idle()
        db.commit()
        assert db.get(MonthSnapshot, (COUNTY, "2026-10")) is None
        assert db.get(MonthFreeze, (COUNTY, "2026-09")).status == "done"  # September was due
        # and on a first run the trend's earlier months, back to twelve
        assert db.get(MonthFreeze, (COUNTY, "2025-10")).status == "done"
        assert db.get(MonthFreeze, (COUNTY, "2025-09")) is None
        assert db.get(MonthSnapshot, (COUNTY, "2026-09")).frozen

        clock.now = at("2026-11-05")
        freezing._checked.clear()
        assert worker.run_until_idle() >= 1
        db.commit()
        county = db.get(MonthSnapshot, (COUNTY, "2026-10"))
        assert county is not None
        assert county.frozen
        assert county.version == 1
        assert county.special_difficulty == 3
        assert county.special_visited == 1
        assert db.get(MonthSnapshot, (VILLAGE, "2026-10")).frozen
        assert db.get(MonthSnapshot, (TOWNSHIP, "2026-10")).frozen
        job = db.get(MonthFreeze, (COUNTY, "2026-10"))
        assert job.status == "done"
        assert job.worker == "test-freezer"
        # the other county closes on the 10th
        assert db.get(MonthFreeze, (OTHER_COUNTY, "2026-10")) is None
        assert worker.run_until_idle() == 0  # nothing left

        # frozen: a visit logged late does not change it, read from the snapshot
        visit(db, october[1], at("2026-10-30"))
        clock.now = at("2026-11-20")
        officer = make_user(db, "county_officer", COUNTY)
        m = month_api(client, officer, "2026-10", COUNTY)
        assert m["frozen"] is True
        assert m["version"] == 1
        assert m["figures"]["visits"]["special_visited"] == 1
        assert m["computed_by_name"] == ""

    def test_recompute_is_audited_and_keeps_the_old_values(self, client, db, clock, october):
        clock.now = at("2026-11-06")
        months.freeze(db, COUNTY, date(2026, 10, 1))
        visit(db, october[1], at("2026-10-30"))  # logged late
        officer = make_user(db, "county_officer", COUNTY, display_name="县民政局李四")
        r = client.post(
            f"/api/v1/stats/months/2026-10/recompute?region={COUNTY}",
            headers=auth(officer),
            json={"reason": "补录10月探访记录"},
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["month"]["frozen"] is True
        assert out["month"]["version"] == 2
        assert out["month"]["computed_by_name"] == "县民政局李四"
        assert out["month"]["figures"]["visits"]["special_visited"] == 2
        assert out["previous"]["version"] == 1
        assert out["previous"]["figures"]["visits"]["special_visited"] == 1
        assert out["previous"]["reason"] == "补录10月探访记录"
        db.commit()
        kept = db.scalars(
            select(MonthSnapshotRevision).where(MonthSnapshotRevision.month == "2026-10")
        ).all()
        assert {k.region_code for k in kept} == {COUNTY, TOWNSHIP, VILLAGE}
        assert all(k.figures["visits"]["special_visited"] == 1 for k in kept)
        event = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "recompute", AuditEvent.resource == "month_snapshot"
            )
        ).one()
        assert event.resource_id == f"{COUNTY}:2026-10"
        assert event.actor_id == officer.id
        assert event.detail["reason"] == "补录10月探访记录"
        assert event.detail["previous_version"] == 1
        assert event.detail["was_frozen"] is True
        m = month_api(client, officer, "2026-10", VILLAGE)
        assert m["version"] == 2
        assert m["figures"]["visits"]["special_visited"] == 2

    def test_recompute_needs_a_reason_a_county_and_a_county_role(self, client, db, clock, october):
        clock.now = at("2026-11-06")
        officer = make_user(db, "county_officer", COUNTY)
        url = "/api/v1/stats/months/2026-10/recompute"
        r = client.post(f"{url}?region={COUNTY}", headers=auth(officer), json={})
        assert r.status_code == 422
        r = client.post(f"{url}?region={TOWNSHIP}", headers=auth(officer), json={"reason": "核对"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "month.county_only"
        township = make_user(db, "township_officer", TOWNSHIP)
        r = client.post(f"{url}?region={COUNTY}", headers=auth(township), json={"reason": "核对"})
        assert r.status_code == 403
        r = client.post(
            "/api/v1/stats/months/2027-01/recompute", headers=auth(officer), json={"reason": "核对"}
        )
        assert r.status_code == 422
        assert db.scalar(select(func.count()).select_from(MonthSnapshotRevision)) == 0

    def test_the_cli_freezes_a_month(self, db, clock, october, capsys):
        from eldercare import cli

        clock.now = at("2026-11-02")
        db.commit()
        assert cli.main(["stats", "freeze", "--month", "2026-10", "--county", COUNTY]) == 0
        db.commit()
        assert db.get(MonthSnapshot, (COUNTY, "2026-10")).frozen
        assert cli.main(["stats", "freeze", "--month", "2026-11"]) == 2  # not ended


class TestReport:
    def test_json_has_a_table_per_heading(self, client, db, clock, october):
        clock.now = at("2026-11-06")
        months.freeze(db, COUNTY, date(2026, 10, 1))
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.get(
            f"/api/v1/stats/monthly-report?region={TOWNSHIP}&month=2026-10", headers=auth(officer)
        )
        assert r.status_code == 200, r.text
        rep = r.json()
        assert [s["key"] for s in rep["sections"]] == [
            "by_category",
            "visits",
            "incidents",
            "relief",
        ]
        assert rep["frozen"] is True
        assert rep["computed_by_name"] == "系统"
        visits = rep["sections"][1]
        assert visits["title"] == "探访与探访率"
        rate = [c["key"] for c in visits["columns"]].index("monthly_visit_rate")
        rows = {row["code"]: row for row in visits["rows"]}
        assert list(rows) == [VILLAGE, TOWNSHIP]  # the villages, then the total
        assert visits["rows"][-1]["name"] == "合计"
        assert rows[TOWNSHIP]["cells"][rate] == 0.3333
        assert rows[VILLAGE]["cells"][0] == 3
        assert rows[VILLAGE]["name"] != VILLAGE  # its name

    def test_xlsx_has_chinese_headers(self, client, db, clock, october):
        from openpyxl import load_workbook

        clock.now = at("2026-11-06")
        officer = make_user(db, "county_officer", COUNTY)
        r = client.get(
            f"/api/v1/stats/monthly-report.xlsx?region={COUNTY}&month=2026-10",
            headers=auth(officer),
        )
        assert r.status_code == 200, r.text
        book = load_workbook(io.BytesIO(r.content))
        assert book.sheetnames == ["老人分类统计", "探访与探访率", "突发事件处置", "救助覆盖"]
        sheet = book["探访与探访率"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].endswith("2026-10月报表 · 探访与探访率")
        assert "数据截至 2026-10-31" in rows[1][0]
        assert rows[2][:4] == ("区域", "特殊困难老人", "已探访特殊困难老人", "月探访率")
        assert rows[-1][0] == "合计"
        assert rows[-1][3] == "33.3%"
        header = list(book["老人分类统计"].iter_rows(values_only=True))[2]
        assert "老人总数" in header
        assert "特殊困难" in header

    def test_a_village_gets_no_report(self, client, db, clock):
        clock.now = at("2026-11-06")
        worker = make_user(db, "village_worker", VILLAGE)
        r = client.get(
            f"/api/v1/stats/monthly-report?region={VILLAGE}&month=2026-10", headers=auth(worker)
        )
        assert r.status_code == 422


ROUTES = [
    ("GET", "/api/v1/stats/months/2026-10?region={r}"),
    ("GET", "/api/v1/stats/monthly-report?region={r}&month=2026-10"),
    ("GET", "/api/v1/stats/monthly-report.xlsx?region={r}&month=2026-10"),
    ("POST", "/api/v1/stats/months/2026-10/recompute?region={r}"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize(
    ("role", "region", "asked"),
    [
        ("village_worker", OTHER_VILLAGE, VILLAGE),
        ("township_officer", OTHER_TOWNSHIP, TOWNSHIP),
        ("county_officer", OTHER_COUNTY, COUNTY),
    ],
)
def test_neighbours_get_404(client, db, clock, october, method, route, role, region, asked):
    clock.now = at("2026-11-06")
    other = make_user(db, role, region)
    r = client.request(
        method, route.format(r=asked), headers=auth(other), json={"reason": "核对数据"}
    )
    if method == "POST" and role != "county_officer":
        assert r.status_code == 403  # only a county recomputes
    else:
        assert r.status_code == 404, r.text
    assert db.scalar(select(func.count()).select_from(MonthSnapshotRevision)) == 0


def test_periods_follow_every_write(db, clock):
    """A new elder opens a period; a change on a later day closes it and opens the next."""
    clock.now = at("2026-10-01")
    e = make_elder(db)
    clock.now = at("2026-10-15")
    e.village_code = OTHER_TOWNSHIP_VILLAGE
    db.flush()
    rows = db.execute(
        select(ElderPeriod.village_code, ElderPeriod.valid_from, ElderPeriod.valid_to)
        .where(ElderPeriod.elder_id == e.id)
        .order_by(ElderPeriod.valid_from)
    ).all()
    assert [tuple(r) for r in rows] == [
        (VILLAGE, date(2026, 10, 1), date(2026, 10, 15)),
        (OTHER_TOWNSHIP_VILLAGE, date(2026, 10, 15), None),
    ]
    assert db.get(Elder, e.id) is not None
