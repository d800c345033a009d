"""Open work follows its elder: after a move to a village of another township, every kind of
row that belongs to the elder answers 404 to the old village and township and is absent
from their lists, while the new village and township read it and act on it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from eldercare.clock import today as local_today
from eldercare.db import Base
from eldercare.elders import follow
from eldercare.feed.models import Change
from eldercare.visits.models import ElderSchedule
from eldercare.volunteers.models import Pairing
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
    make_volunteer,
)

TODAY = local_today()
OLD_VILLAGE, OLD_TOWNSHIP = VILLAGE, TOWNSHIP
NEW_VILLAGE, NEW_TOWNSHIP = OTHER_TOWNSHIP_VILLAGE, OTHER_TOWNSHIP
POLICY = {
    "minimum_living_standard": "560",
    "deposit_limit_per_capita": "30000",
    "extreme_poverty_basic": "730",
    "disposable_income_prev_year": "18000",
    "old_age_tiers": [{"min_age": 80, "monthly_amount": "60"}],
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


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def etag(version) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def people(db):
    return {
        "old_worker": make_user(db, "village_worker", OLD_VILLAGE),
        "old_officer": make_user(db, "township_officer", OLD_TOWNSHIP),
        "new_worker": make_user(db, "village_worker", NEW_VILLAGE),
        "new_officer": make_user(db, "township_officer", NEW_TOWNSHIP),
        "county": make_user(db, "county_officer", COUNTY),
    }


def old_ones(people):
    return [people["old_worker"], people["old_officer"]]


def new_ones(people):
    return [people["new_worker"], people["new_officer"]]


def move(client, people, elder_id, village=NEW_VILLAGE):
    version = ok(client.get(f"/api/v1/elders/{elder_id}", headers=auth(people["county"])))
    return ok(
        client.post(
            f"/api/v1/elders/{elder_id}/move",
            headers={**auth(people["county"]), **etag(version["version"])},
            json={"village_code": village, "reason": "投靠女儿"},
        )
    )


@pytest.fixture
def moved(client, db, people):
    """An elder of the old village with one of everything, made through the API by the old
    village and township, then moved by the county to a village of another township."""
    worker, officer = people["old_worker"], people["old_officer"]
    ok(
        client.put(
            "/api/v1/policies/relief",
            headers={**auth(people["county"]), "If-Match": '"0"'},
            json=POLICY,
        )
    )
    elder = make_elder(
        db, OLD_VILLAGE, name="迁居甲", birth=str(TODAY.replace(year=TODAY.year - 85))
    )
    w = auth(worker)
    guardian = ok(
        client.post(
            f"/api/v1/elders/{elder.id}/guardians",
            headers=w,
            json={"name": "女儿乙", "relation": "daughter"},
        ),
        201,
    )
    visit = ok(
        client.post(
            "/api/v1/visits",
            headers=w,
            json={"elder_id": elder.id, "method": "home_visit", "safety_risks": ["fire_gas"]},
        ),
        201,
    )
    follow_up = ok(client.get(f"/api/v1/elders/{elder.id}/follow-ups", headers=w))["items"][0]
    assert (follow_up["owner_type"], follow_up["owner_id"]) == ("village_worker", worker.id)
    incident = ok(
        client.post(
            "/api/v1/incidents",
            headers=w,
            json={
                "elder_id": elder.id,
                "type": "critical_illness",
                "severity": "critical",
                "description": "突发高烧",
            },
        ),
        201,
    )
    county_helper = make_volunteer(db, COUNTY, name="全县志愿者")
    village_helper = make_volunteer(db, OLD_VILLAGE, name="本村帮扶人")
    stays = ok(
        client.post(
            "/api/v1/pairings",
            headers=auth(people["county"]),
            json={"elder_id": elder.id, "volunteer_id": county_helper.id},
        ),
        201,
    )
    ends = ok(
        client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": elder.id, "volunteer_id": village_helper.id, "is_primary": True},
        ),
        201,
    )
    ok(
        client.put(
            f"/api/v1/elders/{elder.id}/relief-facts",
            headers={**w, "If-Match": '"0"'},
            json=POOR,
        )
    )
    benefit = ok(
        client.post(
            f"/api/v1/elders/{elder.id}/benefits",
            headers=w,
            json={
                "program": "medical_assistance",
                "start_date": "2025-01-01",
                "source": "civil_affairs_roster",
            },
        ),
        201,
    )
    sweep = ok(
        client.post(
            "/api/v1/sweeps",
            headers=auth(people["county"]),
            json={"name": "春季摸底排查", "period": "spring", "starts_on": str(TODAY)},
        ),
        201,
    )
    ok(
        client.post(
            f"/api/v1/sweeps/{sweep['id']}/elders/{elder.id}/confirm",
            headers=w,
            json={
                "checklist": {
                    "living_here": True,
                    "contacts_right": True,
                    "children_right": True,
                    "categories_right": True,
                }
            },
        )
    )
    roster = ok(
        client.post(
            "/api/v1/rosters",
            params={"kind": "deaths"},
            headers={**auth(people["county"]), "Content-Type": "text/csv"},
            content=f"身份证号,死亡日期\n{elder.id_number},2026-11-01\n".encode(),
        )
    )
    assert roster["by_kind"][0]["count"] == 1
    # before the move the old region has all of it (so the checks below can fail)
    gaps = ok(client.get("/api/v1/eligibility/gaps", headers=w))
    assert elder.id in {i["elder_id"] for i in gaps["items"]}
    assert ok(client.get(f"/api/v1/incidents/{incident['id']}", headers=auth(officer)))
    changes_before = db.scalar(select(Change.id).order_by(Change.id.desc()).limit(1)) or 0
    move(client, people, elder.id)
    return {
        "elder": elder.id,
        "guardian": guardian["id"],
        "visit": visit["id"],
        "follow_up": follow_up["id"],
        "incident": incident["id"],
        "pairing_stays": stays["id"],
        "pairing_ends": ends["id"],
        "benefit": benefit["id"],
        "village_helper": village_helper,
        "changes_before": changes_before,
    }


def status(client, user, path):
    return client.get(path, headers=auth(user)).status_code


def listed(client, user, path, key="id"):
    body = ok(client.get(path, headers=auth(user)))
    items = body["items"] if isinstance(body, dict) else body
    return {i[key] for i in items}


def assert_follows(client, people, one: str, many: str, item_id: str, key: str = "id"):
    """GET ``one``: 404 for the old region, 200 for the new; ``many`` lists it only for the new."""
    for user in old_ones(people):
        assert status(client, user, one) == 404, (user.role, one)
        assert item_id not in listed(client, user, many, key), (user.role, many)
    for user in new_ones(people):
        assert status(client, user, one) == 200, (user.role, one)
        assert item_id in listed(client, user, many, key), (user.role, many)


# ----------------------------------------------------------------------------- every resource


def test_elder(client, people, moved):
    e = moved["elder"]
    assert_follows(client, people, f"/api/v1/elders/{e}", "/api/v1/elders?limit=200", e)
    for user in old_ones(people):
        r = client.patch(
            f"/api/v1/elders/{e}", headers={**auth(user), **etag(1)}, json={"notes": "x"}
        )
        assert r.status_code == 404
    version = ok(client.get(f"/api/v1/elders/{e}", headers=auth(people["new_worker"])))["version"]
    ok(
        client.patch(
            f"/api/v1/elders/{e}",
            headers={**auth(people["new_worker"]), **etag(version)},
            json={"notes": "新村已入户"},
        )
    )


def test_visits(client, people, moved):
    e, v = moved["elder"], moved["visit"]
    assert_follows(client, people, f"/api/v1/visits/{v}", f"/api/v1/visits?elder_id={e}", v)
    for user in old_ones(people):
        assert status(client, user, f"/api/v1/elders/{e}/visits") == 404
        r = client.patch(
            f"/api/v1/visits/{v}", headers={**auth(user), **etag(2)}, json={"notes": "x"}
        )
        assert r.status_code == 404
        r = client.post(
            "/api/v1/visits", headers=auth(user), json={"elder_id": e, "method": "phone"}
        )
        assert r.status_code == 404
    for user in new_ones(people):
        assert v in listed(client, user, f"/api/v1/elders/{e}/visits")
    got = ok(client.get(f"/api/v1/visits/{v}", headers=auth(people["new_officer"])))
    assert got["village_code"] == NEW_VILLAGE
    ok(
        client.patch(
            f"/api/v1/visits/{v}",
            headers={**auth(people["new_officer"]), **etag(got["version"])},
            json={"notes": "新乡镇更正"},
        )
    )
    ok(
        client.post(
            "/api/v1/visits",
            headers=auth(people["new_worker"]),
            json={"elder_id": e, "method": "home_visit"},
        ),
        201,
    )


def test_incidents(client, people, moved):
    i = moved["incident"]
    assert_follows(client, people, f"/api/v1/incidents/{i}", "/api/v1/incidents?open=true", i)
    for user in old_ones(people):
        r = client.patch(
            f"/api/v1/incidents/{i}", headers={**auth(user), **etag(1)}, json={"description": "x"}
        )
        assert r.status_code == 404
        r = client.post(
            f"/api/v1/incidents/{i}/transitions", headers=auth(user), json={"to": "acknowledged"}
        )
        assert r.status_code == 404
    got = ok(client.get(f"/api/v1/incidents/{i}", headers=auth(people["new_worker"])))
    assert (got["village_code"], got["status"]) == (NEW_VILLAGE, "reported")
    got = ok(
        client.patch(
            f"/api/v1/incidents/{i}",
            headers={**auth(people["new_worker"]), **etag(got["version"])},
            json={"description": "突发高烧，已送医"},
        )
    )
    got = ok(
        client.post(
            f"/api/v1/incidents/{i}/transitions",
            headers=auth(people["new_officer"]),
            json={"to": "acknowledged"},
        )
    )
    assert got["status"] == "acknowledged"


def test_pairings(client, people, moved):
    e, p = moved["elder"], moved["pairing_stays"]
    assert_follows(
        client, people, f"/api/v1/pairings/{p}", f"/api/v1/pairings?elder_id={e}&state=all", p
    )
    for user in old_ones(people):
        r = client.patch(
            f"/api/v1/pairings/{p}", headers={**auth(user), **etag(1)}, json={"services": []}
        )
        assert r.status_code == 404
        assert status(client, user, f"/api/v1/pairings/{moved['pairing_ends']}") == 404
    got = ok(client.get(f"/api/v1/pairings/{p}", headers=auth(people["new_worker"])))
    assert got["end_date"] is None  # a county-wide helper stays
    ok(
        client.patch(
            f"/api/v1/pairings/{p}",
            headers={**auth(people["new_worker"]), **etag(got["version"])},
            json={"services": ["companionship"]},
        )
    )


def test_schedule_and_worklist(client, people, moved):
    e = moved["elder"]
    wl = "/api/v1/worklist?due_within_days=366&limit=200"
    for user in old_ones(people):
        assert e not in listed(client, user, wl, "elder_id")
        r = client.post(f"/api/v1/elders/{e}/events", headers=auth(user), json={"type": "other"})
        assert r.status_code == 404
    for user in new_ones(people):
        assert e in listed(client, user, wl, "elder_id")
    ok(
        client.post(
            f"/api/v1/elders/{e}/events",
            headers=auth(people["new_worker"]),
            json={"type": "hospitalisation"},
        ),
        201,
    )


def test_relief_screening(client, people, moved):
    e = moved["elder"]
    gaps = "/api/v1/eligibility/gaps?limit=200"
    for user in old_ones(people):
        assert e not in listed(client, user, gaps, "elder_id")
    for user in new_ones(people):
        assert e in listed(client, user, gaps, "elder_id")
    # the new village acts on it: a benefit closes the gap at once
    ok(
        client.post(
            f"/api/v1/elders/{e}/benefits",
            headers=auth(people["new_worker"]),
            json={
                "program": "minimum_living_allowance",
                "start_date": str(TODAY),
                "source": "civil_affairs_roster",
            },
        ),
        201,
    )
    path = "/api/v1/eligibility/gaps?program=minimum_living_allowance"
    assert e not in listed(client, people["new_worker"], path, "elder_id")


def test_relief_facts_and_eligibility(client, people, moved):
    e = moved["elder"]
    for path in (
        f"/api/v1/elders/{e}/relief-facts",
        f"/api/v1/elders/{e}/relief-facts/versions",
        f"/api/v1/elders/{e}/eligibility",
    ):
        for user in old_ones(people):
            assert status(client, user, path) == 404
        for user in new_ones(people):
            assert status(client, user, path) == 200
    for user in old_ones(people):
        r = client.put(
            f"/api/v1/elders/{e}/relief-facts", headers={**auth(user), "If-Match": '"1"'}, json=POOR
        )
        assert r.status_code == 404
    ok(
        client.put(
            f"/api/v1/elders/{e}/relief-facts",
            headers={**auth(people["new_worker"]), "If-Match": '"1"'},
            json={**POOR, "houses": 0},
        )
    )


def test_benefits(client, people, moved):
    e, b = moved["elder"], moved["benefit"]
    for user in old_ones(people):
        assert status(client, user, f"/api/v1/benefits/{b}") == 404
        assert status(client, user, f"/api/v1/elders/{e}/benefits") == 404
        r = client.patch(
            f"/api/v1/benefits/{b}", headers={**auth(user), **etag(1)}, json={"notes": "x"}
        )
        assert r.status_code == 404
        r = client.post(
            f"/api/v1/benefits/{b}/end",
            headers={**auth(user), **etag(1)},
            json={"end_date": str(TODAY), "reason": "other"},
        )
        assert r.status_code == 404
    for user in new_ones(people):
        assert status(client, user, f"/api/v1/benefits/{b}") == 200
        assert b in listed(client, user, f"/api/v1/elders/{e}/benefits")
    got = ok(
        client.patch(
            f"/api/v1/benefits/{b}",
            headers={**auth(people["new_worker"]), **etag(1)},
            json={"notes": "新村核实"},
        )
    )
    ok(
        client.post(
            f"/api/v1/benefits/{b}/end",
            headers={**auth(people["new_worker"]), **etag(got["version"])},
            json={"end_date": str(TODAY), "reason": "other"},
        )
    )


def test_follow_ups(client, people, moved):
    """The open hazard goes with the elder: the old village's worker no longer holds it, the
    new village's workers do and close it."""
    e, f = moved["elder"], moved["follow_up"]
    assert_follows(client, people, f"/api/v1/follow-ups/{f}", "/api/v1/follow-ups", f)
    for user in old_ones(people):
        assert status(client, user, f"/api/v1/elders/{e}/follow-ups") == 404
        r = client.post(
            f"/api/v1/follow-ups/{f}/transitions", headers=auth(user), json={"to": "in_progress"}
        )
        assert r.status_code == 404
    item = ok(client.get(f"/api/v1/follow-ups/{f}", headers=auth(people["new_worker"])))
    assert item["village_code"] == NEW_VILLAGE
    assert (item["owner_type"], item["owner_id"]) == ("village_worker", None)
    assert item["history"][-1]["action"] == "assigned"
    mine = ok(client.get("/api/v1/follow-ups?mine=true", headers=auth(people["new_worker"])))[
        "items"
    ]
    assert [i["id"] for i in mine] == [f]
    done = ok(
        client.post(
            f"/api/v1/follow-ups/{f}/transitions",
            headers=auth(people["new_worker"]),
            json={"to": "resolved", "note": "已更换燃气软管"},
        )
    )
    assert done["status"] == "resolved"


