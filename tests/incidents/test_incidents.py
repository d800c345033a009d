"""Incidents: reporting, every transition and every refusal, deadlines, the timeline, scope."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.visits.models import ElderSchedule
from sqlalchemy import select

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

STATUSES = ["reported", "acknowledged", "in_progress", "escalated", "resolved"]


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def county(db):
    return make_user(db, "county_officer", COUNTY)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def report(client, user, elder, **over):
    body = {
        "elder_id": elder.id,
        "type": "critical_illness",
        "severity": "critical",
        "description": "老人突发高烧，无人照料",
    }
    body.update(over)
    r = client.post("/api/v1/incidents", headers=auth(user), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def move(client, user, incident_id, to, note=""):
    body: dict = {"to": to, "note": note}
    if to == "resolved":  # resolving says what follow-up was arranged: none here
        body.update(no_follow_up=True, note=note or "无需后续跟进")
    return client.post(
        f"/api/v1/incidents/{incident_id}/transitions", headers=auth(user, "en"), json=body
    )


def moved(client, user, incident_id, to):
    r = move(client, user, incident_id, to)
    assert r.status_code == 200, r.text
    return r.json()


# each reachable state: (status, level, the moves that lead there: (holder, to))
PATHS = {
    ("reported", "township"): [],
    ("acknowledged", "township"): [("township", "acknowledged")],
    ("in_progress", "township"): [("township", "acknowledged"), ("township", "in_progress")],
    ("escalated", "county"): [("township", "escalated")],
    ("in_progress", "county"): [("township", "escalated"), ("county", "in_progress")],
    ("resolved", "township"): [
        ("township", "acknowledged"),
        ("township", "in_progress"),
        ("township", "resolved"),
    ],
}
ALLOWED = {
    ("reported", "township"): ["acknowledged", "escalated"],
    ("acknowledged", "township"): ["in_progress", "escalated"],
    ("in_progress", "township"): ["resolved", "escalated"],
    ("escalated", "county"): ["in_progress"],
    ("in_progress", "county"): ["resolved"],
    ("resolved", "township"): [],
}


def bring(client, users, elder, state):
    incident = report(client, users["village"], elder)
    for who, to in PATHS[state]:
        incident = moved(client, users[who], incident["id"], to)
    assert (incident["status"], incident["level"]) == state
    return incident


@pytest.fixture
def users(worker, township, county):
    return {"village": worker, "township": township, "county": county}


class TestReport:
    def test_village_worker_reports_and_a_visit_falls_due(self, client, db, worker, clock):
        e = make_elder(db)
        i = report(client, worker, e)
        assert i["status"] == "reported"
        assert i["level"] == "township"
        assert i["reporter_id"] == worker.id
        assert i["elder_name"] == "张秀英"
        assert i["due_step"] == "acknowledge"
        assert at(i["due_at"]) == clock.now + timedelta(hours=2)
        assert i["overdue"] is False
        assert i["allowed_transitions"] == []  # a village reports; the township acts
        assert [(t["from_status"], t["to_status"]) for t in i["timeline"]] == [(None, "reported")]
        s = db.get(ElderSchedule, e.id)
        db.refresh(s)
        assert s.event_type == "incident"
        assert s.event_due_at == clock.now + timedelta(hours=24)
        assert db.scalar(
            select(AuditEvent).where(
                AuditEvent.resource == "incident", AuditEvent.resource_id == i["id"]
            )
        )

    def test_inactive_elder_is_refused(self, client, db, worker):
        e = make_elder(db, status="deceased")
        r = client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={"elder_id": e.id, "type": "other", "severity": "low", "description": "x"},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "incident.elder_inactive"

    def test_future_occurrence_is_refused(self, client, db, worker, clock):
        e = make_elder(db)
        later = (clock.now + timedelta(hours=3)).isoformat()
        r = client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={
                "elder_id": e.id,
                "type": "accident",
                "severity": "high",
                "description": "摔伤",
                "occurred_at": later,
            },
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "incident.future"

    def test_unknown_type_is_422(self, client, db, worker):
        e = make_elder(db)
        r = client.post(
            "/api/v1/incidents",
            headers=auth(worker),
            json={"elder_id": e.id, "type": "fire", "severity": "low", "description": "x"},
        )
        assert r.status_code == 422


class TestTransitions:
    def test_township_acknowledges_handles_and_resolves(self, client, db, users, clock):
        e = make_elder(db)
        i = report(client, users["village"], e)
        reported_at = clock.now
        clock.advance(minutes=30)
        i = moved(client, users["township"], i["id"], "acknowledged")
        assert i["acknowledged_at"] is not None
        assert i["due_step"] == "resolve"
        assert at(i["due_at"]) == reported_at + timedelta(hours=24)
        assert i["allowed_transitions"] == ["in_progress", "escalated"]
        i = moved(client, users["township"], i["id"], "in_progress")
        clock.advance(hours=3)
        r = move(client, users["township"], i["id"], "resolved", "已送医，子女已返回照料")
        i = r.json()
        assert i["status"] == "resolved"
        assert i["due_at"] is None
        assert i["overdue"] is False
        assert i["allowed_transitions"] == []
        steps = [(t["from_status"], t["to_status"], t["actor_id"]) for t in i["timeline"]]
        assert steps == [
            (None, "reported", users["village"].id),
            ("reported", "acknowledged", users["township"].id),
            ("acknowledged", "in_progress", users["township"].id),
            ("in_progress", "resolved", users["township"].id),
        ]
        assert i["timeline"][-1]["note"] == "已送医，子女已返回照料"
        assert [t["late"] for t in i["timeline"][1:]] == [False, False, False]
        audited = db.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.resource_id == i["id"], AuditEvent.action == "transition"
            )
        ).all()
        assert [d["to"] for d in audited] == ["acknowledged", "in_progress", "resolved"]

    @pytest.mark.parametrize(
        "state",
        [("reported", "township"), ("acknowledged", "township"), ("in_progress", "township")],
    )
    def test_township_escalates_and_the_county_handles_it(self, client, db, users, state, clock):
        i = bring(client, users, make_elder(db), state)
        reported = at(i["reported_at"])
        clock.advance(minutes=10)
        i = moved(client, users["township"], i["id"], "escalated")
        assert i["level"] == "county"
        assert at(i["escalated_at"]) == clock.now
        assert i["due_step"] == "acknowledge"
        # the clock does not restart: the deadlines from the report stay, the county's is added
        assert at(i["acknowledge_due_at"]) == reported + timedelta(hours=2)
        assert at(i["resolve_due_at"]) == reported + timedelta(hours=24)
        assert at(i["county_due_at"]) == clock.now + timedelta(hours=2)
        never_acknowledged = state[0] == "reported"
        first = reported if never_acknowledged else clock.now
        assert at(i["due_at"]) == first + timedelta(hours=2)
        i = moved(client, users["county"], i["id"], "in_progress")
        assert at(i["due_at"]) == reported + timedelta(hours=24)
        i = moved(client, users["county"], i["id"], "resolved")
        assert i["status"] == "resolved"
        assert i["timeline"][-1]["actor_role"] == "county_officer"

    def test_county_admin_may_handle_an_escalated_incident(self, client, db, users):
        i = bring(client, users, make_elder(db), ("escalated", "county"))
        admin = make_user(db, "county_admin", COUNTY)
        assert moved(client, admin, i["id"], "in_progress")["status"] == "in_progress"

    @pytest.mark.parametrize(
        ("state", "to"),
        [(s, to) for s, allowed in ALLOWED.items() for to in STATUSES if to not in allowed],
    )
    def test_every_move_outside_the_state_machine_is_409_listing_the_allowed(
        self, client, db, users, state, to
    ):
        i = bring(client, users, make_elder(db), state)
        holder = users["county"] if state[1] == "county" else users["township"]
        r = move(client, holder, i["id"], to)
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["code"] == "incident.invalid_transition"
        assert body["allowed"] == ALLOWED[state]
        assert body["current_status"] == state[0]
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (
            client.get(f"/api/v1/incidents/{i['id']}", headers=auth(holder)).json()["version"]
            == i["version"]
        )

    @pytest.mark.parametrize(
        ("state", "who", "code"),
        [
            (("reported", "township"), "village", "incident.township_holds"),
            (("acknowledged", "township"), "village", "incident.township_holds"),
            (("reported", "township"), "county", "incident.township_holds"),
            (("in_progress", "township"), "county", "incident.township_holds"),
            (("escalated", "county"), "township", "incident.county_holds"),
            (("escalated", "county"), "village", "incident.county_holds"),
            (("in_progress", "county"), "township", "incident.county_holds"),
        ],
    )
    def test_only_the_holder_moves_an_incident_on(self, client, db, users, state, who, code):
        i = bring(client, users, make_elder(db), state)
        to = ALLOWED[state][0]
        r = move(client, users[who], i["id"], to)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == code
        after = client.get(f"/api/v1/incidents/{i['id']}", headers=auth(users[who])).json()
        assert after["status"] == state[0]
        assert len(after["timeline"]) == len(i["timeline"])

    def test_integration_client_may_not_move_incidents(self, client, db, users):
        from tests.factories import make_client

        i = bring(client, users, make_elder(db), ("reported", "township"))
        c = make_client(db, COUNTY, ["registry:write"])
        r = client.post(
            f"/api/v1/incidents/{i['id']}/transitions",
            headers=auth(c),
            json={"to": "acknowledged"},
        )
        assert r.status_code == 403

    def test_stale_version_is_412(self, client, db, users):
        i = bring(client, users, make_elder(db), ("reported", "township"))
        moved(client, users["township"], i["id"], "acknowledged")
        r = client.post(
            f"/api/v1/incidents/{i['id']}/transitions",
            headers={**auth(users["township"]), "If-Match": f'"{i["version"]}"'},
            json={"to": "in_progress"},
        )
        assert r.status_code == 412


class TestUpdate:
    def test_village_corrects_severity_and_the_deadline_follows(self, client, db, users, clock):
        i = report(client, users["village"], make_elder(db), type="accident", severity="low")
        assert at(i["due_at"]) == clock.now + timedelta(hours=72)
        r = client.patch(
            f"/api/v1/incidents/{i['id']}",
            headers={**auth(users["village"]), "If-Match": f'"{i["version"]}"'},
            json={"severity": "high", "description": "情况加重"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["severity"] == "high"
        assert at(r.json()["due_at"]) == clock.now + timedelta(hours=6)
        assert r.headers["ETag"] == f'"{i["version"] + 1}"'

    def test_patch_needs_if_match(self, client, db, users):
        i = report(client, users["village"], make_elder(db))
        r = client.patch(
            f"/api/v1/incidents/{i['id']}", headers=auth(users["village"]), json={"severity": "low"}
        )
        assert r.status_code == 428

    def test_resolved_incident_cannot_change(self, client, db, users):
        i = bring(client, users, make_elder(db), ("resolved", "township"))
        r = client.patch(
            f"/api/v1/incidents/{i['id']}",
            headers={**auth(users["village"]), "If-Match": f'"{i["version"]}"'},
            json={"description": "补充"},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "incident.closed"


class TestDeadlines:
    def test_unacknowledged_critical_incident_is_overdue_after_two_hours(
        self, client, db, users, clock
    ):
        i = report(client, users["village"], make_elder(db))
        t = users["township"]
        clock.advance(hours=1, minutes=59)
        assert (
            client.get(f"/api/v1/incidents/{i['id']}", headers=auth(t)).json()["overdue"] is False
        )
        assert client.get("/api/v1/incidents?overdue=true", headers=auth(t)).json()["items"] == []
        clock.advance(minutes=2)
        assert client.get(f"/api/v1/incidents/{i['id']}", headers=auth(t)).json()["overdue"] is True
        listed = client.get("/api/v1/incidents?overdue=true", headers=auth(t)).json()["items"]
        assert [x["id"] for x in listed] == [i["id"]]
        late = moved(client, t, i["id"], "acknowledged")
        assert late["timeline"][-1]["late"] is True
        assert late["overdue"] is False  # now the 24-hour resolve deadline runs
        assert client.get("/api/v1/incidents?overdue=true", headers=auth(t)).json()["items"] == []
        clock.advance(hours=23)
        listed = client.get("/api/v1/incidents?overdue=true", headers=auth(t)).json()["items"]
        assert [x["id"] for x in listed] == [i["id"]]

    def test_overdue_list_is_most_overdue_first(self, client, db, users, clock):
        e = make_elder(db)
        low = report(client, users["village"], e, severity="low")  # 72 h
        critical = report(client, users["village"], e, severity="critical")  # 2 h
        clock.advance(hours=100)
        items = client.get("/api/v1/incidents?overdue=true", headers=auth(users["county"])).json()[
            "items"
        ]
        assert [x["id"] for x in items] == [critical["id"], low["id"]]

    def test_county_policy_sets_the_deadlines_and_is_versioned(self, client, db, users, clock):
        c = users["county"]
        default = client.get("/api/v1/policies/incidents", headers=auth(c)).json()
        assert default["effective_date"] is None
        assert default["deadlines"]["critical"] == {"acknowledge_hours": 2, "resolve_hours": 24}
        open_before = report(client, users["village"], make_elder(db))
        deadlines = {
            **default["deadlines"],
            "critical": {"acknowledge_hours": 1, "resolve_hours": 12},
        }
        from eldercare.clock import today as local_today

        today = local_today()
        r = client.put(
            "/api/v1/policies/incidents",
            headers=auth(c),
            json={"effective_date": today.isoformat(), "deadlines": deadlines},
        )
        assert r.status_code == 200, r.text
        i = report(client, users["village"], make_elder(db))
        assert at(i["due_at"]) == clock.now + timedelta(hours=1)
        # an open incident reported since the effective date follows the new deadlines
        again = client.get(f"/api/v1/incidents/{open_before['id']}", headers=auth(c)).json()
        assert at(again["due_at"]) == at(open_before["reported_at"]) + timedelta(hours=1)
        old = client.get(
            f"/api/v1/policies/incidents?on={(today - timedelta(days=1)).isoformat()}",
            headers=auth(c),
        ).json()
        assert old["deadlines"]["critical"]["acknowledge_hours"] == 2
        assert (
            client.get("/api/v1/policies/incidents", headers=auth(users["township"])).json()[
                "effective_date"
            ]
            == today.isoformat()
        )

    def test_policy_needs_every_severity_and_sane_hours(self, client, db, users):
        c = users["county"]
        r = client.put(
            "/api/v1/policies/incidents",
            headers=auth(c),
            json={"deadlines": {"critical": {"acknowledge_hours": 2, "resolve_hours": 24}}},
        )
        assert r.status_code == 422
        d = client.get("/api/v1/policies/incidents", headers=auth(c)).json()["deadlines"]
        d["high"] = {"acknowledge_hours": 10, "resolve_hours": 5}
        r = client.put("/api/v1/policies/incidents", headers=auth(c), json={"deadlines": d})
        assert r.status_code == 422

    def test_township_may_not_change_the_policy(self, client, users):
        r = client.put("/api/v1/policies/incidents", headers=auth(users["township"]), json={})
        assert r.status_code == 403

    def test_county_policy_does_not_touch_another_county(self, client, db, users, clock):
        other = make_user(db, "county_officer", OTHER_COUNTY)
        d = client.get("/api/v1/policies/incidents", headers=auth(other)).json()["deadlines"]
        d["critical"] = {"acknowledge_hours": 5, "resolve_hours": 50}
        assert (
            client.put(
                "/api/v1/policies/incidents", headers=auth(other), json={"deadlines": d}
            ).status_code
            == 200
        )
        i = report(client, users["village"], make_elder(db))
        assert at(i["due_at"]) == clock.now + timedelta(hours=2)


class TestList:
    def test_filters(self, client, db, users):
        e = make_elder(db)
        a = report(client, users["village"], e, type="abuse", severity="high")
        b = bring(client, users, e, ("resolved", "township"))
        t = auth(users["township"])

        def ids(q: str) -> list[str]:
            items = client.get(f"/api/v1/incidents{q}", headers=t).json()["items"]
            return [x["id"] for x in items]

        assert ids("") == [b["id"], a["id"]]
        assert ids("?open=true") == [a["id"]]
        assert ids("?status=resolved") == [b["id"]]
        assert ids("?type=abuse") == [a["id"]]
        assert ids(f"?elder_id={e.id}&severity=critical") == [b["id"]]
        assert ids(f"?region={OTHER_VILLAGE}") == []


class TestScope:
    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404(self, client, db, users, role, region):
        e = make_elder(db)
        i = report(client, users["village"], e)
        other = make_user(db, role, region)
        h = auth(other)
        assert client.get(f"/api/v1/incidents/{i['id']}", headers=h).status_code == 404
        r = client.patch(
            f"/api/v1/incidents/{i['id']}",
            headers={**h, "If-Match": '"1"'},
            json={"description": "x"},
        )
        assert r.status_code == 404
        r = client.post(
            f"/api/v1/incidents/{i['id']}/transitions", headers=h, json={"to": "acknowledged"}
        )
        assert r.status_code == 404
        r = client.post(
            "/api/v1/incidents",
            headers=h,
            json={"elder_id": e.id, "type": "other", "severity": "low", "description": "x"},
        )
        assert r.status_code == 404
        assert client.get("/api/v1/incidents", headers=h).json()["items"] == []
        assert client.get(f"/api/v1/incidents?region={VILLAGE}", headers=h).json()["items"] == []
        overdue = client.get("/api/v1/incidents?overdue=true&open=true", headers=h).json()
        assert i["id"] not in [x["id"] for x in overdue["items"]]
