"""An emergency records that the elder's children were notified (plan 八 (三): "及时通知并督促
其子女"): who, when, how, as an entry of the guardian's contact log; the list and the detail
say when nobody has been told yet."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.models import Guardian, GuardianContact
from sqlalchemy import select

from tests.factories import (
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
AWAY = {"work_region_code": "440300", "away_since": "2020-01-01"}


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def elder(db):
    return make_elder(
        db,
        guardians=[
            {"name": "王建国", "relation": "son", "phone": "13900001111", **AWAY},
            {"name": "王秀梅", "relation": "daughter", "phone": "13900002222", **AWAY},
        ],
    )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def son_of(db, elder):
    return db.scalars(
        select(Guardian).where(Guardian.elder_id == elder.id, Guardian.relation == "son")
    ).one()


def report(client, user, elder):
    r = client.post(
        f"{API}/incidents",
        headers=auth(user),
        json={
            "elder_id": elder.id,
            "type": "critical_illness",
            "severity": "critical",
            "description": "老人突发高烧",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_new_incident_says_nobody_was_notified(client, db, worker, elder):
    i = report(client, worker, elder)
    assert i["children_notified"] is False
    assert i["children_notified_at"] is None
    assert i["notifications"] == []
    listed = client.get(
        f"{API}/incidents", headers=auth(worker), params={"children_notified": "false"}
    ).json()["items"]
    assert [x["id"] for x in listed] == [i["id"]]


def test_notifying_a_child_is_logged_and_shown(client, db, worker, township, elder):
    i = report(client, worker, elder)
    son = son_of(db, elder)
    r = client.post(
        f"{API}/incidents/{i['id']}/notifications",
        headers=auth(township),
        json={
            "guardian_id": son.id,
            "notified_at": "2026-05-04T21:30:00+08:00",
            "method": "phone",
            "note": "已告知病情，儿子明天返乡",
        },
    )
    assert r.status_code == 201, r.text
    detail = r.json()
    assert detail["children_notified"] is True
    assert at(detail["children_notified_at"]) == at("2026-05-04T21:30:00+08:00")
    assert detail["version"] == i["version"] + 1
    (n,) = detail["notifications"]
    assert (n["guardian_id"], n["guardian_name"], n["method"]) == (son.id, "王建国", "phone")
    assert (n["source"], n["source_id"]) == ("incident", i["id"])
    assert n["note"] == "已告知病情，儿子明天返乡"
    assert n["user_id"] == township.id
    # the same entry is in the guardian's log, and moved their last contact date
    log = client.get(f"{API}/elders/{elder.id}/contacts", headers=auth(worker)).json()["items"]
    assert [x["id"] for x in log] == [n["id"]]
    db.expire_all()
    assert db.get(Guardian, son.id).last_contact_date == date(2026, 5, 4)
    assert db.scalars(
        select(AuditEvent).where(AuditEvent.resource_id == i["id"], AuditEvent.action == "notify")
    ).one()
    # the detail read again and the list
    again = client.get(f"{API}/incidents/{i['id']}", headers=auth(worker)).json()
    assert [x["id"] for x in again["notifications"]] == [n["id"]]
    unnotified = client.get(
        f"{API}/incidents", headers=auth(worker), params={"children_notified": "false"}
    ).json()["items"]
    assert unnotified == []
    notified = client.get(
        f"{API}/incidents", headers=auth(worker), params={"children_notified": "true"}
    ).json()["items"]
    assert [x["id"] for x in notified] == [i["id"]]


def test_a_second_notification_keeps_the_first_time(client, db, worker, elder):
    i = report(client, worker, elder)
    son = son_of(db, elder)
    h = auth(worker)
    path = f"{API}/incidents/{i['id']}/notifications"
    first = client.post(
        path,
        headers=h,
        json={"guardian_id": son.id, "method": "phone", "notified_at": "2026-05-04T10:00:00+08:00"},
    )
    assert first.status_code == 201
    later = client.post(
        path,
        headers=h,
        json={
            "guardian_id": son.id,
            "method": "wechat",
            "notified_at": "2026-05-05T10:00:00+08:00",
        },
    ).json()
    assert at(later["children_notified_at"]) == at("2026-05-04T10:00:00+08:00")
    assert [n["method"] for n in later["notifications"]] == ["phone", "wechat"]


def test_a_guardian_of_another_elder_is_refused(client, db, worker, elder):
    i = report(client, worker, elder)
    stranger = make_elder(db, name="李四", guardians=[{"name": "李强", "relation": "son"}])
    r = client.post(
        f"{API}/incidents/{i['id']}/notifications",
        headers=auth(worker),
        json={"guardian_id": son_of(db, stranger).id, "method": "phone"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "contact.guardian_not_of_elder"
    assert db.scalars(select(GuardianContact)).all() == []
    assert (
        client.get(f"{API}/incidents/{i['id']}", headers=auth(worker)).json()["children_notified"]
        is False
    )


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("village_worker", OTHER_VILLAGE),
        ("township_officer", OTHER_TOWNSHIP),
        ("county_officer", OTHER_COUNTY),
    ],
)
def test_neighbours_get_404(client, db, worker, elder, role, region):
    i = report(client, worker, elder)
    other = make_user(db, role, region)
    r = client.post(
        f"{API}/incidents/{i['id']}/notifications",
        headers=auth(other),
        json={"guardian_id": son_of(db, elder).id, "method": "phone"},
    )
    assert r.status_code == 404
    assert db.scalars(select(GuardianContact)).all() == []