def test_guardians(client, people, moved):
    e, g = moved["elder"], moved["guardian"]
    for user in old_ones(people):
        assert status(client, user, f"/api/v1/guardians/{g}") == 404
        assert status(client, user, f"/api/v1/elders/{e}/guardians") == 404
        r = client.patch(
            f"/api/v1/guardians/{g}", headers={**auth(user), **etag(1)}, json={"notes": "x"}
        )
        assert r.status_code == 404
    for user in new_ones(people):
        assert status(client, user, f"/api/v1/guardians/{g}") == 200
        assert g in listed(client, user, f"/api/v1/elders/{e}/guardians")
    ok(
        client.patch(
            f"/api/v1/guardians/{g}",
            headers={**auth(people["new_worker"]), **etag(1)},
            json={"work_location": "广东东莞"},
        )
    )


def test_history(client, people, moved):
    e = moved["elder"]
    for user in old_ones(people):
        assert status(client, user, f"/api/v1/elders/{e}/history") == 404
    for user in new_ones(people):
        entries = ok(client.get(f"/api/v1/elders/{e}/history", headers=auth(user)))["items"]
        moves = [c for c in entries if c["action"] == "move"]
        assert moves
        assert moves[0]["changes"]["village_code"] == [OLD_VILLAGE, NEW_VILLAGE]


