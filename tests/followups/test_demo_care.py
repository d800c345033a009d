"""The demo's care loop: follow-ups (some overdue, one with the township, one solved), the
children's contact log, due services; once per county."""

from __future__ import annotations

from eldercare.devtools.demo import DEMO_CARE_VISITS, DEMO_USERS, seed_care
from eldercare.elders.models import GuardianContact
from eldercare.followups.models import FollowUp
from eldercare.visits import services
from eldercare.visits.models import Visit
from sqlalchemy import func, select

from tests.factories import COUNTY, TOWNSHIP, VILLAGE, auth, make_elder, make_user

API = "/api/v1"
SON = {"name": "王建国", "relation": "son", "phone": "13900001111"}


def demo_worker(db, village):
    u = next(u for u in DEMO_USERS if u.region == village and u.role == "village_worker")
    return make_user(db, "village_worker", village, username=u.username, display_name="李专干")


def test_demo_care_opens_follow_ups_contacts_and_due_services(client, db):
    worker = demo_worker(db, VILLAGE)
    for n in range(len(DEMO_CARE_VISITS)):
        make_elder(db, VILLAGE, name=f"王{n}", guardians=[SON])
    services.refresh(db, COUNTY)
    counts = seed_care(db)
    assert counts["care_visits"] == len(DEMO_CARE_VISITS)
    hazards = sum(len(risks) for _, risks, _, _, _ in DEMO_CARE_VISITS)
    needs = sum(len(n) for _, _, n, _, _ in DEMO_CARE_VISITS)
    notes = sum(1 for *_, note, _ in DEMO_CARE_VISITS if note)
    assert counts["follow_ups"] == hazards + needs + notes
    assert db.scalar(select(func.count()).select_from(FollowUp)) == hazards + needs + notes
    contacted = sum(1 for *_, c in DEMO_CARE_VISITS if c)
    assert db.scalar(select(func.count()).select_from(GuardianContact)) == contacted
    assert seed_care(db) == {"care_visits": 0, "follow_ups": 0}  # once per county
    assert db.scalar(select(func.count()).select_from(Visit)) == len(DEMO_CARE_VISITS)

    officer = make_user(db, "township_officer", TOWNSHIP)
    hazard_list = client.get(
        f"{API}/follow-ups?category=hazard&status=open", headers=auth(officer)
    ).json()
    assert hazard_list["items"]
    overdue = client.get(f"{API}/follow-ups?overdue=true", headers=auth(officer)).json()["items"]
    assert overdue  # found weeks ago, past their deadline
    statuses = set(db.scalars(select(FollowUp.status)))
    assert {"open", "resolved"} <= statuses
    assert db.scalar(select(func.count()).where(FollowUp.owner_type == "township")) == 1
    # the items name the worker who found and holds them, as a request of theirs would
    held = db.scalars(select(FollowUp).where(FollowUp.owner_id == worker.id)).all()
    assert held
    assert {(i.owner_name, i.found_by_name) for i in held} == {("李专干", "李专干")}
    work = client.get(f"{API}/worklist?due_within_days=366", headers=auth(worker)).json()
    assert work["follow_ups"]  # the items the worker holds
    assert any(i["services_due"] for i in work["items"])  # due services beside the visits
