"""Months as the register stood then: as-of denominators, snapshots, freezing by workers,
recomputes that keep the old values, and the monthly report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.models import Elder, ElderPeriod, GuardianContact, RegisterPolicy
from eldercare.followups.models import FollowUp, FollowUpTransition
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


def visit(db, e, when, method="home_visit", services=()):
    db.add(
        Visit(
            elder_id=e.id,
            village_code=e.village_code,
            author_id="x",
            visited_at=when,
            method=method,
            services=list(services),
        )
    )
    db.flush()


def categories(db, e, *codes):
    e.category_codes = "".join(f",{c}," for c in codes)
    db.flush()


def contact(db, e, when, relation="son"):
    db.add(
        GuardianContact(
            elder_id=e.id,
            guardian_id="g" + e.id[:20],
            guardian_name="张强",
            guardian_relation=relation,
            contacted_at=when,
            method="phone",
            author_id="x",
        )
    )
    db.flush()


def follow_up(db, e, found, due, category="hazard", kind="fall_risk"):
    item = FollowUp(
        elder_id=e.id,
        village_code=e.village_code,
        category=category,
        kind=kind,
        severity="high",
        found_by_type="user",
        found_by_id="x",
        found_at=found,
        last_seen_at=found,
        due_date=date.fromisoformat(due),
        status="open",
    )
    db.add(item)
    db.flush()
    step(db, item, "opened", "open", found)
    return item


def step(db, item, action, to, when):
    """A step of the item's history, as the follow-ups' service writes it."""
    db.add(
        FollowUpTransition(
            follow_up_id=item.id,
            action=action,
            from_status=None if action == "opened" else item.status,
            to_status=to,
            actor_id="x",
            actor_name="王芳",
            at=when,
            due_date=item.due_date,
        )
    )
    item.status = to
    item.closed_at = when if to == "resolved" else None
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


class TestServices:
    def test_due_and_served_month_by_month(self, db, clock):
        clock.now = at("2026-08-10")
        e = make_elder(db, name="甲")
        categories(db, e, "extreme_poverty")  # cleaning, laundry, haircut, necessities
        other = make_elder(db, name="乙")
        categories(db, other, "left_behind")  # the health check-up only
        clock.now = at("2026-09-05")
        visit(db, e, at("2026-09-05"), services=["haircut", "health_checkup"])
        clock.now = at("2026-10-12")
        visit(db, e, at("2026-10-12"), services=["cleaning"])
        clock.now = at("2026-11-15")
        categories(db, e)  # no longer extreme poverty: the plan no longer gives its services
        clock.now = at("2026-12-02")

        def of(month, service):
            c = village_month(db, month)["services"]["by_service"][service]
            return c["planned"], c["due"], c["served"], c["rate"]

        assert of("2026-08", "haircut") == (1, 1, 0, 0.0)  # never done: due
        assert of("2026-09", "haircut") == (1, 1, 1, 1.0)
        # done 5 September, due again 5 October: due in October, not served then
        assert of("2026-10", "haircut") == (1, 1, 0, 0.0)
        assert of("2026-10", "cleaning") == (1, 1, 1, 1.0)
        assert of("2026-09", "health_checkup") == (2, 2, 1, 0.5)
        # done 5 September, due again in March: only the other elder is due in October
        assert of("2026-10", "health_checkup") == (2, 1, 0, 0.0)
        assert of("2026-11", "haircut") == (0, 0, 0, None)
        assert of("2026-11", "health_checkup") == (2, 1, 0, 0.0)
        s = village_month(db, "2026-09")["services"]
        # September: cleaning, laundry, haircut, necessities and two check-ups due
        assert (s["due"], s["served"]) == (6, 2)
        assert s["rate"] == round(2 / 6, 4)
        # a service recorded today does not change October
        visit(db, e, at("2026-12-02"), services=["haircut"])
        assert of("2026-10", "haircut") == (1, 1, 0, 0.0)

    def test_the_township_adds_up_its_villages(self, db, clock):
        clock.now = at("2026-10-10")
        for village in (VILLAGE, OTHER_VILLAGE):
            e = make_elder(db, village)
            categories(db, e, "extreme_poverty")
            visit(db, e, at("2026-10-10"), services=["haircut"] if village == VILLAGE else [])
        clock.now = at("2026-11-02")
        f = months.county_figures(db, COUNTY, date(2026, 10, 1), date(2026, 10, 31))
        haircut = f[TOWNSHIP]["services"]["by_service"]["haircut"]
        assert (haircut["due"], haircut["served"], haircut["rate"]) == (2, 1, 0.5)


class TestContacts:
    def test_covered_and_contacted_month_by_month(self, db, clock):
        clock.now = at("2026-08-10")
        e = make_elder(db, name="甲")
        categories(db, e, "left_behind")
        never = make_elder(db, name="乙")
        categories(db, never, "special_difficulty")  # the rule does not cover them
        clock.now = at("2026-09-10")
        contact(db, e, at("2026-09-10"))
        clock.now = at("2026-10-20")
        contact(db, e, at("2026-10-20"), relation="neighbour")  # not a child
        clock.now = at("2026-11-05")
        contact(db, e, at("2026-11-05"))
        clock.now = at("2026-11-20")
        categories(db, e)  # no longer left behind
        clock.now = at("2026-12-02")

        def of(month):
            c = village_month(db, month)["contacts"]
            return c["covered"], c["contacted"], c["contact_rate"]

        assert of("2026-08") == (1, 0, 0.0)
        assert of("2026-09") == (1, 1, 1.0)
        # 10 September is more than 30 days before 31 October; the neighbour does not count
        assert of("2026-10") == (1, 0, 0.0)
        assert of("2026-11") == (0, 0, None)  # not covered at the month's end

    def test_the_interval_is_counted_back_from_the_month_end(self, db, clock):
        clock.now = at("2026-09-01")
        e = make_elder(db)
        categories(db, e, "left_behind")
        contact(db, e, at("2026-10-01"))  # 30 days before 31 October: in time
        clock.now = at("2026-11-02")
        assert village_month(db, "2026-10")["contacts"]["contacted"] == 1
        assert village_month(db, "2026-09")["contacts"]["contacted"] == 0  # after September


class TestFollowUps:
    def test_a_crafted_village_month_by_month(self, db, clock):
        clock.now = at("2026-09-01")
        e = make_elder(db)
        a = follow_up(db, e, at("2026-09-10"), "2026-09-20")  # a hazard
        clock.now = at("2026-09-15")
        step(db, a, "moved", "in_progress", at("2026-09-15"))
        b = follow_up(db, e, at("2026-09-25"), "2026-10-25", category="need", kind="medical")
        clock.now = at("2026-10-04")
        step(db, b, "moved", "resolved", at("2026-10-04"))  # 9 days
        c = follow_up(db, e, at("2026-10-06", 2), "2026-10-31", kind="fire_gas")
        clock.now = at("2026-10-09")
        step(db, c, "moved", "resolved", at("2026-10-09", 2))  # 3 days
        step(db, c, "reopened", "open", at("2026-10-09", 6))
        clock.now = at("2026-11-10")
        step(db, a, "moved", "resolved", at("2026-11-10"))  # 61 days
        clock.now = at("2026-12-02")
        step(db, c, "moved", "resolved", at("2026-12-02", 2))  # resolved today

        def of(month, bucket=None):
            fu = village_month(db, month)["follow_ups"]
            f = fu["by_category"].get(bucket, fu)
            if bucket in fu["by_kind"]:
                f = fu["by_kind"][bucket]
            return tuple(f[k] for k in months.FOLLOW_UP_FIGURES)

        # opened, resolved, open at the end, overdue at the end
        assert of("2026-08") == (0, 0, 0, 0)
        assert of("2026-09") == (2, 0, 2, 1)  # a was due 20 September
        assert of("2026-10") == (1, 2, 2, 1)  # b and c resolved, c reopened: a and c open
        assert of("2026-10", "hazard") == (1, 1, 2, 1)
        assert of("2026-10", "need") == (0, 1, 0, 0)
        assert of("2026-10", "fire_gas") == (1, 1, 1, 0)  # due on the month's last day
        assert of("2026-11") == (0, 1, 1, 1)  # c still open, due 31 October
        assert of("2026-12") == (0, 1, 0, 0)  # to date
        october = village_month(db, "2026-10")["follow_ups"]
        assert october["resolve_days"] == {"9.0": 1, "3.0": 1}
        assert october["median_days_to_resolve"] == 6.0
        assert october["by_category"]["need"]["median_days_to_resolve"] == 9.0
        assert village_month(db, "2026-11")["follow_ups"]["median_days_to_resolve"] == 61.0

    def test_a_frozen_month_is_not_changed_by_a_resolution_today(self, db, clock):
        clock.now = at("2026-10-10")
        e = make_elder(db)
        item = follow_up(db, e, at("2026-10-10"), "2026-10-20")
        clock.now = at("2026-11-06")
        months.freeze(db, COUNTY, date(2026, 10, 1))
        clock.now = at("2026-12-02")
        step(db, item, "moved", "resolved", at("2026-12-02"))
        # computed afresh, October still had the item open and overdue at its end
        assert of_county(db, "2026-10")["follow_ups"]["open_at_end"] == 1
        assert of_county(db, "2026-10")["follow_ups"]["overdue_at_end"] == 1
        assert of_county(db, "2026-12")["follow_ups"]["resolved"] == 1
        frozen = db.get(MonthSnapshot, (COUNTY, "2026-10")).figures["follow_ups"]
        assert (frozen["open_at_end"], frozen["overdue_at_end"]) == (1, 1)

    def test_an_item_counts_in_the_village_of_its_elder_at_month_end(self, db, clock):
        clock.now = at("2026-10-10")
        e = make_elder(db)
        follow_up(db, e, at("2026-10-10"), "2026-12-20")
        clock.now = at("2026-12-02")
        e.village_code = OTHER_VILLAGE  # moved today; the item follows
        db.flush()
        db.execute(
            FollowUp.__table__.update()
            .where(FollowUp.elder_id == e.id)
            .values(village_code=OTHER_VILLAGE)
        )
        assert village_month(db, "2026-10")["follow_ups"]["open_at_end"] == 1
        assert village_month(db, "2026-10", OTHER_VILLAGE)["follow_ups"]["open_at_end"] == 0
        assert village_month(db, "2026-12", OTHER_VILLAGE)["follow_ups"]["open_at_end"] == 1


def of_county(db, month: str) -> dict:
    first = months.parse_month(month)
    as_of = min(months.last_day(first), months.clock.today())
    return months.county_figures(db, COUNTY, first, as_of)[COUNTY]


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
            "services",
            "contacts",
            "follow_ups",
            "follow_up_hazards",
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
        assert book.sheetnames == [
            "老人分类统计",
            "探访与探访率",
            "突发事件处置",
            "救助覆盖",
            "上门服务",
            "联系子女",
            "跟进事项",
            "安全隐患分类",
        ]
        sheet = book["探访与探访率"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].endswith("2026-10月报表 · 探访与探访率")
        assert "数据截至 2026-10-31" in rows[1][0]
        assert "第 1 版" in rows[1][0]
        # a township with no one registered that month has nothing stored: no version is claimed
        r = client.get(
            f"/api/v1/stats/monthly-report.xlsx?region={OTHER_TOWNSHIP}&month=2026-10",
            headers=auth(officer),
        )
        assert r.status_code == 200, r.text
        sheet = load_workbook(io.BytesIO(r.content))["探访与探访率"]
        meta = list(sheet.iter_rows(values_only=True))[1][0]
        assert "即时计算" in meta
        assert "版" not in meta
        assert rows[2][:4] == ("区域", "特殊困难老人", "已探访特殊困难老人", "特殊困难老人月探访率")
        assert rows[-1][0] == "合计"
        assert rows[-1][3] == "33.3%"
        header = list(book["老人分类统计"].iter_rows(values_only=True))[2]
        assert "老人总数" in header
        assert "特殊困难" in header
        header = list(book["上门服务"].iter_rows(values_only=True))[2]
        assert "理发应服务老人" in header
        assert "健康体检服务率" in header
        assert header[-3:] == ("合计应服务老人", "合计已服务", "合计服务率")
        header = list(book["联系子女"].iter_rows(values_only=True))[2]
        assert header == ("区域", "应联系子女老人", "已按时联系子女", "联系子女率")
        header = list(book["跟进事项"].iter_rows(values_only=True))[2]
        assert header[1:6] == (
            "合计本月发现",
            "合计本月解决",
            "合计月末未结",
            "合计月末逾期",
            "合计解决用时中位数（天）",
        )
        assert "安全隐患月末逾期" in header
        header = list(book["安全隐患分类"].iter_rows(values_only=True))[2]
        assert "跌倒风险月末未结" in header

    def test_the_new_sections_carry_the_month(self, client, db, clock):
        clock.now = at("2026-10-05")
        e = make_elder(db)
        categories(db, e, "left_behind", "extreme_poverty")
        visit(db, e, at("2026-10-05"), services=["haircut"])
        contact(db, e, at("2026-10-06"))
        follow_up(db, e, at("2026-10-07"), "2026-10-10")
        clock.now = at("2026-11-06")
        officer = make_user(db, "county_officer", COUNTY)
        r = client.get(
            f"/api/v1/stats/monthly-report?region={COUNTY}&month=2026-10",
            headers=auth(officer, "en"),
        )
        assert r.status_code == 200, r.text
        sections = {s["key"]: s for s in r.json()["sections"]}

        def total(key, column):
            s = sections[key]
            return s["rows"][-1]["cells"][[c["key"] for c in s["columns"]].index(column)]

        assert sections["services"]["title"] == "Services"
        titles = [c["title"] for c in sections["services"]["columns"]]
        assert "Haircut service rate" in titles
        keys = [c["key"] for c in sections["services"]["columns"]]
        assert "cooking_meals.due" not in keys  # not in the plan
        assert total("services", "haircut.rate") == 1.0
        assert total("services", "cleaning.due") == 1
        assert total("contacts", "contact_rate") == 1.0
        assert total("follow_ups", "hazard.overdue_at_end") == 1
        assert total("follow_up_hazards", "fall_risk.open_at_end") == 1
        assert sections["follow_up_hazards"]["rows"][0]["code"] == TOWNSHIP

    def test_a_month_computed_before_the_new_figures_has_no_such_sections(
        self, client, db, clock, october
    ):
        clock.now = at("2026-11-06")
        months.freeze(db, COUNTY, date(2026, 10, 1))
        for row in db.scalars(select(MonthSnapshot).where(MonthSnapshot.month == "2026-10")):
            row.figures = {
                k: v
                for k, v in row.figures.items()
                if k not in ("services", "contacts", "follow_ups")
            }
        db.flush()
        officer = make_user(db, "county_officer", COUNTY)
        r = client.get(
            f"/api/v1/stats/monthly-report?region={COUNTY}&month=2026-10", headers=auth(officer)
        )
        assert r.status_code == 200, r.text
        assert [s["key"] for s in r.json()["sections"]] == [
            "by_category",
            "visits",
            "incidents",
            "relief",
        ]
        m = month_api(client, officer, "2026-10", COUNTY)
        assert m["figures"]["services"] is None

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


def test_the_demo_register_counts_in_past_months(db, clock):
    """The demo loads its register today; its elders count in last year's months (the
    monthly report of a fresh demo is not empty), and nobody's later periods move."""
    from eldercare.devtools.demo import _register_stood_for_a_year

    clock.now = at("2026-12-06")
    e = make_elder(db, name="甲")
    assert village_month(db, "2026-11")["elders"] == 0  # loaded today
    _register_stood_for_a_year(db)
    assert village_month(db, "2026-11")["elders"] == 1
    assert village_month(db, "2026-01")["elders"] == 1
    assert village_month(db, "2025-11")["elders"] == 0  # before the year it stood
    assert db.scalars(select(ElderPeriod.valid_from).where(ElderPeriod.elder_id == e.id)).all() == [
        date(2025, 12, 1)
    ]
