"""Sweeps (摸底排查): progress by region, the checklist setting verified_on through the
register's write path, the list of elders not yet confirmed, the not-verified figure, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.clock import today as local_today
from eldercare.elders.models import Elder, ElderChange, RegisterPolicy
from eldercare.feed.models import Change
from eldercare.stats import service as stats
from eldercare.sweeps.service import not_verified_since
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

TODAY = local_today()
ALL_RIGHT = {
    "living_here": True,
    "contacts_right": True,
    "children_right": True,
    "categories_right": True,
}


def open_sweep(client, user, **body):
    data = {"name": "2027年春季摸底排查", "period": "spring", "starts_on": str(TODAY), **body}
    r = client.post("/api/v1/sweeps", json=data, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


def confirm(client, user, sweep_id, elder_id, checklist=None, **body):
    return client.post(
        f"/api/v1/sweeps/{sweep_id}/elders/{elder_id}/confirm",
        json={"checklist": checklist or ALL_RIGHT, **body},
        headers=auth(user),
    )


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def elders(db):
    return {
        "a": make_elder(db, name="甲", birth="1940-01-01"),
        "b": make_elder(db, name="乙", birth="1940-01-02"),
        "c": make_elder(db, OTHER_VILLAGE, name="丙", birth="1940-01-03"),
        "dead": make_elder(db, name="丁", birth="1940-01-04", status="deceased"),
        "far": make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="戊", birth="1940-01-05"),
    }


def progress(sweep):
    return {c["code"]: (c["confirmed"], c["with_issues"], c["total"]) for c in sweep["children"]}


class TestSweeps:
    def test_progress_per_village_and_the_checklist(self, client, db, township, worker, elders):
        sweep = open_sweep(client, township)
        assert sweep["region_code"] == TOWNSHIP
        assert sweep["period_label"] == "春季摸底排查（3月）"
        assert progress(sweep) == {VILLAGE: (0, 0, 2), OTHER_VILLAGE: (0, 0, 1)}
        version = elders["a"].version

        r = confirm(client, worker, sweep["id"], elders["a"].id)
        assert r.status_code == 200, r.text
        assert (r.json()["all_right"], r.json()["verified_on"]) == (True, str(TODAY))
        db.expire_all()
        a = db.get(Elder, elders["a"].id)
        assert (a.verified_on, a.version) == (TODAY, version + 1)
        change = db.scalars(
            select(ElderChange).where(ElderChange.elder_id == a.id, ElderChange.action == "verify")
        ).one()
        assert change.changes == {"verified_on": [None, str(TODAY)]}
        assert change.reason == sweep["name"]
        assert (
            db.scalars(
                select(Change.version).where(Change.resource == "elder", Change.resource_id == a.id)
            ).all()[-1]
            == a.version
        )
        assert (
            db.scalar(select(AuditEvent.action).where(AuditEvent.resource_id == a.id)) == "verify"
        )

        wrong = {**ALL_RIGHT, "contacts_right": False}
        r = confirm(client, worker, sweep["id"], elders["b"].id, wrong)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "sweep.note_required"
        r = confirm(client, worker, sweep["id"], elders["b"].id, wrong, note="儿子换了手机号")
        assert r.status_code == 200, r.text
        assert (r.json()["all_right"], r.json()["verified_on"]) == (False, None)

        got = client.get(f"/api/v1/sweeps/{sweep['id']}", headers=auth(township)).json()
        assert progress(got) == {VILLAGE: (1, 1, 2), OTHER_VILLAGE: (0, 0, 1)}
        assert got["progress"]["confirmed"] == 1
        assert got["progress"]["total"] == 3
        # the worker sees the township's sweep, with their village only
        mine = client.get(f"/api/v1/sweeps/{sweep['id']}", headers=auth(worker)).json()
        assert progress(mine) == {VILLAGE: (1, 1, 2)}
        pending = client.get(
            f"/api/v1/sweeps/{sweep['id']}/pending", headers=auth(worker), params={"count": "true"}
        ).json()
        assert [(p["id"], p["checked_with_issues"]) for p in pending["items"]] == [
            (elders["b"].id, True)
        ]
        everyone = client.get(f"/api/v1/sweeps/{sweep['id']}/pending", headers=auth(township))
        assert {p["id"] for p in everyone.json()["items"]} == {elders["b"].id, elders["c"].id}
        # fixed and confirmed again: done
        r = confirm(client, worker, sweep["id"], elders["b"].id)
        assert r.json()["all_right"] is True
        got = client.get(f"/api/v1/sweeps/{sweep['id']}", headers=auth(township)).json()
        assert progress(got)[VILLAGE] == (2, 0, 2)

    def test_deceased_or_outside_elders_and_closed_sweeps(
        self, client, db, township, worker, elders
    ):
        sweep = open_sweep(client, township, region_code=VILLAGE, period="autumn")
        r = confirm(client, worker, sweep["id"], elders["dead"].id)
        assert r.status_code == 409
        assert r.json()["code"] == "sweep.elder_not_active"
        county = make_user(db, "county_officer", COUNTY)
        assert confirm(client, county, sweep["id"], elders["c"].id).status_code == 404
        listed = client.get("/api/v1/sweeps", headers=auth(worker)).json()["items"]
        assert [s["id"] for s in listed] == [sweep["id"]]
        closed = client.post(f"/api/v1/sweeps/{sweep['id']}/close", headers=auth(township))
        assert closed.status_code == 200
        assert closed.json()["status"] == "closed"
        assert (
            client.post(f"/api/v1/sweeps/{sweep['id']}/close", headers=auth(township)).status_code
            == 409
        )
        r = confirm(client, worker, sweep["id"], elders["a"].id)
        assert r.status_code == 409
        assert r.json()["code"] == "sweep.closed"
        assert (
            client.post(f"/api/v1/sweeps/{sweep['id']}/close", headers=auth(worker)).status_code
            == 403
        )

    def test_neighbours_get_404(self, client, db, township, worker, elders):
        village_sweep = open_sweep(client, township, region_code=VILLAGE)
        township_sweep = open_sweep(client, township)
        neighbours = [
            make_user(db, "village_worker", OTHER_VILLAGE),
            make_user(db, "township_officer", OTHER_TOWNSHIP),
            make_user(db, "county_officer", OTHER_COUNTY),
        ]
        for user in neighbours:
            sid = village_sweep["id"]
            assert client.get(f"/api/v1/sweeps/{sid}", headers=auth(user)).status_code == 404
            assert (
                client.get(f"/api/v1/sweeps/{sid}/pending", headers=auth(user)).status_code == 404
            )
            assert confirm(client, user, sid, elders["a"].id).status_code == 404
            if user.role != "village_worker":
                r = client.post(f"/api/v1/sweeps/{sid}/close", headers=auth(user))
                assert r.status_code == 404
            # the township's sweep: a village of it sees it, but not another village's elders
            assert confirm(client, user, township_sweep["id"], elders["a"].id).status_code == 404
            assert sid not in {
                s["id"] for s in client.get("/api/v1/sweeps", headers=auth(user)).json()["items"]
            }
        other = neighbours[1]
        r = client.post(
            "/api/v1/sweeps",
            json={
                "name": "x",
                "period": "special",
                "starts_on": str(TODAY),
                "region_code": TOWNSHIP,
            },
            headers=auth(other),
        )
        assert r.status_code == 404
        assert (
            client.post(
                "/api/v1/sweeps",
                json={"name": "x", "period": "special", "starts_on": str(TODAY)},
                headers=auth(worker),
            ).status_code
            == 403
        )


class TestNotVerified:
    def test_the_figure_follows_the_countys_months(self, client, db, township, worker, elders):
        elders["b"].verified_on = TODAY - timedelta(days=400)
        elders["c"].verified_on = TODAY - timedelta(days=200)
        db.flush()
        sweep = open_sweep(client, township)
        confirm(client, worker, sweep["id"], elders["a"].id)
        officer = make_user(db, "county_officer", COUNTY)

        def figure(user, region):
            r = client.get("/api/v1/stats/summary", params={"region": region}, headers=auth(user))
            assert r.status_code == 200, r.text
            return r.json()["totals"]["data_quality"]["not_verified"]

        # a confirmed today; c within 12 months; b too long ago; far never
        assert figure(officer, COUNTY) == 2
        assert figure(worker, VILLAGE) == 1
        since = not_verified_since(12, TODAY)
        listed = client.get(
            "/api/v1/elders",
            params={"verified_before": str(since), "status": "active", "limit": 100},
            headers=auth(officer),
        ).json()["items"]
        assert {e["id"] for e in listed} == {elders["b"].id, elders["far"].id}
        db.add(RegisterPolicy(county_code=COUNTY, settings={"verification_months": 6}))
        db.flush()
        stats.refresh_county(db, COUNTY)
        assert figure(officer, COUNTY) == 3

    def test_months_back(self):
        from datetime import date

        assert not_verified_since(12, date(2026, 3, 31)) == date(2025, 3, 31)
        assert not_verified_since(1, date(2026, 3, 31)) == date(2026, 2, 28)
        assert not_verified_since(13, date(2026, 1, 15)) == date(2024, 12, 15)


def test_a_revealed_export_of_the_not_verified_audits_its_day(client, db, elders):
    officer = make_user(db, "county_officer", COUNTY)
    since = not_verified_since(12, TODAY)
    r = client.get(
        "/api/v1/exports/elders",
        params={"verified_before": str(since), "reveal": "true", "status": "active"},
        headers=auth(officer),
    )
    assert r.status_code == 200, r.text
    assert elders["a"].name in r.content.decode("utf-8-sig")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.detail["filters"]["verified_before"] == str(since)
