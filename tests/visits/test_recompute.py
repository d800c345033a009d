"""Recomputing a county's schedules after a policy change: the set-based SQL must agree,
row for row, with the per-elder rules (``schedule.refresh``), on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from eldercare.config import get_settings
from eldercare.elders.models import Elder
from eldercare.visits import schedule
from eldercare.visits.models import ElderSchedule, Visit, VisitPolicyVersion
from eldercare.visits.rules import CategoryRule, TierRule, VisitPolicy
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE,
    VILLAGE,
    make_elder,
    make_pairing,
    make_volunteer,
)

NOW = datetime.now(UTC)

NEW_POLICY = VisitPolicy(
    tiers={
        "high": TierRule(interval_days=10, methods=["home_visit"]),
        "key": TierRule(interval_days=20, methods=["home_visit", "video"]),
        "general": TierRule(interval_days=60),
    },
    event_due_hours=48,
    # by category: shorter than some tiers (the shortest wins), longer than others
    categories={
        "empty_nest": CategoryRule(interval_days=5),
        "living_alone": CategoryRule(interval_days=15),
    },
)


def _visit(db, elder, days_ago: float, method: str) -> None:
    db.add(
        Visit(
            elder_id=elder.id,
            village_code=elder.village_code,
            author_id="x",
            visited_at=NOW - timedelta(days=days_ago),
            method=method,
        )
    )


def _county(db) -> dict[str, Elder]:
    """Elders of every shape: each tier, special difficulty, methods the new policy no
    longer counts, events answered and not, never visited, a death, a missing row, and
    registration and visit times near local midnight."""
    e: dict[str, Elder] = {}
    shapes = [
        ("high_home", "high", "", [(3, "home_visit")]),
        ("high_phone_only", "high", "", [(2, "phone"), (40, "home_visit")]),
        ("key_video", "key", "", [(5, "video"), (1, "phone")]),
        ("general_old", "general", "", [(200, "phone")]),
        ("special_general", "general", ",special_difficulty,", [(9, "home_visit")]),
        ("special_high", "high", ",special_difficulty,low_income,", [(1, "home_visit")]),
        ("never", "key", "", []),
        ("never_special", "general", ",special_difficulty,", []),
        ("evening", "general", "", [(0.3, "home_visit")]),
        ("event_answered", "general", "", [(0.1, "home_visit")]),
        ("event_pending", "key", "", [(15, "home_visit")]),
        ("event_never", "general", "", []),
        ("dead", "general", "", [(3, "home_visit")]),
        ("no_row", "key", "", [(4, "video")]),
        ("other_village", "high", "", [(12, "home_visit")]),
        ("helper_waiting", "general", "", [(0.2, "home_visit")]),
        ("helper_found", "key", "", [(5, "home_visit")]),
        ("helper_old_pairing", "high", "", [(20, "home_visit")]),
        ("nest_general", "general", ",empty_nest,", [(8, "home_visit")]),
        ("nest_alone_key", "key", ",living_alone,empty_nest,", [(2, "video")]),
        ("alone_high", "high", ",living_alone,", [(3, "home_visit")]),
        ("alone_key_never", "key", ",living_alone,", []),
    ]
    for i, (key, tier, codes, visits) in enumerate(shapes):
        village = OTHER_VILLAGE if key == "other_village" else VILLAGE
        elder = make_elder(db, village, name=f"测试{i}", birth=f"19{40 + i}-0{1 + i % 9}-1{i % 9}")
        elder.risk_level = tier
        elder.category_codes = codes
        elder.created_at = NOW - timedelta(days=100 + i, hours=i * 1.7)
        for days_ago, method in visits:
            _visit(db, elder, days_ago, method)
        e[key] = elder
    db.flush()
    for elder in e.values():
        schedule.refresh(db, elder, VisitPolicy())
    db.flush()
    for key, hours_ago in (("event_answered", 30), ("event_pending", 1), ("event_never", 5)):
        row = db.get(ElderSchedule, e[key].id)
        row.event_type = "hospitalisation"
        row.event_due_at = NOW - timedelta(hours=hours_ago) + timedelta(hours=24)
    # moved elders waiting for a helper: still waiting (a visit does not answer it, nor a
    # pairing older than the move), and one whose new pairing was made after the move
    helper = make_volunteer(db, VILLAGE, max_pairings=10)
    for key, days_ago in (("helper_waiting", 2), ("helper_found", 1), ("helper_old_pairing", 3)):
        row = db.get(ElderSchedule, e[key].id)
        row.event_type = schedule.NEEDS_HELPER
        row.event_due_at = NOW - timedelta(days=days_ago)
    found = make_pairing(db, e["helper_found"], helper)
    found.created_at = NOW - timedelta(hours=2)
    old = make_pairing(db, e["helper_old_pairing"], helper)
    old.created_at = NOW - timedelta(days=30)
    e["dead"].status = "deceased"
    db.delete(db.get(ElderSchedule, e["no_row"].id))
    db.flush()
    return e


def _rows(db) -> dict[str, tuple]:
    db.expire_all()
    found = db.scalars(select(ElderSchedule).where(ElderSchedule.county_code == COUNTY))
    return {
        r.elder_id: (
            r.village_code,
            r.risk_level,
            r.special_difficulty,
            r.interval_days,
            r.last_visit_at.replace(microsecond=0) if r.last_visit_at else None,
            r.event_type,
            r.event_due_at.replace(microsecond=0) if r.event_due_at else None,
            r.next_due_date,
            r.reason,
        )
        for r in found
    }


def test_set_based_recompute_agrees_with_the_rules_row_for_row(db):
    e = _county(db)
    other = make_elder(db, OTHER_COUNTY_VILLAGE, name="外县")
    schedule.refresh(db, other, VisitPolicy())
    db.add(
        VisitPolicyVersion(
            county_code=COUNTY, effective_date=date(2020, 1, 1), settings=NEW_POLICY.model_dump()
        )
    )
    db.flush()
    outside_before = db.get(ElderSchedule, other.id).next_due_date

    with db.begin_nested() as sp:  # the reference: the per-elder rules, then undone
        for elder in db.scalars(select(Elder).where(Elder.county_code == COUNTY)):
            schedule.refresh(db, elder, NEW_POLICY)
        db.flush()
        expected = _rows(db)
        sp.rollback()

    n = schedule.refresh_county(db, COUNTY)
    got = _rows(db)
    assert n == len(got) == len(e) - 1  # the dead elder's row is gone, the missing one added
    assert e["dead"].id not in got
    assert e["no_row"].id in got
    assert got == expected
    # The new policy changed what counts: a phone call no longer answers a high-risk elder,
    # and the answered event is gone while the pending one stays.
    assert got[e["high_phone_only"].id][4] < NOW - timedelta(days=39)
    assert got[e["event_answered"].id][5] is None
    assert got[e["event_pending"].id][8]["code"] == "due.event"
    assert got[e["special_general"].id][8]["code"] == "due.monthly"
    assert got[e["never"].id][8] == {"code": "due.never_visited", "params": {"tier": "key"}}
    assert db.get(ElderSchedule, other.id).next_due_date == outside_before
    waiting = got[e["helper_waiting"].id]
    assert (waiting[5], waiting[8]) == ("needs_helper", {"code": "due.needs_helper", "params": {}})
    assert waiting[7] == (NOW - timedelta(days=2)).astimezone(get_settings().tz).date()
    assert got[e["helper_old_pairing"].id][5] == "needs_helper"
    assert got[e["helper_found"].id][5] is None
    assert got[e["helper_found"].id][8]["code"] == "due.tier"
    nest = {"code": "due.category", "params": {"category": "empty_nest", "days": 5}}
    assert got[e["nest_general"].id][3:9:5] == (5, nest)
    assert got[e["nest_alone_key"].id][8] == nest
    assert got[e["alone_high"].id][8]["code"] == "due.tier"  # 10 days < 15
    assert got[e["alone_key_never"].id][3] == 15