def test_the_move_in_words_names_the_villages_and_no_internal_id(client, db, people, moved):
    from eldercare.regions.models import Region

    names = [db.get(Region, code).name for code in (OLD_VILLAGE, NEW_VILLAGE)]
    user = next(iter(new_ones(people)))
    entries = ok(client.get(f"/api/v1/elders/{moved['elder']}/history", headers=auth(user)))
    move = next(c for c in entries["items"] if c["action"] == "move")
    words = {w["field"]: w for w in move["changes_in_words"]}
    assert [words["village_code"]["old"], words["village_code"]["new"]] == names
    assert "household_id" not in words  # an internal reference, not a value to read
    shown = " ".join(f"{w['old']} {w['new']}" for w in move["changes_in_words"])
    assert OLD_VILLAGE not in shown
    assert NEW_VILLAGE not in shown


def test_every_follower_row_carries_the_new_village(db, moved):
    """Whatever the registry lists: no row of the elder keeps the old village."""
    for f in follow.FOLLOWERS:
        t = Base.metadata.tables[f.table]
        rows = db.execute(
            select(t.c[f.region_column]).where(t.c[f.elder_column] == moved["elder"])
        ).all()
        assert rows, f.table  # the fixture made one of each
        assert {r[0] for r in rows} == {NEW_VILLAGE}, f.table


