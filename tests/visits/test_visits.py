"""Logging visits: who may log for whom, impossible dates, editing rights, the emergency prompt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.visits.models import Visit
from sqlalchemy import select

from tests.factories import (
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def body(elder, **over):
    b = {
        "elder_id": elder.id,
        "method": "home_visit",
        "findings": {"health": "血压偏高", "living_conditions": "屋内整洁"},
        "services": ["blood_pressure_glucose", "cleaning"],
        "needs": ["medical"],
        "guardian_contacted": True,
    }
    b.update(over)
    return b


class TestLog:
    def test_worker_logs_a_home_visit(self, client, db, worker):
        e = make_elder(db)
        r = client.post("/api/v1/visits", headers=auth(worker), json=body(e))
        assert r.status_code == 201, r.text
        v = r.json()
        assert v["user_id"] == worker.id
        assert v["services"] == ["blood_pressure_glucose", "cleaning"]
        assert v["prompt"] is None
        assert (
            client.get(f"/api/v1/elders/{e.id}/visits", headers=auth(worker)).json()["items"][0][
                "id"
            ]
            == v["id"]
        )
        assert db.scalar(
            select(AuditEvent).where(
                AuditEvent.resource == "visit", AuditEvent.resource_id == v["id"]
            )
        )

    def test_future_visit_is_refused(self, client, db, worker):
        e = make_elder(db)
        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        r = client.post("/api/v1/visits", headers=auth(worker), json=body(e, visited_at=later))
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "visit.future"

    @pytest.mark.parametrize(
        "when", ["1950-03-14T23:00:00+08:00", "1900-01-01T08:00:00", "0001-01-01T00:00:00+14:00"]
    )
    def test_visit_before_birth_is_refused(self, client, db, worker, when):
        e = make_elder(db, birth="1950-03-15")
        r = client.post("/api/v1/visits", headers=auth(worker), json=body(e, visited_at=when))
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "visit.before_birth"
        assert r.json()["errors"][0]["loc"] == ["body", "visited_at"]

    def test_visit_corrected_to_before_birth_is_refused(self, client, db, worker):
        e = make_elder(db, birth="1950-03-15")
        v = client.post("/api/v1/visits", headers=auth(worker), json=body(e))
        assert v.status_code == 201, v.text
        r = client.patch(
            f"/api/v1/visits/{v.json()['id']}",
            headers={**auth(worker), "If-Match": v.headers["etag"]},
            json={"visited_at": "1949-12-31T12:00:00+08:00"},
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "visit.before_birth"
        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        r = client.patch(
            f"/api/v1/visits/{v.json()['id']}",
            headers={**auth(worker), "If-Match": v.headers["etag"]},
            json={"visited_at": later},
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "visit.future"

    def test_visit_after_death_is_refused(self, client, db, worker):
        e = make_elder(db, status="deceased", status_date=date(2026, 3, 1))
        r = client.post(
            "/api/v1/visits",
            headers=auth(worker),
            json=body(e, visited_at="2026-04-01T10:00:00+08:00"),
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "visit.after_deceased"
        ok = client.post(
            "/api/v1/visits",
            headers=auth(worker),
            json=body(e, visited_at="2026-02-20T10:00:00+08:00"),
        )
        assert ok.status_code == 201

    def test_severe_danger_prompts_an_emergency_report(self, client, db, worker):
        e = make_elder(db)
        r = client.post(
            "/api/v1/visits",
            headers=auth(worker),
            json=body(e, findings={"health": "摔倒在地", "danger": "severe"}),
        )
        assert r.json()["prompt"]["code"] == "visit.report_emergency"
        assert "紧急" in r.json()["prompt"]["message"]

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404(self, client, db, worker, role, region):
        e = make_elder(db)
        v = client.post("/api/v1/visits", headers=auth(worker), json=body(e)).json()
        other = make_user(db, role, region)
        assert client.post("/api/v1/visits", headers=auth(other), json=body(e)).status_code == 404
        assert client.get(f"/api/v1/visits/{v['id']}", headers=auth(other)).status_code == 404
        assert client.get(f"/api/v1/elders/{e.id}/visits", headers=auth(other)).status_code == 404
        r = client.patch(
            f"/api/v1/visits/{v['id']}",
            headers={**auth(other), "If-Match": '"1"'},
            json={"notes": "x"},
        )
        assert r.status_code == 404
        assert v["id"] not in [
            i["id"] for i in client.get("/api/v1/visits", headers=auth(other)).json()["items"]
        ]


class TestVolunteers:
    def test_volunteer_logs_for_a_paired_elder_only(self, client, db):
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        mine, other = make_elder(db, name="甲"), make_elder(db, name="乙")
        make_pairing(db, mine, v)
        r = client.post("/api/v1/visits", headers=auth(login), json=body(mine, method="phone"))
        assert r.status_code == 201
        assert r.json()["volunteer_id"] == v.id
        assert (
            client.post("/api/v1/visits", headers=auth(login), json=body(other)).status_code == 404
        )

    def test_volunteer_sees_only_visits_of_paired_elders(self, client, db, worker):
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        mine, other = make_elder(db, name="甲"), make_elder(db, name="乙")
        make_pairing(db, mine, v)
        client.post("/api/v1/visits", headers=auth(worker), json=body(other))
        client.post("/api/v1/visits", headers=auth(worker), json=body(mine))
        items = client.get("/api/v1/visits", headers=auth(login)).json()["items"]
        assert {i["elder_id"] for i in items} == {mine.id}


class TestEditing:
    def test_author_edits_within_the_window(self, client, db, worker):
        e = make_elder(db)
        v = client.post("/api/v1/visits", headers=auth(worker), json=body(e)).json()
        r = client.patch(
            f"/api/v1/visits/{v['id']}",
            headers={**auth(worker), "If-Match": '"1"'},
            json={"follow_up": "下周复测血压"},
        )
        assert r.status_code == 200
        assert r.json()["follow_up"] == "下周复测血压"

    def test_after_the_window_nobody_edits(self, client, db, worker):
        e = make_elder(db)
        v = client.post("/api/v1/visits", headers=auth(worker), json=body(e)).json()
        row = db.get(Visit, v["id"])
        row.created_at = datetime.now(UTC) - timedelta(days=8)
        db.flush()
        r = client.patch(
            f"/api/v1/visits/{v['id']}",
            headers={**auth(worker), "If-Match": f'"{row.version}"'},
            json={"notes": "补充"},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "visit.edit_window"
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.patch(
            f"/api/v1/visits/{v['id']}",
            headers={**auth(officer), "If-Match": f'"{row.version}"'},
            json={"notes": "补充"},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "visit.edit_window"

    def test_another_worker_cannot_edit(self, client, db, worker):
        e = make_elder(db)
        v = client.post("/api/v1/visits", headers=auth(worker), json=body(e)).json()
        colleague = make_user(db, "village_worker", VILLAGE)
        r = client.patch(
            f"/api/v1/visits/{v['id']}",
            headers={**auth(colleague), "If-Match": '"1"'},
            json={"notes": "x"},
        )
        assert r.status_code == 403
