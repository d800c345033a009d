"""Capacity and the one-primary rule hold under concurrent requests (PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eldercare.auth.models import User
from eldercare.elders.models import Elder, ElderChange, Household
from eldercare.visits.models import ElderSchedule
from eldercare.volunteers.models import Pairing, Volunteer
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tests.conftest import BACKEND
from tests.factories import TOWNSHIP, auth, make_elder, make_user, make_volunteer

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks are a PostgreSQL matter")


@pytest.fixture
def committed(engine):
    """Data committed for real, so that concurrent requests see it; removed afterwards."""
    made: dict[str, list[str]] = {"users": [], "elders": [], "volunteers": []}
    yield made
    with Session(engine) as s, s.begin():
        s.execute(delete(Pairing).where(Pairing.volunteer_id.in_(made["volunteers"])))
        s.execute(delete(Pairing).where(Pairing.elder_id.in_(made["elders"])))
        s.execute(delete(Volunteer).where(Volunteer.id.in_(made["volunteers"])))
        households = s.scalars(select(Elder.household_id).where(Elder.id.in_(made["elders"]))).all()
        s.execute(delete(ElderChange).where(ElderChange.elder_id.in_(made["elders"])))
        s.execute(delete(ElderSchedule).where(ElderSchedule.elder_id.in_(made["elders"])))
        s.execute(delete(Elder).where(Elder.id.in_(made["elders"])))
        s.execute(delete(Household).where(Household.id.in_(households)))
        s.execute(delete(User).where(User.id.in_(made["users"])))
    # audit rows are append-only by design: they stay (they name only ids)


def _post_all(app, headers, bodies):
    def one(b):
        with TestClient(app) as c:
            return c.post("/api/v1/pairings", headers=headers, json=b).status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_capacity_is_never_exceeded(app, engine, committed):
    with Session(engine, expire_on_commit=False) as s, s.begin():
        officer = make_user(s, "township_officer", TOWNSHIP)
        v = make_volunteer(s, max_pairings=3)
        elders = [make_elder(s, name=f"并发{i}") for i in range(8)]
        committed["users"].append(officer.id)
        committed["volunteers"].append(v.id)
        committed["elders"] += [e.id for e in elders]
        headers = auth(officer)
    statuses = _post_all(app, headers, [{"elder_id": e.id, "volunteer_id": v.id} for e in elders])
    assert sorted(statuses) == [201] * 3 + [409] * 5
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(Pairing.volunteer_id == v.id)) == 3


def test_only_one_primary_wins(app, engine, committed):
    with Session(engine, expire_on_commit=False) as s, s.begin():
        officer = make_user(s, "township_officer", TOWNSHIP)
        elder = make_elder(s, name="并发主责")
        vols = [make_volunteer(s) for _ in range(6)]
        committed["users"].append(officer.id)
        committed["elders"].append(elder.id)
        committed["volunteers"] += [v.id for v in vols]
        headers = auth(officer)
    statuses = _post_all(
        app,
        headers,
        [{"elder_id": elder.id, "volunteer_id": v.id, "is_primary": True} for v in vols],
    )
    assert statuses.count(201) == 1
    assert statuses.count(409) == 5
    with Session(engine) as s:
        assert (
            s.scalar(select(func.count()).where(Pairing.elder_id == elder.id, Pairing.is_primary))
            == 1
        )
