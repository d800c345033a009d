"""One write path for new elders: POST /elders and an import of the same elder write the
same rows to every table (``elders.rows`` builds them for both)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.models import Elder, ElderChange, Guardian, Household
from eldercare.feed.models import Change
from eldercare.visits.models import ElderSchedule
from openpyxl import Workbook
from sqlalchemy import Connection, select

from tests.factories import VILLAGE, auth, id_number, make_user

ELDER = {
    "id_number": id_number("1941-07-15", male=True),
    "name": " 李建国 ",
    "village_code": VILLAGE,
    "phone": "13812345678",
    "address": "南风坳村3组12号",
    "hukou_address": "南风坳村3组",
    "ethnicity": "汉族",
    "marital_status": "widowed",
    "living_arrangement": "alone",
    "self_care": "partly_dependent",
    "health_conditions": ["hypertension", "diabetes"],
    "disability_grade": 3,
    "disability_type": "physical",
    "income_sources": ["pension", "farming"],
    "family_doctor_signed": False,
    "care_situation": "邻居每日探望",
    "household_size": 1,
    "annual_income_per_capita": "5200.50",
}
# Written as a spreadsheet would: lists joined, booleans in words, numbers as text.
CELLS = {
    **{k: str(v) for k, v in ELDER.items()},
    "health_conditions": "高血压、糖尿病",
    "income_sources": "养老金, 务农",
    "family_doctor_signed": "否",
}

# Ids and times differ between two writes of the same elder; a job marks its writes as
# its own (the history entry's reason, the audit event's request, address and detail).
IDS_AND_TIMES = {
    "id",
    "elder_id",
    "household_id",
    "entity_id",
    "resource_id",
    "parent_id",
    "xid",
    "created_at",
    "updated_at",
    "changed_at",
    "occurred_at",
}
THE_JOBS_OWN = {"reason", "request_id", "ip", "detail"}


def written(conn: Connection, number: str) -> dict[str, Any]:
    """Every row the elder with this ID number has in the tables a new elder touches."""
    elder = conn.execute(select(Elder.__table__).where(Elder.id_number == number)).one()
    ids = {elder.id, elder.household_id}

    def rows(table: Any, *where: Any) -> list[dict[str, Any]]:
        found = [dict(r._mapping) for r in conn.execute(select(table).where(*where))]
        return sorted(found, key=repr)

    out = {
        "elders": rows(Elder.__table__, Elder.id == elder.id),
        "households": rows(Household.__table__, Household.id == elder.household_id),
        "guardians": rows(Guardian.__table__, Guardian.elder_id == elder.id),
        "history": rows(ElderChange.__table__, ElderChange.elder_id == elder.id),
        "schedules": rows(ElderSchedule.__table__, ElderSchedule.elder_id == elder.id),
        "audit": rows(AuditEvent.__table__, AuditEvent.resource_id == elder.id),
        "feed": rows(Change.__table__, Change.resource_id.in_(ids)),
    }
    nulls = conn.execute(
        select(Elder.risk_override.is_(None), Elder.status_date.is_(None)).where(
            Elder.id == elder.id
        )
    ).one()
    out["sql_nulls"] = tuple(nulls)
    return out


def comparable(found: dict[str, Any], household_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table, rows in found.items():
        if table == "sql_nulls":
            out[table] = rows
            continue
        out[table] = []
        for row in rows:
            kept = {k: v for k, v in row.items() if k not in IDS_AND_TIMES | THE_JOBS_OWN}
            if table == "history":  # the household is named by its id
                assert kept["changes"].pop("household_id") == [None, household_id]
            out[table].append(kept)
        out[table].sort(key=repr)
    return out


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_file(content_type: str) -> bytes:
    if content_type == "application/x-ndjson":
        return (json.dumps(ELDER, ensure_ascii=False) + "\n").encode()
    rows = [list(CELLS), list(CELLS.values())]
    if content_type == XLSX:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


@pytest.mark.parametrize("content_type", ["text/csv", XLSX, "application/x-ndjson"])
def test_post_and_import_of_the_same_elder_write_the_same_rows(
    client, db, connection, content_type
):
    worker = make_user(db, "village_worker", VILLAGE)
    db.flush()

    by_hand = connection.begin_nested()
    r = client.post("/api/v1/elders", headers=auth(worker), json=ELDER)
    assert r.status_code == 201, r.text
    posted = written(connection, ELDER["id_number"])
    by_hand.rollback()  # the same elder again, this time imported

    assert (
        connection.execute(select(Elder.id).where(Elder.id_number == ELDER["id_number"])).all()
        == []
    )
    r = client.post(
        "/api/v1/imports/elders",
        headers={**auth(worker), "Content-Type": content_type},
        content=as_file(content_type),
    )
    assert r.json()["created"] == 1, r.text
    imported = written(connection, ELDER["id_number"])

    # Every table has its rows on both paths ...
    for table in ("elders", "households", "history", "schedules", "audit"):
        assert len(posted[table]) == len(imported[table]) == 1, table
    feed = [("elder", "create"), ("household", "create")]
    assert sorted((f["resource"], f["action"]) for f in posted["feed"]) == feed
    # ... the same, but for ids and times,
    assert comparable(imported, imported["elders"][0]["household_id"]) == comparable(
        posted, posted["elders"][0]["household_id"]
    )
    # and for the marks of the job.
    assert (posted["history"][0]["reason"], imported["history"][0]["reason"]) == ("", "import")
    assert posted["audit"][0]["detail"] is None
    assert imported["audit"][0]["detail"] == {"job_id": r.json()["id"]}
    # A few of the values, so that equal cannot mean equally wrong.
    elder = imported["elders"][0]
    assert (elder["name"], elder["sex"], elder["risk_level"]) == ("李建国", "male", "high")
    assert elder["health_conditions"] == ["hypertension", "diabetes"]
    assert imported["history"][0]["changes"]["hukou_address"] == [None, "南风坳村3组"]
    assert "notes" not in imported["history"][0]["changes"]  # empty values are left out
    assert "status_reason" not in imported["history"][0]["changes"]
    assert imported["sql_nulls"] == (True, True)
    assert imported["audit"][0]["fields"] == sorted(ELDER)