def test_change_feed_tells_both_regions(client, db, people, moved):
    """After the move the feed has, for the elder and its guardians, pairings and visits
    (made before they were in the new village's scope), a row in the new village's scope
    and one in the old village's, where re-reading them answers 404.

    Read from the table with the feed's own scope clause: on PostgreSQL the feed serves only
    committed transactions, and the test's is rolled back (tests/bulk covers the reading)."""
    from eldercare.scope import Scope

    objects = {
        ("elder", moved["elder"]),
        ("guardian", moved["guardian"]),
        ("visit", moved["visit"]),
        ("pairing", moved["pairing_stays"]),
        ("pairing", moved["pairing_ends"]),
    }

    def feed(region):
        rows = db.execute(
            select(Change.resource, Change.resource_id).where(
                Change.id > moved["changes_before"], Scope(region).clause(Change.region_code)
            )
        ).all()
        return {(r[0], r[1]) for r in rows}

    assert objects <= feed(NEW_VILLAGE)
    assert objects <= feed(OLD_VILLAGE)
    assert status(client, people["old_worker"], f"/api/v1/guardians/{moved['guardian']}") == 404
    if db.get_bind().dialect.name == "sqlite":  # and through the API
        body = client.get(
            f"/api/v1/changes?since=0_{moved['changes_before']}&limit=500",
            headers=auth(people["new_worker"]),
        ).json()
        assert objects <= {(i["resource"], i["id"]) for i in body["items"]}


