"""Volunteers and pairings: scope, capacity, one primary helper, the volunteer's own view."""

from __future__ import annotations

from datetime import date

import pytest
from eldercare.clock import today as local_today

from tests.factories import (
    COUNTY,
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

NEIGHBOURS = [
    ("village_worker", OTHER_VILLAGE),
    ("township_officer", OTHER_TOWNSHIP),
    ("county_officer", OTHER_COUNTY),
]


@pytest.fixture
def officer(db):
    return make_user(db, "township_officer", TOWNSHIP)


def phones_mask(value: str) -> str:
    from eldercare import phones

    return phones.mask(value) or ""


class TestVolunteers:
    def test_township_officer_adds_a_volunteer(self, client, officer):
        r = client.post(
            "/api/v1/volunteers",
            headers=auth(officer),
            json={
                "name": "陈志强",
                "phone": "+86 139 0000 1234",
                "kind": "party_member",
                "team": "home_cleaning",
                "region_code": VILLAGE,
                "max_pairings": 3,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["phone"] == "139****1234"  # stored canonical, read masked
        assert r.json()["active_pairings"] == 0
        full = client.get(
            f"/api/v1/volunteers/{r.json()['id']}",
            params={"reveal": "phone"},
            headers=auth(officer),
        )
        assert full.json()["phone"] == "13900001234"

    def test_phones_are_masked_in_reads_and_revealed_with_an_audit(self, client, db, officer):
        from eldercare.audit.models import AuditEvent
        from sqlalchemy import select

        v = make_volunteer(db)
        listed = client.get("/api/v1/volunteers", headers=auth(officer)).json()["items"]
        assert [i["phone"] for i in listed if i["id"] == v.id] == [phones_mask(v.phone)]
        one = client.get(f"/api/v1/volunteers/{v.id}", headers=auth(officer))
        assert one.json()["phone"] == phones_mask(v.phone) != v.phone
        assert db.scalar(select(AuditEvent).where(AuditEvent.resource_id == v.id)) is None
        full = client.get(
            f"/api/v1/volunteers/{v.id}", params={"reveal": "phone"}, headers=auth(officer)
        )
        assert full.status_code == 200, full.text
        assert full.json()["phone"] == v.phone
        event = db.scalar(
            select(AuditEvent).where(AuditEvent.resource_id == v.id, AuditEvent.action == "reveal")
        )
        assert event is not None
        assert event.resource == "volunteer"
        patched = client.patch(
            f"/api/v1/volunteers/{v.id}",
            json={"notes": "周末可来"},
            headers={**auth(officer), "If-Match": one.headers["etag"]},
        )
        assert patched.json()["phone"] == phones_mask(v.phone)

    def test_a_volunteer_may_not_reveal(self, client, db):
        helper = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=helper)  # their own record
        r = client.get(
            f"/api/v1/volunteers/{v.id}", params={"reveal": "phone"}, headers=auth(helper)
        )
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "reveal.not_allowed"
        masked = client.get(f"/api/v1/volunteers/{v.id}", headers=auth(helper))
        assert masked.json()["phone"] == phones_mask(v.phone)

    def test_phone_is_the_natural_key(self, client, db, officer):
        v = make_volunteer(db)
        r = client.post(
            "/api/v1/volunteers",
            headers=auth(officer),
            json={"name": "另一人", "phone": v.phone, "kind": "volunteer", "region_code": VILLAGE},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "volunteer.phone_taken"

    def test_region_outside_scope_is_refused(self, client, officer):
        r = client.post(
            "/api/v1/volunteers",
            headers=auth(officer),
            json={
                "name": "x",
                "phone": "13900001235",
                "kind": "volunteer",
                "region_code": OTHER_TOWNSHIP,
            },
        )
        assert r.status_code == 422

    def test_village_worker_cannot_add_volunteers(self, client, db):
        w = make_user(db, "village_worker", VILLAGE)
        r = client.post(
            "/api/v1/volunteers",
            headers=auth(w),
            json={"name": "x", "phone": "13900001236", "kind": "volunteer", "region_code": VILLAGE},
        )
        assert r.status_code == 403

    @pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
    def test_neighbours_get_404(self, client, db, role, region):
        v = make_volunteer(db, VILLAGE)
        other = make_user(db, role, region)
        assert client.get(f"/api/v1/volunteers/{v.id}", headers=auth(other)).status_code == 404
        r = client.patch(
            f"/api/v1/volunteers/{v.id}",
            headers={**auth(other), "If-Match": '"1"'},
            json={"active": False},
        )
        assert r.status_code in (403, 404)
        ids = [
            i["id"] for i in client.get("/api/v1/volunteers", headers=auth(other)).json()["items"]
        ]
        assert v.id not in ids

    def test_deactivate(self, client, db, officer):
        v = make_volunteer(db)
        r = client.patch(
            f"/api/v1/volunteers/{v.id}",
            headers={**auth(officer), "If-Match": '"1"'},
            json={"active": False},
        )
        assert r.json()["active"] is False


class TestPairings:
    def test_pair_and_capacity(self, client, db, officer):
        v = make_volunteer(db, max_pairings=2)
        elders = [make_elder(db, name=n) for n in ("甲", "乙", "丙")]
        for e in elders[:2]:
            r = client.post(
                "/api/v1/pairings",
                headers=auth(officer),
                json={"elder_id": e.id, "volunteer_id": v.id},
            )
            assert r.status_code == 201, r.text
        r = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": elders[2].id, "volunteer_id": v.id},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "pairing.over_capacity"
        assert (
            client.get(f"/api/v1/volunteers/{v.id}", headers=auth(officer)).json()[
                "active_pairings"
            ]
            == 2
        )

    def test_one_primary_per_elder(self, client, db, officer):
        e = make_elder(db)
        a, b = make_volunteer(db), make_volunteer(db)
        r = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": e.id, "volunteer_id": a.id, "is_primary": True},
        )
        assert r.status_code == 201
        r = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": e.id, "volunteer_id": b.id, "is_primary": True},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "pairing.primary_exists"
        ok = client.post(
            "/api/v1/pairings", headers=auth(officer), json={"elder_id": e.id, "volunteer_id": b.id}
        )
        assert ok.status_code == 201

    def test_ending_keeps_history_and_frees_capacity(self, client, db, officer):
        v = make_volunteer(db, max_pairings=1)
        e1, e2 = make_elder(db, name="甲"), make_elder(db, name="乙")
        p = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": e1.id, "volunteer_id": v.id},
        ).json()
        r = client.patch(
            f"/api/v1/pairings/{p['id']}",
            headers={**auth(officer), "If-Match": '"1"'},
            json={"end_date": local_today().isoformat(), "end_reason": "志愿者外出务工"},
        )
        assert r.status_code == 200, r.text
        bad = client.patch(
            f"/api/v1/pairings/{p['id']}",
            headers={**auth(officer), "If-Match": '"2"'},
            json={"services": ["shopping"]},
        )
        assert bad.status_code == 409
        assert (
            client.post(
                "/api/v1/pairings",
                headers=auth(officer),
                json={"elder_id": e2.id, "volunteer_id": v.id},
            ).status_code
            == 201
        )
        everything = client.get(
            f"/api/v1/pairings?elder_id={e1.id}&state=all", headers=auth(officer)
        ).json()["items"]
        assert [i["end_reason"] for i in everything] == ["志愿者外出务工"]
        assert (
            client.get(f"/api/v1/pairings?elder_id={e1.id}", headers=auth(officer)).json()["items"]
            == []
        )

    def test_inactive_volunteer_cannot_be_paired(self, client, db, officer):
        v = make_volunteer(db, active=False)
        r = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": make_elder(db).id, "volunteer_id": v.id},
        )
        assert r.status_code == 409

    @pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
    def test_neighbours_get_404_on_pairings(self, client, db, role, region):
        e = make_elder(db)
        p = make_pairing(db, e, make_volunteer(db))
        other = make_user(db, role, region)
        assert client.get(f"/api/v1/pairings/{p.id}", headers=auth(other)).status_code == 404
        r = client.patch(
            f"/api/v1/pairings/{p.id}",
            headers={**auth(other), "If-Match": '"1"'},
            json={"services": []},
        )
        assert r.status_code == 404

    def test_elder_of_another_township_cannot_be_paired(self, client, db, officer):
        e = make_elder(db, "431127100202")
        r = client.post(
            "/api/v1/pairings",
            headers=auth(officer),
            json={"elder_id": e.id, "volunteer_id": make_volunteer(db).id},
        )
        assert r.status_code == 404


