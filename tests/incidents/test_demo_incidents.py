"""The demo's incidents: every state, one overdue, once."""

from __future__ import annotations

from eldercare.devtools.demo import seed_incidents
from eldercare.incidents.models import Incident, IncidentTransition
from sqlalchemy import func, select

from tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)


def test_demo_incidents_cover_every_state_and_one_is_overdue(client, db):
    for village in (VILLAGE, VILLAGE, VILLAGE, VILLAGE, VILLAGE, OTHER_VILLAGE, OTHER_VILLAGE):
        make_elder(db, village)
    make_elder(db, OTHER_COUNTY_VILLAGE)
    assert seed_incidents(db) == 8
    assert seed_incidents(db) == 0
    statuses = set(db.scalars(select(Incident.status)))
    assert statuses == {"reported", "acknowledged", "in_progress", "escalated", "resolved"}
    assert db.scalar(select(func.count()).select_from(IncidentTransition)) == 19
    late = db.scalars(select(Incident.type).where(Incident.reported_late.is_(True))).all()
    assert set(late) == {"major_hardship"}  # reported three days after the hardship began
    officer = make_user(db, "township_officer", TOWNSHIP)
    overdue = client.get("/api/v1/incidents?overdue=true", headers=auth(officer)).json()["items"]
    assert [(i["type"], i["status"]) for i in overdue] == [("critical_illness", "reported")]
    resolved = client.get("/api/v1/incidents?status=resolved", headers=auth(officer)).json()
    detail = client.get(
        f"/api/v1/incidents/{resolved['items'][0]['id']}", headers=auth(officer)
    ).json()
    assert [t["to_status"] for t in detail["timeline"]] == [
        "reported",
        "acknowledged",
        "in_progress",
        "resolved",
    ]