# ------------------------------------------------------------------- pairings and worklist


def test_old_village_helper_is_unpaired_and_the_new_village_told(client, db, people, moved):
    e = moved["elder"]
    ended = ok(
        client.get(f"/api/v1/pairings/{moved['pairing_ends']}", headers=auth(people["new_worker"]))
    )
    assert ended["end_date"] == str(TODAY)
    assert ended["end_reason"] == "moved"
    stays = ok(
        client.get(f"/api/v1/pairings/{moved['pairing_stays']}", headers=auth(people["new_worker"]))
    )
    assert stays["end_date"] is None
    assert stays["end_reason"] == ""

    wl = "/api/v1/worklist?due_within_days=0&limit=200"
    for lang, words in (
        ("zh-CN", "迁入本村，原结对帮扶已解除，须安排新的帮扶人"),
        ("en", "moved here and their pairing ended: a new helper is needed"),
    ):
        items = ok(client.get(wl, headers=auth(people["new_worker"], lang)))["items"]
        (item,) = [i for i in items if i["elder_id"] == e]
        assert item["event_type"] == "needs_helper"
        assert item["reason"] == words
        assert item["next_due_date"] <= str(TODAY)

    # a visit does not answer it; a new helper does
    ok(
        client.post(
            "/api/v1/visits",
            headers=auth(people["new_worker"]),
            json={"elder_id": e, "method": "home_visit"},
        ),
        201,
    )
    items = ok(client.get(wl, headers=auth(people["new_worker"])))["items"]
    assert [i["event_type"] for i in items if i["elder_id"] == e] == ["needs_helper"]
    helper = make_volunteer(db, NEW_VILLAGE, name="新村帮扶人")
    ok(
        client.post(
            "/api/v1/pairings",
            headers=auth(people["new_officer"]),
            json={"elder_id": e, "volunteer_id": helper.id, "is_primary": True},
        ),
        201,
    )
    row = db.get(ElderSchedule, e)
    db.refresh(row)
    assert row.event_type is None
    assert row.reason["code"] != "due.needs_helper"
    assert e not in listed(client, people["new_worker"], wl, "elder_id")


