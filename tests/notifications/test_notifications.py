"""The bell and the menu badges: what needs the user now, counted in the user's scope, and
imports seen on the server (nothing lost on reload)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eldercare.bulk.models import ImportJob
from eldercare.visits import schedule

from tests.clock import clock  # noqa: F401 (fixture)
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

API = "/api/v1"


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def county(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def neighbours(db):
    """A worker of the next village, an officer of another township, another county's."""
    return [
        make_user(db, "village_worker", OTHER_VILLAGE),
        make_user(db, "township_officer", OTHER_TOWNSHIP),
        make_user(db, "county_officer", OTHER_COUNTY),
    ]


def counts(client, user):
    r = client.get(f"{API}/notifications", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def report(client, user, elder):
    body = {
        "elder_id": elder.id,
        "type": "critical_illness",
        "severity": "critical",
        "description": "老人突发高烧，无人照料",
    }
    return ok(client.post(f"{API}/incidents", headers=auth(user), json=body), 201)


def escalate(client, user, incident):
    body = {"to": "escalated", "note": "乡镇无法处置"}
    return ok(
        client.post(f"{API}/incidents/{incident['id']}/transitions", headers=auth(user), json=body)
    )


def finished_job(db, user, when):
    job = ImportJob(
        resource="elders",
        format="csv",
        mode="per_row",
        dry_run=False,
        status="succeeded",
        body_sha256="-",
        body_bytes=1,
        actor_kind="user",
        actor_id=user.id,
        actor_name=user.username,
        actor_role=user.role,
        actor_region=user.region_code,
        actor_scopes=[],
        finished_at=when,
    )
    db.add(job)
    db.flush()
    return job


KEYS = [
    "incidents_escalated",
    "incidents_overdue",
    "follow_ups_overdue",
    "needs_helper",
    "imports_finished",
]


def test_nothing_needs_a_new_user(client, worker):
    got = counts(client, worker)
    assert {k: got[k] for k in KEYS} == dict.fromkeys(KEYS, 0)
    assert (got["total"], got["seen_at"]) == (0, None)


def test_an_escalation_counts_for_its_region_and_not_for_neighbours(
    client, db, worker, township, county, neighbours
):
    incident = report(client, worker, make_elder(db))
    assert counts(client, county)["incidents_escalated"] == 0
    escalate(client, township, incident)
    for user in (worker, township, county):
        got = counts(client, user)
        assert got["incidents_escalated"] == 1, user.role
        assert got["total"] >= 1
    for other in neighbours:
        assert counts(client, other)["incidents_escalated"] == 0, other.region_code


def test_overdue_incidents_and_follow_ups(client, db, worker, township, neighbours, clock):  # noqa: F811
    elder = make_elder(db)
    report(client, worker, elder)
    ok(
        client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={"elder_id": elder.id, "method": "home_visit", "safety_risks": ["fire_gas"]},
        ),
        201,
    )
    before = counts(client, township)
    assert (before["incidents_overdue"], before["follow_ups_overdue"]) == (0, 0)
    clock.advance(days=3)
    after = counts(client, township)
    assert after["incidents_overdue"] == 1
    assert after["follow_ups_overdue"] == 1
    # the same numbers as the lists they stand for
    listed = ok(client.get(f"{API}/follow-ups?overdue=true&count=true", headers=auth(township)))
    assert listed["total"] == after["follow_ups_overdue"]
    listed = ok(client.get(f"{API}/incidents?overdue=true&count=true", headers=auth(township)))
    assert listed["total"] == after["incidents_overdue"]
    for other in neighbours:
        got = counts(client, other)
        assert (got["incidents_overdue"], got["follow_ups_overdue"]) == (0, 0)


def test_elders_who_need_a_helper_after_a_move(client, db, worker, township, neighbours):
    elder = make_elder(db)
    make_elder(db)  # one who keeps a helper does not count
    schedule.needs_helper(db, elder)
    db.flush()
    assert counts(client, worker)["needs_helper"] == 1
    assert counts(client, township)["needs_helper"] == 1
    for other in neighbours:
        assert counts(client, other)["needs_helper"] == 0


def test_finished_imports_are_new_until_seen_and_stay_seen(client, db, worker, township, clock):  # noqa: F811
    finished_job(db, worker, clock.now - timedelta(minutes=5))
    running = finished_job(db, worker, None)
    running.status = "running"
    finished_job(db, township, clock.now)  # someone else's
    db.flush()
    assert counts(client, worker)["imports_finished"] == 1
    clock.advance(minutes=1)
    seen = ok(client.post(f"{API}/notifications/seen", headers=auth(worker)))
    # a reload (a new request) still knows what was seen
    got = counts(client, worker)
    assert got["imports_finished"] == 0
    assert got["seen_at"] == seen["seen_at"]
    clock.advance(minutes=1)
    running.status, running.finished_at = "failed", clock.now
    db.flush()
    assert counts(client, worker)["imports_finished"] == 1
    assert counts(client, township)["imports_finished"] == 1


def test_integration_clients_have_no_bell(client, db):
    from tests.factories import make_client

    c = make_client(db)
    assert client.get(f"{API}/notifications", headers=auth(c)).status_code == 403


def test_a_volunteer_counts_only_their_own_reports_and_no_pairing_work(
    client, db, worker, township
):
    from tests.factories import make_pairing, make_volunteer

    person = make_user(db, "volunteer", VILLAGE)
    volunteer = make_volunteer(db, user=person)
    paired, other = make_elder(db), make_elder(db)
    make_pairing(db, paired, volunteer, primary=True)
    escalate(client, township, report(client, worker, paired))  # the worker's report
    escalate(client, township, report(client, worker, other))
    schedule.needs_helper(db, other)
    db.flush()
    got = counts(client, person)
    assert (got["incidents_escalated"], got["needs_helper"]) == (0, 0)
    mine = report(client, person, paired)
    escalate(client, township, mine)
    assert counts(client, person)["incidents_escalated"] == 1
    assert counts(client, worker)["incidents_escalated"] == 3
