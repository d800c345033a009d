"""Logging a visit does each read once: the policies, the transaction's id for the change
feed, and the elder's region (held in the session)."""

from __future__ import annotations

from eldercare.feed.models import Change
from eldercare.followups.models import FollowUp
from sqlalchemy import event, select

from tests.factories import VILLAGE, auth, make_elder, make_user


def test_a_visit_that_finds_a_hazard_reads_each_policy_once(client, db, engine):
    worker = make_user(db, "village_worker", VILLAGE)
    elder = make_elder(db, VILLAGE)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post(
            "/api/v1/visits",
            headers=auth(worker),
            json={
                "elder_id": elder.id,
                "method": "home_visit",
                "safety_risks": ["fire_gas"],
                "follow_up": "灶台漏气，需联系燃气公司",
            },
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 201, r.text
    assert r.json()["correctable_until"]  # the window from the policy read once

    def n(fragment: str) -> int:
        return sum(1 for s in seen if fragment in s)

    assert n("FROM visit_policies") == 1
    assert n("FROM follow_up_policies") == 1
    assert n("pg_current_xact_id") <= 1  # PostgreSQL: once per transaction, not per flush
    assert n("SELECT elders.id, elders.village_code FROM elders") == 0  # held: no lookup
    # two items opened and the visit, each in the change feed in the elder's village
    items = db.scalars(select(FollowUp.id).where(FollowUp.visit_id == r.json()["id"])).all()
    assert len(items) == 2
    regions = db.scalars(
        select(Change.region_code).where(Change.resource_id.in_([*items, r.json()["id"]]))
    ).all()
    assert sorted(regions) == [VILLAGE] * 3