def test_old_village_helper_login_loses_the_elder(client, db, people):
    login = make_user(db, "volunteer", OLD_VILLAGE)
    helper = make_volunteer(db, OLD_VILLAGE, user=login)
    elder = make_elder(db, OLD_VILLAGE)
    db.add(
        Pairing(elder_id=elder.id, volunteer_id=helper.id, services=[], start_date=date(2026, 1, 1))
    )
    db.flush()
    assert status(client, login, f"/api/v1/elders/{elder.id}") == 200
    move(client, people, elder.id)
    assert status(client, login, f"/api/v1/elders/{elder.id}") == 404


@pytest.mark.parametrize(
    ("helper_region", "stays"),
    [
        (NEW_VILLAGE, True),
        (NEW_TOWNSHIP, True),
        (COUNTY, True),
        (OLD_VILLAGE, False),
        (OLD_TOWNSHIP, False),
    ],
)
def test_which_pairings_stay(client, db, people, helper_region, stays):
    elder = make_elder(db, OLD_VILLAGE)
    helper = make_volunteer(db, helper_region)
    p = Pairing(elder_id=elder.id, volunteer_id=helper.id, services=[], start_date=date(2026, 1, 1))
    db.add(p)
    db.flush()
    move(client, people, elder.id)
    db.refresh(p)
    assert (p.end_date is None) is stays
    assert p.end_reason == ("" if stays else "moved")
    row = db.get(ElderSchedule, elder.id)
    db.refresh(row)
    assert (row.event_type == "needs_helper") is (not stays)