class TestVolunteerView:
    def test_volunteer_sees_only_paired_elders_masked(self, client, db):
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        mine, other = make_elder(db, name="甲", phone="13812345678"), make_elder(db, name="乙")
        make_pairing(db, mine, v)
        items = client.get("/api/v1/elders", headers=auth(login)).json()["items"]
        assert [i["id"] for i in items] == [mine.id]
        assert client.get(f"/api/v1/elders/{other.id}", headers=auth(login)).status_code == 404
        detail = client.get(f"/api/v1/elders/{mine.id}", headers=auth(login)).json()
        assert detail["phone"] == "138****5678"
        assert (
            client.get(f"/api/v1/elders/{mine.id}?reveal=phone", headers=auth(login)).status_code
            == 403
        )

    def test_ended_pairing_ends_access(self, client, db):
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        e = make_elder(db)
        p = make_pairing(db, e, v)
        p.end_date = date(2026, 6, 1)
        db.flush()
        assert client.get(f"/api/v1/elders/{e.id}", headers=auth(login)).status_code == 404

    def test_volunteer_cannot_create_pairings(self, client, db):
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        r = client.post(
            "/api/v1/pairings",
            headers=auth(login),
            json={"elder_id": make_elder(db).id, "volunteer_id": v.id},
        )
        assert r.status_code == 403


def test_county_officer_sees_county_volunteers(client, db):
    v = make_volunteer(db, TOWNSHIP)
    officer = make_user(db, "county_officer", COUNTY)
    assert client.get(f"/api/v1/volunteers/{v.id}", headers=auth(officer)).status_code == 200
