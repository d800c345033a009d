"""Generated requests against every operation of the contract: no server errors, and every
answer (status, content type, body) as ``openapi.json`` describes it.

Schemathesis reads the app's own document and sends a bounded number of generated requests
per operation (valid and invalid ones) as a county administrator of the test county. The
county holds one record of each kind, and half of the generated cases have their path ids
replaced by those records' ids, so that the operations also run on real rows.
"""

from __future__ import annotations

import zlib

import hypothesis
import pytest
import schemathesis
from eldercare.main import create_app
from hypothesis import HealthCheck
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import BACKEND
from tests.factories import (
    COUNTY,
    VILLAGE,
    auth,
    make_client,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite", reason="runs once, on the SQLite pass (the contract is the same)"
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# An app of its own: requests reach the test database through the same engine, and the
# document is the app's (tests/test_openapi.py keeps the committed one equal to it).
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture
def records(client, db):  # type: ignore[no-untyped-def]
    """A county administrator's headers and one id of each kind of record."""
    admin = make_user(db, "county_admin", COUNTY)
    worker = make_user(db, "village_worker", VILLAGE)
    elder = make_elder(db, VILLAGE)
    volunteer = make_volunteer(db, VILLAGE)
    pairing = make_pairing(db, make_elder(db, VILLAGE, name="李桂兰"), volunteer)
    db.commit()
    h = auth(worker)

    def created(path: str, body: dict[str, object]) -> str:
        r = client.post(path, headers=h, json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    ids = {
        "elder_id": elder.id,
        "volunteer_id": volunteer.id,
        "pairing_id": pairing.id,
        "user_id": worker.id,
        "client_pk": make_client(db, COUNTY).id,
        "guardian_id": created(
            f"/api/v1/elders/{elder.id}/guardians", {"name": "王建国", "relation": "son"}
        ),
        "visit_id": created("/api/v1/visits", {"elder_id": elder.id, "method": "phone"}),
        "incident_id": created(
            "/api/v1/incidents",
            {"elder_id": elder.id, "type": "accident", "severity": "high", "description": "摔倒"},
        ),
        "benefit_id": created(
            f"/api/v1/elders/{elder.id}/benefits",
            {"program": "old_age_allowance", "start_date": "2024-01-01", "source": "manual"},
        ),
    }
    db.commit()
    return auth(admin), ids


@schema.parametrize()
@hypothesis.settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_keeps_the_contract(case, records):  # type: ignore[no-untyped-def]
    if case.operation.path == "/api/v1/auth/logout":
        return  # would revoke the token the other operations use
    headers, ids = records
    params = case.path_parameters or {}
    if params and zlib.crc32(repr(sorted(params.items())).encode()) % 2:
        case.path_parameters = {k: ids.get(k, v) for k, v in params.items()}
    case.call_and_validate(headers=headers, checks=CHECKS)