def test_no_pairing_no_notice_and_a_move_within_the_village_changes_nothing(client, db, people):
    elder = make_elder(db, OLD_VILLAGE)
    move(client, people, elder.id)
    row = db.get(ElderSchedule, elder.id)
    db.refresh(row)
    assert row.event_type is None
    assert row.village_code == NEW_VILLAGE


def test_the_pairing_end_is_audited(client, db, people, moved):
    from eldercare.audit.models import AuditEvent

    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.resource == "pairing", AuditEvent.resource_id == moved["pairing_ends"]
        )
    ).all()
    assert [e.action for e in events][-1] == "update"
    assert events[-1].detail == {"reason": "moved", "elder_id": moved["elder"]}
    assert events[-1].region_code == NEW_VILLAGE


# ----------------------------------------------------------------------------- the registry


def test_every_table_with_an_elder_and_a_region_follows():
    """A new table keyed by an elder must say how it follows a move: in ``FOLLOWERS`` if it
    keeps a region code of its own, else in ``SCOPED_THROUGH_ELDER``."""
    import eldercare.models  # noqa: F401

    region_columns = {"village_code", "township_code", "county_code", "region_code"}
    followers = {f.table for f in follow.FOLLOWERS}
    for name, table in Base.metadata.tables.items():
        columns = set(table.c.keys())
        if "elder_id" not in columns:
            continue
        if name in follow.REGION_HISTORY:  # where the elder was: a move adds a period
            assert columns & region_columns
        elif columns & region_columns:
            assert name in followers, f"{name} keeps a region: add it to follow.FOLLOWERS"
        else:
            assert name in follow.SCOPED_THROUGH_ELDER, (
                f"{name}: add it to follow.FOLLOWERS or follow.SCOPED_THROUGH_ELDER"
            )
    for f in follow.FOLLOWERS:
        table = Base.metadata.tables[f.table]
        assert {f.elder_column, f.region_column} <= set(table.c.keys()), f.table
    assert not followers & follow.SCOPED_THROUGH_ELDER
    assert not followers & follow.REGION_HISTORY


def test_rekey_is_set_based_and_leaves_other_elders_alone(client, db, people):
    mover = make_elder(db, OLD_VILLAGE, name="甲")
    stayer = make_elder(db, OLD_VILLAGE, name="乙")
    move(client, people, mover.id)
    assert db.get(ElderSchedule, stayer.id).village_code == OLD_VILLAGE
    # nothing left to do: a second call changes no row
    assert set(follow.rekey(db, [mover.id, stayer.id]).values()) == {0}


def test_a_bulk_import_that_changes_the_village_moves_the_open_work(client, db, people):
    worker = people["old_worker"]
    elder = make_elder(db, OLD_VILLAGE, name="导入甲")
    incident = ok(
        client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={
                "elder_id": elder.id,
                "type": "accident",
                "severity": "high",
                "description": "摔伤",
            },
        ),
        201,
    )
    body = [{"id_number": elder.id_number, "name": elder.name, "village_code": NEW_VILLAGE}]
    r = client.post(
        "/api/v1/imports/elders",
        headers={**auth(people["county"]), "Content-Type": "application/json"},
        content=json.dumps(body).encode(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1, r.text
    assert status(client, people["old_officer"], f"/api/v1/incidents/{incident['id']}") == 404
    assert status(client, people["new_officer"], f"/api/v1/incidents/{incident['id']}") == 200
