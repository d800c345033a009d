"""Visit rates against a hand-counted township."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eldercare.clock import today as local_today

from tests.factories import (
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
    make_volunteer,
)


def test_township_rates_match_a_hand_count(client, db):
    officer = make_user(db, "township_officer", TOWNSHIP)
    today = local_today()
    a = make_elder(
        db,
        VILLAGE,
        name="甲",
        living_arrangement="alone",
        guardians=[
            {"name": "甲子", "relation": "son", "last_contact_date": today - timedelta(days=60)}
        ],
    )
    b = make_elder(db, VILLAGE, name="乙", living_arrangement="alone")
    c = make_elder(
        db,
        OTHER_VILLAGE,
        name="丙",
        living_arrangement="with_children",
        guardians=[{"name": "丙女", "relation": "daughter", "last_contact_date": today}],
    )
    d = make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="丁", living_arrangement="alone")
    helper = make_volunteer(db, VILLAGE, name="帮扶人")
    h = auth(officer)
    now = datetime.now(UTC)
    for body in (
        {"elder_id": a.id, "method": "home_visit"},
        {
            "elder_id": b.id,
            "method": "phone",
            "visited_at": (now - timedelta(days=100)).isoformat(),
        },
        {"elder_id": c.id, "method": "home_visit", "volunteer_id": helper.id},
    ):
        assert client.post("/api/v1/visits", headers=h, json=body).status_code == 201
    other_officer = make_user(db, "township_officer", OTHER_TOWNSHIP)
    client.post(
        "/api/v1/visits",
        headers=auth(other_officer),
        json={"elder_id": d.id, "method": "home_visit"},
    )

    r = client.get("/api/v1/visit-rates", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    t = body["totals"]
    assert (t["elders"], t["special_difficulty"], t["special_visited"]) == (3, 2, 1)
    assert t["monthly_visit_rate"] == 0.5
    assert t["visited_in_month"] == 2
    assert t["overdue"] == 1  # 乙: last visit 100 days ago
    # the township home's two 到期未探访 counts are one count
    listed = client.get("/api/v1/worklist", headers=h, params={"overdue": True, "count": True})
    assert listed.json()["total"] == t["overdue"]
    assert [i["elder_id"] for i in listed.json()["items"]] == [b.id]
    assert t["within_interval_rate"] == round(2 / 3, 4)
    assert t["guardians_out_of_contact"] == 1
    by_code = {row["code"]: row for row in body["children"]}
    assert set(by_code) == {VILLAGE, OTHER_VILLAGE}
    assert by_code[VILLAGE]["special_difficulty"] == 2
    assert by_code[OTHER_VILLAGE]["monthly_visit_rate"] is None
    assert by_code[VILLAGE]["name"] == "南风坳村委会"
    assert body["helpers"] == [
        {"volunteer_id": helper.id, "name": "帮扶人", "visits": 1, "elders_visited": 1}
    ]

    past = client.get(
        f"/api/v1/visit-rates?month={(today.replace(day=1) - timedelta(days=1)).strftime('%Y-%m')}",
        headers=h,
    ).json()
    assert past["totals"]["visited_in_month"] == 0  # the only older visit was 100 days ago


def test_other_township_gets_404_and_village_sees_its_own(client, db):
    other = make_user(db, "township_officer", OTHER_TOWNSHIP)
    assert (
        client.get(f"/api/v1/visit-rates?region={TOWNSHIP}", headers=auth(other)).status_code == 404
    )
    worker = make_user(db, "village_worker", VILLAGE)
    make_elder(db, VILLAGE, living_arrangement="alone")
    r = client.get("/api/v1/visit-rates", headers=auth(worker)).json()
    assert r["totals"]["elders"] == 1
    assert r["totals"]["monthly_visit_rate"] == 0.0


def test_this_months_visits_count_whatever_the_policy_counts_for_the_schedule(client, db):
    """Read from the schedules (every method qualifies) or from the visits (the policy
    counts only home visits): a phone call this month is a visit this month either way."""
    officer = make_user(db, "township_officer", TOWNSHIP)
    county = make_user(db, "county_officer", VILLAGE[:6])
    elder = make_elder(db, VILLAGE, name="电话", living_arrangement="alone")
    h = auth(officer)
    assert (
        client.post(
            "/api/v1/visits", headers=h, json={"elder_id": elder.id, "method": "phone"}
        ).status_code
        == 201
    )
    before = client.get("/api/v1/visit-rates", headers=h).json()["totals"]
    assert (before["elders"], before["visited_in_month"], before["special_visited"]) == (1, 1, 1)
    home_only = {
        "tiers": {
            t: {"interval_days": d, "methods": ["home_visit"]}
            for t, d in (("high", 7), ("key", 30), ("general", 90))
        }
    }
    r = client.put("/api/v1/policies/visits", headers=auth(county), json=home_only)
    assert r.status_code == 200, r.text
    after = client.get("/api/v1/visit-rates", headers=h).json()["totals"]
    assert (after["elders"], after["visited_in_month"], after["special_visited"]) == (1, 1, 1)
