"""Reading and correcting a visit: everything recorded, who may correct it and until when,
the history of its corrections, and the schedules a correction moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.config import get_settings
from eldercare.feed.models import Change
from eldercare.visits import services
from eldercare.visits.models import ElderSchedule, ElderServiceSchedule, Visit, VisitChange
from sqlalchemy import select

from tests.clock import clock
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

__all__ = ["clock"]  # the fixture

TZ = get_settings().tz


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def _log(client, worker, elder, **over):
    body = {
        "elder_id": elder.id,
        "method": "home_visit",
        "findings": {"health": "血压偏高", "danger": "concern"},
        "safety_risks": ["fire_gas"],
        "needs": ["medical"],
        "services": ["cleaning"],
        "guardian_contacted": True,
        "follow_up": "请村医复测血压",
    }
    body.update(over)
    r = client.post("/api/v1/visits", headers=auth(worker), json=body)
    assert r.status_code == 201, r.text
    return r


def _patch(client, who, visit_id, etag, body, lang=None):
    return client.patch(
        f"/api/v1/visits/{visit_id}", headers={**auth(who, lang), "If-Match": etag}, json=body
    )


class TestRead:
    def test_a_visit_reads_with_everything_recorded(self, client, db, worker):
        e = make_elder(db)
        v = _log(client, worker, e).json()
        r = client.get(f"/api/v1/visits/{v['id']}", headers=auth(worker))
        assert r.status_code == 200
        got = r.json()
        assert got["findings"]["health"] == "血压偏高"
        assert got["safety_risks"] == ["fire_gas"]
        assert got["needs"] == ["medical"]
        assert got["services"] == ["cleaning"]
        assert got["follow_up"] == "请村医复测血压"
        # the hazard, the need and "needs follow-up" each opened an item
        assert sorted(f["kind"] for f in got["follow_ups"]) == ["fire_gas", "general", "medical"]
        assert {f["status"] for f in got["follow_ups"]} == {"open"}
        assert got["can_correct"] is True
        until = datetime.fromisoformat(got["correctable_until"])
        assert until - datetime.fromisoformat(got["created_at"]) == timedelta(days=7)

    def test_the_follow_ups_a_visit_opened_are_its_own(self, client, db, worker):
        e = make_elder(db)
        earlier = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
        first = _log(client, worker, e, visited_at=earlier).json()
        # the same hazard found again later updates the open item: not opened by this visit
        second = _log(client, worker, e, needs=[], follow_up="").json()
        got = client.get(f"/api/v1/visits/{second['id']}", headers=auth(worker)).json()
        assert got["follow_ups"] == []
        got = client.get(f"/api/v1/visits/{first['id']}", headers=auth(worker)).json()
        assert len(got["follow_ups"]) == 3


class TestCorrect:
    def test_the_author_corrects_with_history(self, client, db, worker):
        e = make_elder(db)
        r = _log(client, worker, e)
        v = r.json()
        r = _patch(
            client,
            worker,
            v["id"],
            r.headers["etag"],
            {"needs": ["medical", "daily_care"], "notes": "补记", "reason": "漏记生活照料需求"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2
        h = client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(worker)).json()
        assert len(h) == 1
        assert h[0]["actor_id"] == worker.id
        assert h[0]["reason"] == "漏记生活照料需求"
        assert h[0]["version"] == 2
        assert h[0]["changes"] == {
            "needs": {"before": ["medical"], "after": ["medical", "daily_care"]},
            "notes": {"before": "", "after": "补记"},
        }
        # a second correction comes first; a patch that changes nothing leaves no entry
        r = _patch(client, worker, v["id"], '"2"', {"method": "phone"})
        assert r.status_code == 200
        r = _patch(client, worker, v["id"], '"3"', {"method": "phone"})
        assert r.status_code == 200
        h = client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(worker)).json()
        assert [list(c["changes"]) for c in h] == [["method"], ["needs", "notes"]]
        events = db.scalars(
            select(AuditEvent).where(
                AuditEvent.resource == "visit",
                AuditEvent.resource_id == v["id"],
                AuditEvent.action == "update",
            )
        ).all()
        assert len(events) == 2
        feed = db.scalars(
            select(Change).where(Change.resource == "visit", Change.resource_id == v["id"])
        ).all()
        assert {c.action for c in feed} == {"create", "update"}

    def test_a_stale_version_is_refused(self, client, db, worker):
        e = make_elder(db)
        v = _log(client, worker, e).json()
        assert _patch(client, worker, v["id"], '"1"', {"notes": "a"}).status_code == 200
        r = _patch(client, worker, v["id"], '"1"', {"notes": "b"})
        assert r.status_code in (409, 412)
        assert (
            len(client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(worker)).json()) == 1
        )

    def test_the_township_corrects_within_the_window(self, client, db, worker):
        e = make_elder(db)
        v = _log(client, worker, e).json()
        officer = make_user(db, "township_officer", TOWNSHIP)
        got = client.get(f"/api/v1/visits/{v['id']}", headers=auth(officer)).json()
        assert got["can_correct"] is True
        r = _patch(client, officer, v["id"], '"1"', {"safety_risks": [], "reason": "误选"})
        assert r.status_code == 200, r.text
        h = client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(worker)).json()
        assert h[0]["actor_id"] == officer.id

    @pytest.mark.parametrize(("lang", "text"), [("zh-CN", "登记人或乡镇"), ("en", "author")])
    def test_another_worker_may_not(self, client, db, worker, lang, text):
        e = make_elder(db)
        v = _log(client, worker, e).json()
        colleague = make_user(db, "village_worker", VILLAGE)
        got = client.get(f"/api/v1/visits/{v['id']}", headers=auth(colleague)).json()
        assert got["can_correct"] is False
        r = _patch(client, colleague, v["id"], '"1"', {"notes": "x"}, lang)
        assert r.status_code == 403
        assert r.json()["code"] == "visit.edit_not_author"
        assert text in r.json()["detail"]
        assert db.scalar(select(VisitChange.id)) is None

    @pytest.mark.parametrize(("lang", "text"), [("zh-CN", "3 天内"), ("en", "within 3 days")])
    def test_the_countys_window_is_enforced(self, client, db, worker, clock, lang, text):
        county = make_user(db, "county_officer", COUNTY)
        r = client.put(
            "/api/v1/policies/visits", headers=auth(county), json={"correction_window_days": 3}
        )
        assert r.status_code == 200
        assert r.json()["correction_window_days"] == 3
        e = make_elder(db)
        v = _log(client, worker, e).json()
        clock.advance(days=2, hours=23)
        assert _patch(client, worker, v["id"], '"1"', {"notes": "a"}).status_code == 200
        clock.advance(hours=2)
        got = client.get(f"/api/v1/visits/{v['id']}", headers=auth(worker)).json()
        assert got["can_correct"] is False
        for who in (worker, make_user(db, "township_officer", TOWNSHIP), county):
            r = _patch(client, who, v["id"], '"2"', {"notes": "b"}, lang)
            assert r.status_code == 403
            assert r.json()["code"] == "visit.edit_window"
            assert text in r.json()["detail"]


class TestSchedulesFollow:
    def test_a_correction_moves_the_visit_and_service_schedules(self, client, db, worker):
        e = make_elder(db)
        e.category_codes = ",extreme_poverty,"
        services.refresh_elder(db, e)  # as the register does after a change of categories
        db.flush()
        when = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
        v = _log(client, worker, e, visited_at=when.isoformat()).json()
        db.expire_all()
        cleaning = db.get(ElderServiceSchedule, (e.id, "cleaning"))
        assert cleaning.last_done_at == when
        earlier = when - timedelta(days=2)
        r = _patch(
            client,
            worker,
            v["id"],
            '"1"',
            {"visited_at": earlier.isoformat(), "services": ["laundry"], "reason": "日期记错"},
        )
        assert r.status_code == 200, r.text
        db.expire_all()
        assert db.get(ElderServiceSchedule, (e.id, "cleaning")).last_done_at is None
        laundry = db.get(ElderServiceSchedule, (e.id, "laundry"))
        assert laundry.next_due_date == earlier.astimezone(TZ).date() + timedelta(days=15)
        assert db.get(ElderSchedule, e.id).last_visit_at == earlier
        h = client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(worker)).json()[0]
        assert h["changes"]["services"] == {"before": ["cleaning"], "after": ["laundry"]}
        assert datetime.fromisoformat(h["changes"]["visited_at"]["before"]) == when


class TestNeighbours:
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
        v = _log(client, worker, e).json()
        other = make_user(db, role, region)
        assert (
            client.get(f"/api/v1/visits/{v['id']}/history", headers=auth(other)).status_code == 404
        )
        r = _patch(client, other, v["id"], '"1"', {"notes": "x", "reason": "y"})
        assert r.status_code == 404
        assert db.get(Visit, v["id"]).notes == ""
