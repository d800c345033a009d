"""The register through the API: create, validate, scope, mask, reveal, history, lifecycle."""

from __future__ import annotations

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.elders.models import Elder, ElderChange
from sqlalchemy import func, select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    id_number,
    make_elder,
    make_user,
)

pytestmark = pytest.mark.committed

NEIGHBOURS = [
    ("village_worker", OTHER_VILLAGE),
    ("township_officer", OTHER_TOWNSHIP),
    ("county_officer", OTHER_COUNTY),
]


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def new_elder(**over):
    body = {
        "id_number": id_number("1944-05-06"),
        "name": "王桂英",
        "village_code": VILLAGE,
        "phone": "138 1234 5678",
        "living_arrangement": "alone",
        "self_care": "partly_dependent",
        "guardians": [
            {
                "name": "王建国",
                "relation": "son",
                "work_location": "广东省深圳市",
                "away_scope": "outside_province",
                "away_since": "2020-03-01",
                "phone": "13900001111",
            },
        ],
    }
    body.update(over)
    return body


class TestCreate:
    def test_create_derives_birth_sex_categories_and_risk(self, client, worker):
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder())
        assert r.status_code == 201, r.text
        e = r.json()
        assert e["birth_date"] is None  # with the county, it would rebuild the masked number
        assert e["birth_year"] == 1944
        assert e["sex"] == "female"
        assert e["age"] >= 82
        assert e["is_left_behind"] is True
        assert e["left_behind_reason"] == "1 名子女均离开本县满 6 个月"
        codes = [c["code"] for c in e["categories"]]
        assert codes == [
            "left_behind",
            "empty_nest",
            "living_alone",
            "advanced_age",
            "disabled",
            "special_difficulty",
        ]
        assert e["risk_level"] == "high"
        assert e["risk_reasons"][0].startswith(f"{e['age']} 岁且")
        assert e["phone"] == "138****5678"
        assert e["id_number"].startswith(new_elder()["id_number"][:3])
        assert "*" in e["id_number"]
        assert e["guardians"][0]["phone"] == "139****1111"
        assert e["household"]["members"] == [{"id": e["id"], "name": "王桂英"}]
        assert r.headers["etag"] == f'"{e["version"]}"'

    def test_reasons_in_english(self, client, worker):
        r = client.post("/api/v1/elders", headers=auth(worker, "en"), json=new_elder())
        e = r.json()
        assert e["left_behind_reason"] == "all 1 children away from the county for 6+ months"
        assert (
            next(c for c in e["categories"] if c["code"] == "living_alone")["label"]
            == "Living alone"
        )

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("431127194405060001", "id_number.checksum"),
            ("431127194402300000", "id_number.birth_date"),
            ("43112719440506", "id_number.length"),
        ],
    )
    def test_bad_id_number_is_422_with_chinese_message(self, client, worker, raw, code):
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder(id_number=raw))
        assert r.status_code == 422
        err = r.json()["errors"][0]
        assert err["loc"] == ["body", "id_number"]
        assert err["code"] == code
        assert "身份证" in err["message"]

    def test_too_young_for_the_register(self, client, worker):
        r = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json=new_elder(id_number=id_number("1975-01-01")),
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "id_number.too_young"

    def test_fifteen_digit_number_is_upgraded_and_kept(self, client, worker, db):
        from datetime import date

        from eldercare import identity

        full = identity.make("431127", date(1948, 7, 9), 123, True)
        old = full[:6] + full[8:17]
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder(id_number=old))
        assert r.status_code == 201
        stored = db.get(Elder, r.json()["id"])
        assert stored.id_number == full
        assert stored.id_number_original == old

    def test_unknown_province_code_only_warns(self, client, worker):
        from datetime import date

        from eldercare import identity

        number = identity.make("991127", date(1948, 7, 9), 5, True)
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder(id_number=number))
        assert r.status_code == 201
        assert r.json()["warnings"][0]["code"] == "id_number.unknown_address_code"

    def test_bad_phone_is_422(self, client, worker):
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder(phone="12345"))
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "phone.invalid"

    def test_village_outside_scope_is_refused(self, client, worker):
        r = client.post(
            "/api/v1/elders", headers=auth(worker), json=new_elder(village_code=OTHER_VILLAGE)
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "village_code"]

    def test_duplicate_in_scope_names_the_existing_elder(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        existing = make_elder(db, VILLAGE, name="李秀兰")
        r = client.post(
            "/api/v1/elders", headers=auth(officer), json=new_elder(id_number=existing.id_number)
        )
        assert r.status_code == 409
        assert r.json()["code"] == "elder.duplicate"
        assert r.json()["existing_id"] == existing.id
        assert "李秀兰" in r.json()["detail"]

    def test_duplicate_outside_scope_is_neutral(self, client, db):
        other = make_user(db, "village_worker", OTHER_VILLAGE)
        existing = make_elder(db, VILLAGE, name="李秀兰")
        body = new_elder(id_number=existing.id_number, village_code=OTHER_VILLAGE)
        r = client.post("/api/v1/elders", headers=auth(other), json=body)
        assert r.status_code == 409
        assert r.json()["code"] == "elder.duplicate_elsewhere"
        assert "李秀兰" not in r.text
        assert existing.id not in r.text

    def test_probe_for_an_id_number_elsewhere_is_audited(self, client, db):
        other = make_user(db, "village_worker", OTHER_VILLAGE)
        existing = make_elder(db, VILLAGE)
        client.post(
            "/api/v1/elders",
            headers=auth(other),
            json=new_elder(id_number=existing.id_number, village_code=OTHER_VILLAGE),
        )
        probe = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "duplicate_probe", AuditEvent.actor_id == other.id
            )
        )
        assert probe is not None
        assert existing.id_number not in str(probe.detail)

    def test_database_refuses_two_active_elders_with_one_id_number(self, db):
        from sqlalchemy.exc import IntegrityError

        e = make_elder(db)
        with pytest.raises(IntegrityError), db.begin_nested():
            make_elder(db, OTHER_VILLAGE, id_number=e.id_number)

    def test_deceased_record_does_not_block_a_new_one(self, db):
        e = make_elder(db, status="deceased")
        assert make_elder(db, id_number=e.id_number).id != e.id


class TestScope:
    @pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
    def test_neighbours_get_404_on_read_update_history_reveal(self, client, db, role, region):
        elder = make_elder(db, VILLAGE)
        other = make_user(db, role, region)
        h = auth(other)
        assert client.get(f"/api/v1/elders/{elder.id}", headers=h).status_code == 404
        assert (
            client.get(f"/api/v1/elders/{elder.id}?reveal=id_number", headers=h).status_code == 404
        )
        assert client.get(f"/api/v1/elders/{elder.id}/history", headers=h).status_code == 404
        assert client.get(f"/api/v1/elders/{elder.id}/guardians", headers=h).status_code == 404
        r = client.patch(
            f"/api/v1/elders/{elder.id}", headers={**h, "If-Match": '"1"'}, json={"notes": "x"}
        )
        assert r.status_code == 404
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers={**h, "If-Match": '"1"'},
            json={"status": "deceased", "date": "2026-01-01", "reason": "x"},
        )
        assert r.status_code == 404
        ids = [i["id"] for i in client.get("/api/v1/elders?limit=500", headers=h).json()["items"]]
        assert elder.id not in ids

    def test_plain_lists_built_once_stay_each_region_s_own(self, client, db):
        # A region's unfiltered list is built once and reused: it must never answer for
        # another region, nor miss rows added after it was built.
        mine = make_elder(db, VILLAGE)
        theirs = make_elder(db, OTHER_VILLAGE)
        me = auth(make_user(db, "village_worker", VILLAGE))
        them = auth(make_user(db, "village_worker", OTHER_VILLAGE))
        for _ in range(2):
            assert [i["id"] for i in client.get("/api/v1/elders", headers=me).json()["items"]] == [
                mine.id
            ]
            ids = [i["id"] for i in client.get("/api/v1/elders", headers=them).json()["items"]]
            assert ids == [theirs.id]
        later = make_elder(db, VILLAGE)
        ids = {i["id"] for i in client.get("/api/v1/elders", headers=me).json()["items"]}
        assert ids == {mine.id, later.id}
        page = client.get("/api/v1/elders?limit=1", headers=me).json()
        rest = client.get(f"/api/v1/elders?limit=1&cursor={page['next_cursor']}", headers=me)
        assert {page["items"][0]["id"], rest.json()["items"][0]["id"]} == ids

    def test_township_and_county_see_their_villages(self, client, db):
        elder = make_elder(db, VILLAGE)
        for role, region in (("township_officer", TOWNSHIP), ("county_officer", COUNTY)):
            u = make_user(db, role, region)
            assert client.get(f"/api/v1/elders/{elder.id}", headers=auth(u)).status_code == 200

    def test_volunteer_without_pairings_sees_nobody(self, client, db):
        make_elder(db, VILLAGE)
        v = make_user(db, "volunteer", VILLAGE)
        assert client.get("/api/v1/elders", headers=auth(v)).json()["items"] == []

    def test_guardian_of_neighbour_is_404(self, client, db):
        elder = make_elder(db, VILLAGE, guardians=[{"name": "子", "relation": "son"}])
        gid = client.get(
            f"/api/v1/elders/{elder.id}/guardians", headers=auth(make_user(db))
        ).json()[0]["id"]
        other = make_user(db, "village_worker", OTHER_VILLAGE)
        assert client.get(f"/api/v1/guardians/{gid}", headers=auth(other)).status_code == 404
        assert client.delete(f"/api/v1/guardians/{gid}", headers=auth(other)).status_code == 404

    def test_guardian_delete_needs_a_current_if_match(self, client, db):
        elder = make_elder(db, VILLAGE, guardians=[{"name": "子", "relation": "son"}])
        worker = make_user(db)
        gid = client.get(f"/api/v1/elders/{elder.id}/guardians", headers=auth(worker)).json()[0][
            "id"
        ]
        url = f"/api/v1/guardians/{gid}"
        missing = client.delete(url, headers=auth(worker))
        assert missing.status_code == 428, missing.text
        assert missing.json()["code"] == "precondition_required"
        changed = client.patch(
            url, json={"notes": "常联系"}, headers={**auth(worker), "If-Match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        stale = client.delete(url, headers={**auth(worker), "If-Match": '"1"'})
        assert stale.status_code == 412, stale.text
        assert client.get(url, headers=auth(worker)).status_code == 200
        gone = client.delete(url, headers={**auth(worker), "If-Match": changed.headers["etag"]})
        assert gone.status_code == 204, gone.text
        assert client.get(url, headers=auth(worker)).status_code == 404


class TestMaskingAndReveal:
    def test_list_is_masked(self, client, db, worker):
        make_elder(db, phone="13812345678")
        item = client.get("/api/v1/elders", headers=auth(worker)).json()["items"][0]
        assert item["phone"] == "138****5678"
        assert item["id_number"][3:-4] == "*" * 11

    def test_reveal_shows_full_values_and_is_audited(self, client, db, worker):
        elder = make_elder(db, phone="13812345678")
        r = client.get(f"/api/v1/elders/{elder.id}?reveal=id_number,phone", headers=auth(worker))
        assert r.json()["id_number"] == elder.id_number
        assert r.json()["phone"] == "13812345678"
        assert r.json()["revealed"] == ["id_number", "phone"]
        assert r.json()["birth_date"] == elder.birth_date.isoformat()
        event = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "reveal", AuditEvent.resource_id == elder.id
            )
        )
        assert event.fields == ["id_number", "phone"]
        assert event.actor_id == worker.id

    def test_plain_read_is_not_a_reveal(self, client, db, worker):
        elder = make_elder(db)
        client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker))
        assert (
            db.scalar(
                select(func.count()).where(
                    AuditEvent.action == "reveal", AuditEvent.resource_id == elder.id
                )
            )
            == 0
        )

    def test_integration_client_cannot_reveal(self, client, db):
        from tests.factories import make_client

        elder = make_elder(db)
        c = make_client(db, COUNTY, ["registry:read"])
        assert (
            client.get(f"/api/v1/elders/{elder.id}?reveal=phone", headers=auth(c)).status_code
            == 403
        )


class TestConcurrency:
    def test_stale_if_match_is_412_and_nothing_changes(self, client, db, worker):
        elder = make_elder(db, notes="原备注")
        h = {**auth(worker), "If-Match": f'"{elder.version}"'}
        assert (
            client.patch(
                f"/api/v1/elders/{elder.id}", headers=h, json={"notes": "第一次"}
            ).status_code
            == 200
        )
        r = client.patch(f"/api/v1/elders/{elder.id}", headers=h, json={"notes": "第二次"})
        assert r.status_code == 412
        db.expire_all()
        assert db.get(Elder, elder.id).notes == "第一次"
        changes = db.scalars(
            select(ElderChange).where(
                ElderChange.elder_id == elder.id, ElderChange.action == "update"
            )
        ).all()
        assert len(changes) == 1

    def test_merge_patch_keeps_absent_fields_and_clears_nulls(self, client, db, worker):
        elder = make_elder(db, phone="13812345678", ethnicity="瑶族", notes="n")
        r = client.patch(
            f"/api/v1/elders/{elder.id}",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"phone": None, "notes": "新"},
        )
        assert r.status_code == 200
        assert r.json()["phone"] is None
        assert r.json()["ethnicity"] == "瑶族"
        assert r.json()["notes"] == "新"


class TestHistory:
    def test_the_history_names_the_person_and_the_audit_the_account(self, client, db):
        named = make_user(db, "village_worker", VILLAGE, display_name="李秀英")
        r = client.post("/api/v1/elders", headers=auth(named), json=new_elder())
        assert r.status_code == 201, r.text
        e = r.json()
        items = client.get(f"/api/v1/elders/{e['id']}/history", headers=auth(named)).json()
        assert [i["actor_name"] for i in items["items"]] == ["李秀英"]
        audited = db.scalars(select(AuditEvent.actor_name).where(AuditEvent.actor_id == named.id))
        assert set(audited) == {named.username}

    def test_field_changes_with_who_when_old_and_new(self, client, db, worker):
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder())
        e = r.json()
        client.patch(
            f"/api/v1/elders/{e['id']}",
            headers={**auth(worker), "If-Match": f'"{e["version"]}"'},
            json={"living_arrangement": "with_spouse", "phone": "13700001111"},
        )
        items = client.get(f"/api/v1/elders/{e['id']}/history", headers=auth(worker)).json()[
            "items"
        ]
        assert items[0]["action"] == "update"
        assert items[0]["changes"]["living_arrangement"] == ["alone", "with_spouse"]
        assert items[0]["changes"]["phone"] == ["138****5678", "137****1111"]
        assert items[0]["actor_name"] == worker.username  # no name of their own: the account
        assert items[-1]["action"] == "create"
        words = {c["field"]: c for c in items[0]["changes_in_words"]}
        assert words["living_arrangement"] == {
            "field": "living_arrangement",
            "field_label": "居住状况",
            "old": "独居",
            "new": "与配偶同住",
        }
        assert words["phone"]["new"] == "137****1111"
        assert items[0]["entity_label"] == "老人"
        for item in items:  # no field of the history is shown as its code
            for change in item["changes_in_words"]:
                assert change["field_label"] != change["field"], change

    def test_guardian_changes_are_in_the_elders_history(self, client, db, worker):
        elder = make_elder(db)
        g = client.post(
            f"/api/v1/elders/{elder.id}/guardians",
            headers=auth(worker),
            json={
                "name": "李强",
                "relation": "son",
                "away_scope": "outside_province",
                "away_since": "2019-01-01",
            },
        ).json()
        client.patch(
            f"/api/v1/guardians/{g['id']}",
            headers={**auth(worker), "If-Match": '"1"'},
            json={"last_contact_date": "2026-11-01"},
        )
        items = client.get(f"/api/v1/elders/{elder.id}/history", headers=auth(worker)).json()[
            "items"
        ]
        assert [(i["entity"], i["action"]) for i in items[:2]] == [
            ("guardian", "update"),
            ("guardian", "create"),
        ]
        assert items[0]["changes"]["last_contact_date"] == [None, "2026-11-01"]

    def test_as_of_a_past_date_shows_the_old_values(self, client, db, worker):
        from datetime import UTC, datetime, timedelta

        elder = make_elder(db, living_arrangement="alone", notes="old")
        db.add(
            ElderChange(
                elder_id=elder.id,
                entity="elder",
                entity_id=elder.id,
                action="create",
                changes={},
                changed_at=datetime.now(UTC) - timedelta(days=30),
            )
        )
        db.flush()
        client.patch(
            f"/api/v1/elders/{elder.id}",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"living_arrangement": "with_children", "notes": "new"},
        )
        past_day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        past = client.get(
            f"/api/v1/elders/{elder.id}?as_of={past_day}", headers=auth(worker)
        ).json()
        assert past["notes"] == "old"
        assert past["living_arrangement"] == "alone"
        assert "living_alone" in [c["code"] for c in past["categories"]]
        now = client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).json()
        assert now["notes"] == "new"


class TestLifecycle:
    def test_death_then_no_reactivation(self, client, db, worker):
        elder = make_elder(db)
        h = {**auth(worker), "If-Match": f'"{elder.version}"'}
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers=h,
            json={"status": "deceased", "date": "2026-10-01", "reason": "病故"},
        )
        assert r.status_code == 200
        assert r.json()["status"] == "deceased"
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers={**auth(worker), "If-Match": f'"{r.json()["version"]}"'},
            json={"status": "active", "date": "2026-10-02", "reason": "误报"},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "elder.status_transition"

    def test_moved_out_and_back(self, client, db, worker):
        elder = make_elder(db)
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"status": "moved_out", "date": "2026-06-01", "reason": "随子女迁往深圳"},
        )
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers={**auth(worker), "If-Match": f'"{r.json()["version"]}"'},
            json={"status": "active", "date": "2026-09-01", "reason": "返乡"},
        )
        assert r.status_code == 200
        assert r.json()["status"] == "active"

    def test_future_status_date_is_refused(self, client, db, worker):
        elder = make_elder(db)
        r = client.post(
            f"/api/v1/elders/{elder.id}/status",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"status": "deceased", "date": "2999-01-01", "reason": "x"},
        )
        assert r.status_code == 422

    def test_move_within_township(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        elder = make_elder(db, VILLAGE)
        r = client.post(
            f"/api/v1/elders/{elder.id}/move",
            headers={**auth(officer), "If-Match": f'"{elder.version}"'},
            json={"village_code": OTHER_VILLAGE, "reason": "投靠亲属"},
        )
        assert r.status_code == 200
        assert r.json()["village_code"] == OTHER_VILLAGE
        assert r.json()["household"]["members"] == [{"id": elder.id, "name": elder.name}]

    def test_move_outside_scope_is_refused(self, client, db, worker):
        elder = make_elder(db, VILLAGE)
        r = client.post(
            f"/api/v1/elders/{elder.id}/move",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"village_code": OTHER_VILLAGE, "reason": "x"},
        )
        assert r.status_code == 422

    def test_risk_override_needs_a_reason_and_can_be_removed(self, client, db, worker):
        elder = make_elder(db, living_arrangement="with_children")
        r = client.put(
            f"/api/v1/elders/{elder.id}/risk-override",
            headers={**auth(worker), "If-Match": f'"{elder.version}"'},
            json={"level": "high", "reason": "住在山上，独自外出困难"},
        )
        assert r.json()["risk_level"] == "high"
        assert r.json()["risk_reasons"] == ["人工调整：住在山上，独自外出困难"]
        r = client.put(
            f"/api/v1/elders/{elder.id}/risk-override",
            headers={**auth(worker), "If-Match": f'"{r.json()["version"]}"'},
            json={"level": None, "reason": "已搬下山"},
        )
        assert r.json()["risk_level"] == "general"
        assert r.json()["risk_override"] is None


class TestGuardians:
    def test_guardian_change_recomputes_left_behind(self, client, db, worker):
        elder = make_elder(db, guardians=[{"name": "子", "relation": "son", "away_scope": "local"}])
        assert (
            client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).json()["is_left_behind"]
            is False
        )
        gid = client.get(f"/api/v1/elders/{elder.id}/guardians", headers=auth(worker)).json()[0][
            "id"
        ]
        client.patch(
            f"/api/v1/guardians/{gid}",
            headers={**auth(worker), "If-Match": '"1"'},
            json={"away_scope": "outside_county", "away_since": "2024-01-01"},
        )
        assert (
            client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).json()["is_left_behind"]
            is True
        )

    def test_one_entrusted_caretaker(self, client, db, worker):
        elder = make_elder(db)
        body = {
            "name": "邻居赵婶",
            "relation": "neighbour",
            "is_entrusted_caretaker": True,
            "agreement_date": "2026-01-01",
        }
        assert (
            client.post(
                f"/api/v1/elders/{elder.id}/guardians", headers=auth(worker), json=body
            ).status_code
            == 201
        )
        r = client.post(
            f"/api/v1/elders/{elder.id}/guardians",
            headers=auth(worker),
            json={**body, "name": "另一人"},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "guardian.one_caretaker"

    def test_elder_without_children_keeps_other_categories(self, client, db, worker):
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder(guardians=[]))
        e = r.json()
        assert e["is_left_behind"] is False
        assert e["left_behind_reason"] == "无在世子女或其他赡养义务人"
        assert "living_alone" in [c["code"] for c in e["categories"]]


class TestHousehold:
    def test_couple_shares_a_household(self, client, db, worker):
        a = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json=new_elder(
                living_arrangement="with_spouse", household_size=2, annual_income_per_capita="4800"
            ),
        ).json()
        b = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json=new_elder(
                id_number=id_number("1942-01-01", male=True),
                name="王建设",
                living_arrangement="with_spouse",
                household_id=a["household"]["id"],
            ),
        ).json()
        assert b["household"]["id"] == a["household"]["id"]
        assert b["annual_income_per_capita"] == "4800.00"
        assert {m["name"] for m in b["household"]["members"]} == {"王桂英", "王建设"}

    def test_income_change_is_in_the_history_and_audited(self, client, db, worker):
        e = client.post(
            "/api/v1/elders", headers=auth(worker), json=new_elder(household_size=1)
        ).json()
        r = client.patch(
            f"/api/v1/elders/{e['id']}",
            headers={**auth(worker), "If-Match": f'"{e["version"]}"'},
            json={"annual_income_per_capita": "5200", "household_size": 2},
        )
        assert r.status_code == 200
        change = client.get(f"/api/v1/elders/{e['id']}/history", headers=auth(worker)).json()[
            "items"
        ][0]
        assert change["changes"]["annual_income_per_capita"] == [None, "5200.00"]
        assert change["changes"]["household_size"] == [1, 2]

    def test_household_of_another_village_is_refused(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        other = make_elder(db, OTHER_VILLAGE)
        r = client.post(
            "/api/v1/elders", headers=auth(officer), json=new_elder(household_id=other.household_id)
        )
        assert r.status_code == 422


class TestSearch:
    @pytest.fixture
    def people(self, db):
        return {
            "zxy": make_elder(db, name="张秀英", phone="13812345678"),
            "zjg": make_elder(db, name="赵建国", birth="1945-02-02", male=True),
            "lgl": make_elder(db, name="刘桂兰", birth="1952-08-08"),
        }

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("zxy", ["zxy"]),
            ("zhangxiu", ["zxy"]),
            ("秀英", ["zxy"]),
            ("z", ["zjg", "zxy"]),
            ("ZJG", ["zjg"]),
            ("12345678", ["zxy"]),
        ],
    )
    def test_name_pinyin_initials_phone(self, client, db, worker, people, q, expected):
        items = client.get(f"/api/v1/elders?q={q}&limit=500", headers=auth(worker)).json()["items"]
        found = {i["id"] for i in items}
        assert found == {people[k].id for k in expected}

    def test_id_number_and_its_last_digits(self, client, db, worker, people):
        e = people["lgl"]
        for q in (e.id_number, e.id_number[-4:], e.id_number[-6:], e.id_number.lower()):
            items = client.get(f"/api/v1/elders?q={q}", headers=auth(worker)).json()["items"]
            assert [i["id"] for i in items] == [e.id], q

    def test_sorted_by_pinyin_with_stable_pages(self, client, db, worker, people):
        names = []
        cursor = ""
        while True:
            body = client.get(f"/api/v1/elders?limit=2{cursor}", headers=auth(worker)).json()
            names += [i["name"] for i in body["items"]]
            if not body["next_cursor"]:
                break
            cursor = f"&cursor={body['next_cursor']}"
        assert names == ["刘桂兰", "张秀英", "赵建国"]

    def test_filters(self, client, db, worker, people):
        h = auth(worker)
        old = client.get("/api/v1/elders?age_min=80", headers=h).json()["items"]
        assert [i["id"] for i in old] == [people["zjg"].id]
        young = client.get("/api/v1/elders?age_max=74&count=true", headers=h).json()
        assert young["total"] == 1
        adv = client.get("/api/v1/elders?category=advanced_age", headers=h).json()["items"]
        assert [i["id"] for i in adv] == [people["zjg"].id]


class TestRegisterPolicy:
    def test_policy_change_recomputes_elders(self, client, db):
        officer = make_user(db, "county_officer", COUNTY)
        elder = make_elder(
            db,
            guardians=[
                {
                    "name": "子",
                    "relation": "son",
                    "away_scope": "in_county",
                    "away_since": "2020-01-01",
                }
            ],
        )
        assert elder.is_left_behind is False
        r = client.get("/api/v1/policies/register", headers=auth(officer))
        body = {**r.json(), "away_scope": "outside_township"}
        r = client.put(
            "/api/v1/policies/register",
            headers={**auth(officer), "If-Match": r.headers["etag"]},
            json=body,
        )
        assert r.status_code == 200
        db.expire_all()
        assert db.get(Elder, elder.id).is_left_behind is True

    def test_township_officer_cannot_change_policy(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        r = client.put(
            "/api/v1/policies/register", headers={**auth(officer), "If-Match": '"0"'}, json={}
        )
        assert r.status_code == 403


class TestDuplicatesAndMerge:
    def test_similar_records_are_listed_and_merged_and_unmerged(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(
            db,
            VILLAGE,
            name="张秀英",
            birth="1948-04-04",
            phone="13812345678",
            guardians=[{"name": "张强", "relation": "son"}],
        )
        b = make_elder(db, OTHER_VILLAGE, name="章秀英", birth="1948-04-04", notes="另一份登记")
        make_elder(db, VILLAGE, name="李四", birth="1948-04-04")
        pairs = client.get("/api/v1/elders/duplicates", headers=auth(officer)).json()
        assert len(pairs) == 1
        assert {pairs[0]["a"]["id"], pairs[0]["b"]["id"]} == {a.id, b.id}
        assert "same_pinyin" in pairs[0]["reasons"]

        r = client.post(
            "/api/v1/elders/merges",
            headers=auth(officer),
            json={
                "survivor_id": a.id,
                "merged_id": b.id,
                "take_from_merged": ["notes"],
                "reason": "同一人重复登记",
            },
        )
        assert r.status_code == 201
        merge_id = r.json()["id"]
        survivor = client.get(f"/api/v1/elders/{a.id}", headers=auth(officer)).json()
        assert survivor["notes"] == "另一份登记"
        assert survivor["name"] == "张秀英"
        assert client.get(f"/api/v1/elders/{b.id}", headers=auth(officer)).status_code == 410
        assert client.get("/api/v1/elders/duplicates", headers=auth(officer)).json() == []
        hist = client.get(f"/api/v1/elders/{a.id}/history", headers=auth(officer)).json()["items"]
        assert hist[0]["action"] == "merge"

        r = client.post(f"/api/v1/elders/merges/{merge_id}/undo", headers=auth(officer))
        assert r.status_code == 200
        assert r.json()["undone_at"] is not None
        back = client.get(f"/api/v1/elders/{b.id}", headers=auth(officer)).json()
        assert back["notes"] == "另一份登记"
        assert client.get(f"/api/v1/elders/{a.id}", headers=auth(officer)).json()["notes"] == ""
        assert (
            len(client.get(f"/api/v1/elders/{a.id}/guardians", headers=auth(officer)).json()) == 1
        )
        again = client.post(f"/api/v1/elders/merges/{merge_id}/undo", headers=auth(officer))
        assert again.status_code == 409

    def test_a_limit_keeps_the_likeliest_pairs(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        # three pairs alike by initials only (zxy), then one with the same name
        for name in ("张秀英", "赵小燕", "朱晓云"):
            make_elder(db, VILLAGE, name=name, birth="1946-09-09")
        same = [make_elder(db, OTHER_VILLAGE, name="王桂兰", birth="1946-09-09") for _ in range(2)]
        pairs = client.get(
            "/api/v1/elders/duplicates", headers=auth(officer), params={"limit": 1}
        ).json()
        assert [{p["a"]["id"], p["b"]["id"]} for p in pairs] == [{e.id for e in same}]
        assert "same_name" in pairs[0]["reasons"]
        everything = client.get("/api/v1/elders/duplicates", headers=auth(officer)).json()
        assert len(everything) == 4
        assert everything[0]["score"] == max(p["score"] for p in everything)

    def test_undo_is_refused_after_later_edits(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04", notes="a", address="1组")
        b = make_elder(
            db,
            VILLAGE,
            name="张秀英",
            birth="1948-04-04",
            notes="b",
            address="2组",
            guardians=[{"name": "赵婶", "relation": "neighbour", "is_entrusted_caretaker": True}],
        )
        make_elder(db, OTHER_VILLAGE, name="无关", birth="1950-01-01")
        from eldercare.elders.models import Guardian

        db.add(
            Guardian(elder_id=a.id, name="钱叔", relation="neighbour", is_entrusted_caretaker=True)
        )
        db.flush()
        merge = client.post(
            "/api/v1/elders/merges",
            headers=auth(officer),
            json={
                "survivor_id": a.id,
                "merged_id": b.id,
                "take_from_merged": ["notes"],
                "reason": "重复",
            },
        ).json()
        survivor = client.get(f"/api/v1/elders/{a.id}", headers=auth(officer)).json()
        r = client.patch(
            f"/api/v1/elders/{a.id}",
            headers={**auth(officer), "If-Match": f'"{survivor["version"]}"'},
            json={"address": "3组"},
        )
        assert r.status_code == 200
        stale = client.post(f"/api/v1/elders/merges/{merge['id']}/undo", headers=auth(officer))
        assert stale.status_code == 409
        assert stale.json()["code"] == "elder.merge_stale"

    def test_undo_gives_back_the_caretaker(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        from eldercare.elders.models import Guardian

        a = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04", notes="a")
        b = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04", notes="b")
        db.add(
            Guardian(elder_id=a.id, name="钱叔", relation="neighbour", is_entrusted_caretaker=True)
        )
        db.add(
            Guardian(elder_id=b.id, name="赵婶", relation="neighbour", is_entrusted_caretaker=True)
        )
        db.flush()
        merge = client.post(
            "/api/v1/elders/merges",
            headers=auth(officer),
            json={
                "survivor_id": a.id,
                "merged_id": b.id,
                "take_from_merged": ["notes"],
                "reason": "重复",
            },
        ).json()
        moved = client.get(f"/api/v1/elders/{a.id}/guardians", headers=auth(officer)).json()
        assert sum(g["is_entrusted_caretaker"] for g in moved) == 1
        assert (
            client.post(
                f"/api/v1/elders/merges/{merge['id']}/undo", headers=auth(officer)
            ).status_code
            == 200
        )
        back = client.get(f"/api/v1/elders/{b.id}/guardians", headers=auth(officer)).json()
        assert [(g["name"], g["is_entrusted_caretaker"]) for g in back] == [("赵婶", True)]
        assert client.get(f"/api/v1/elders/{a.id}", headers=auth(officer)).json()["notes"] == "a"

    def test_village_worker_may_not_merge(self, client, db, worker):
        assert client.get("/api/v1/elders/duplicates", headers=auth(worker)).status_code == 403

    def test_merge_across_scope_is_404(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE)
        b = make_elder(db, OTHER_TOWNSHIP_VILLAGE)
        r = client.post(
            "/api/v1/elders/merges",
            headers=auth(officer),
            json={"survivor_id": a.id, "merged_id": b.id, "reason": "重复"},
        )
        assert r.status_code == 404


class TestMergeKeepsData:
    """A merge never erases by accident, is in the survivor's history, and leaves a pointer."""

    def _merge(self, client, user, survivor, merged, **over):
        body = {"survivor_id": survivor.id, "merged_id": merged.id, "reason": "同一人重复登记"}
        body.update(over)
        return client.post("/api/v1/elders/merges", headers=auth(user), json=body)

    def test_an_empty_value_never_replaces_a_filled_one(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04", phone="13812345678", notes="甲")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04", notes="乙")
        r = self._merge(client, officer, a, b, take_from_merged=["notes", "phone"])
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "elder.merge_would_erase"
        assert r.json()["errors"][0]["loc"] == ["body", "take_from_merged", 1]
        # nothing happened: both records stand, the phone is kept
        h = auth(officer)
        assert client.get(f"/api/v1/elders/{b.id}", headers=h).status_code == 200
        kept = client.get(f"/api/v1/elders/{a.id}", headers=h, params={"reveal": "phone"})
        assert kept.json()["phone"] == "13812345678"
        assert kept.json()["notes"] == "甲"

    def test_an_explicit_clear_empties_and_undo_restores(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04", phone="13812345678", notes="甲")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04", notes="乙")
        r = self._merge(client, officer, a, b, take_from_merged=["notes"], clear_fields=["phone"])
        assert r.status_code == 201, r.text
        h = auth(officer)
        kept = client.get(f"/api/v1/elders/{a.id}", headers=h).json()
        assert (kept["phone"], kept["notes"]) == (None, "乙")
        undo = client.post(f"/api/v1/elders/merges/{r.json()['id']}/undo", headers=h)
        assert undo.status_code == 200, undo.text
        back = client.get(f"/api/v1/elders/{a.id}", headers=h, params={"reveal": "phone"})
        assert (back.json()["phone"], back.json()["notes"]) == ("13812345678", "甲")

    def test_taking_an_empty_value_where_both_are_empty_is_harmless(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04", notes="甲")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04", notes="乙")
        r = self._merge(client, officer, a, b, take_from_merged=["phone", "notes"])
        assert r.status_code == 201, r.text

    @pytest.mark.parametrize(
        "body",
        [
            {"clear_fields": ["name"]},
            {"clear_fields": ["id_number"]},
            {"clear_fields": ["village_code"]},
            {"clear_fields": ["notes"], "take_from_merged": ["notes"]},
        ],
    )
    def test_what_cannot_be_cleared(self, client, db, body):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04", notes="甲")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04", notes="乙")
        r = self._merge(client, officer, a, b, **body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"][:2] == ["body", "clear_fields"]

    def test_merge_and_undo_are_in_the_survivors_history_with_the_reason(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04")
        # nothing taken: the merge still shows, with its reason
        r = self._merge(client, officer, a, b, reason="村里重复录入")
        assert r.status_code == 201, r.text
        h = auth(officer)
        hist = client.get(f"/api/v1/elders/{a.id}/history", headers=h).json()["items"]
        assert (hist[0]["action"], hist[0]["reason"], hist[0]["actor_id"]) == (
            "merge",
            "村里重复录入",
            officer.id,
        )
        client.post(f"/api/v1/elders/merges/{r.json()['id']}/undo", headers=h)
        hist = client.get(f"/api/v1/elders/{a.id}/history", headers=h).json()["items"]
        assert [c["action"] for c in hist[:2]] == ["unmerge", "merge"]

    def test_the_merged_records_url_points_to_the_survivor(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04")
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04")
        assert self._merge(client, officer, a, b).status_code == 201
        worker = make_user(db, "village_worker", VILLAGE)  # sees the survivor's village only
        for user in (officer, worker):
            r = client.get(f"/api/v1/elders/{b.id}", headers=auth(user))
            assert r.status_code == 410, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert (r.json()["code"], r.json()["merged_into"]) == ("elder.merged", a.id)
            assert r.headers["location"] == f"/api/v1/elders/{a.id}"

    def test_a_merge_of_a_merge_points_to_the_last_survivor(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a, b, c = (make_elder(db, VILLAGE, birth="1948-04-04") for _ in range(3))
        assert self._merge(client, officer, b, c).status_code == 201
        assert self._merge(client, officer, a, b).status_code == 201
        r = client.get(f"/api/v1/elders/{c.id}", headers=auth(officer))
        assert (r.status_code, r.json()["merged_into"]) == (410, a.id)

    @pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
    def test_neighbours_get_a_plain_404(self, client, db, role, region):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04")
        b = make_elder(db, VILLAGE, birth="1948-04-04")
        assert self._merge(client, officer, a, b).status_code == 201
        h = auth(make_user(db, role, region))
        merged = client.get(f"/api/v1/elders/{b.id}", headers=h)
        unknown = client.get("/api/v1/elders/0123456789abcdef0123456789abcdef", headers=h)
        assert merged.status_code == unknown.status_code == 404
        assert "merged_into" not in merged.json()
        strip = ("request_id", "instance")
        assert {k: v for k, v in merged.json().items() if k not in strip} == {
            k: v for k, v in unknown.json().items() if k not in strip
        }

    def test_both_id_numbers_side_by_side_audited(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04", id_number=id_number("1948-04-04"))
        b = make_elder(db, OTHER_VILLAGE, birth="1948-04-04")
        r = client.get(
            "/api/v1/elders/duplicates/id-numbers",
            headers=auth(officer),
            params={"a": a.id, "b": b.id},
        )
        assert r.status_code == 200, r.text
        assert [(x["id"], x["id_number"]) for x in r.json()] == [
            (a.id, a.id_number),
            (b.id, b.id_number),
        ]
        events = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "reveal", AuditEvent.actor_id == officer.id)
            .order_by(AuditEvent.resource_id)
        ).all()
        assert sorted((e.resource_id, e.fields, e.detail) for e in events) == sorted(
            [
                (a.id, ["id_number"], {"compared_with": b.id}),
                (b.id, ["id_number"], {"compared_with": a.id}),
            ]
        )

    def test_revealing_a_pair_needs_both_in_scope(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, birth="1948-04-04")
        b = make_elder(db, OTHER_TOWNSHIP_VILLAGE, birth="1948-04-04")
        r = client.get(
            "/api/v1/elders/duplicates/id-numbers",
            headers=auth(officer),
            params={"a": a.id, "b": b.id},
        )
        assert r.status_code == 404
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "reveal", AuditEvent.actor_id == officer.id)
            )
            == 0
        )


class TestPastMerges:
    """Past merges can be found, and undone, from any session."""

    def _merge(self, client, officer, survivor, merged):
        r = client.post(
            "/api/v1/elders/merges",
            headers=auth(officer),
            json={"survivor_id": survivor.id, "merged_id": merged.id, "reason": "同一人重复登记"},
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def test_listed_newest_first_with_names_and_undone_from_the_list(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04")
        b = make_elder(db, OTHER_VILLAGE, name="章秀英", birth="1948-04-04")
        c = make_elder(db, VILLAGE, name="李桂兰", birth="1940-01-02")
        d = make_elder(db, VILLAGE, name="李贵兰", birth="1940-01-02")
        first = self._merge(client, officer, a, b)
        second = self._merge(client, officer, c, d)

        h = auth(officer)
        listed = client.get("/api/v1/elders/merges", headers=h).json()
        assert [m["id"] for m in listed["items"]] == [second, first]
        assert listed["next_cursor"] is None
        newest = listed["items"][0]
        assert (newest["survivor_name"], newest["merged_name"]) == ("李桂兰", "李贵兰")
        assert (newest["survivor_id"], newest["merged_id"], newest["village_code"]) == (
            c.id,
            d.id,
            VILLAGE,
        )
        assert newest["undone_at"] is None

        page = client.get("/api/v1/elders/merges", headers=h, params={"limit": 1}).json()
        assert [m["id"] for m in page["items"]] == [second]
        rest = client.get(
            "/api/v1/elders/merges", headers=h, params={"limit": 1, "cursor": page["next_cursor"]}
        ).json()
        assert [m["id"] for m in rest["items"]] == [first]
        assert rest["next_cursor"] is None
        # two records of one name are told apart by their villages
        assert (rest["items"][0]["village_code"], rest["items"][0]["merged_village_code"]) == (
            VILLAGE,
            OTHER_VILLAGE,
        )

        undo = client.post(f"/api/v1/elders/merges/{first}/undo", headers=h)
        assert undo.status_code == 200, undo.text
        undone = client.get("/api/v1/elders/merges", headers=h, params={"undone": "true"}).json()
        assert [m["id"] for m in undone["items"]] == [first]
        assert undone["items"][0]["undone_at"] is not None
        standing = client.get("/api/v1/elders/merges", headers=h, params={"undone": "false"})
        assert [m["id"] for m in standing.json()["items"]] == [second]

    @pytest.mark.parametrize(("role", "region"), NEIGHBOURS)
    def test_neighbours_see_none_of_them_and_cannot_undo(self, client, db, role, region):
        officer = make_user(db, "township_officer", TOWNSHIP)
        a = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04")
        b = make_elder(db, VILLAGE, name="章秀英", birth="1948-04-04")
        merge_id = self._merge(client, officer, a, b)
        h = auth(make_user(db, role, region))
        listed = client.get("/api/v1/elders/merges", headers=h)
        if role == "village_worker":  # merges are a township's or county's work
            assert listed.status_code == 403
        else:
            assert listed.status_code == 200
            assert listed.json()["items"] == []
            undo = client.post(f"/api/v1/elders/merges/{merge_id}/undo", headers=h)
            assert undo.status_code == 404

    def test_a_merge_across_townships_is_listed_only_where_both_records_are_seen(self, client, db):
        county = make_user(db, "county_officer", COUNTY)
        a = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04")
        b = make_elder(db, OTHER_TOWNSHIP_VILLAGE, name="章秀英", birth="1948-04-04")
        merge_id = self._merge(client, county, a, b)
        seen = client.get("/api/v1/elders/merges", headers=auth(county)).json()["items"]
        assert [m["id"] for m in seen] == [merge_id]
        township = make_user(db, "township_officer", TOWNSHIP)
        assert client.get("/api/v1/elders/merges", headers=auth(township)).json()["items"] == []


def test_other_county_elder_is_404_for_county_officer(client, db):
    elder = make_elder(db, OTHER_COUNTY_VILLAGE, name="马桂英")
    officer = make_user(db, "county_officer", COUNTY)
    assert client.get(f"/api/v1/elders/{elder.id}", headers=auth(officer)).status_code == 404


class TestCreateFeed:
    def test_one_post_writes_one_create_row_at_version_1(self, client, db):
        from eldercare.feed.models import Change

        worker = make_user(db)
        r = client.post("/api/v1/elders", headers=auth(worker), json=new_elder())
        assert r.status_code == 201, r.text
        elder = r.json()
        rows = db.execute(
            select(Change.resource, Change.action, Change.version).where(
                Change.resource_id == elder["id"]
            )
        ).all()
        assert rows == [("elder", "create", 1)]
        assert elder["version"] == 1
        assert r.headers["etag"] == '"1"'
        assert elder["categories"]  # derived before the one insert
        guardians = db.execute(
            select(Change.resource, Change.action).where(Change.parent_id == elder["id"])
        ).all()
        assert guardians == [("guardian", "create")]


class TestDuplicatesExport:
    def rows(self, r) -> list[list]:
        import io

        import openpyxl

        assert r.status_code == 200, r.text
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_both_records_named_placed_and_the_reasons_in_words(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        make_elder(db, VILLAGE, name="袁月英", birth="1948-04-04")
        make_elder(db, OTHER_VILLAGE, name="袁月英", birth="1948-04-04")
        db.commit()
        rows = self.rows(client.get("/api/v1/elders/duplicates/export", headers=auth(officer)))
        head, [row] = rows[0], rows[1:]
        assert head[0] == "姓名（甲）"
        assert head[-2:] == ["疑似原因", "相似度"]
        assert row[0] == row[5] == "袁月英"
        assert row[1] == row[6] == "所城镇"
        assert {row[2][:2], row[7][:2]} == {"南风", "所城"}  # the two villages tell them apart
        assert "*" in row[3]  # masked
        assert row[10] == "出生日期相同、姓名相同"
        assert row[11] == 0.8
        csv = client.get(
            "/api/v1/elders/duplicates/export",
            headers=auth(officer),
            params={"format": "csv", "region": OTHER_VILLAGE},
        )
        assert csv.status_code == 200
        assert csv.content.decode("utf-8-sig").startswith("姓名（甲）,")
        assert head[4] == "现住址（甲）"  # the field's words

    def test_english_headers_and_reasons_when_asked(self, client, db):
        officer = make_user(db, "township_officer", TOWNSHIP)
        make_elder(db, VILLAGE, name="袁月英", birth="1948-04-04")
        make_elder(db, OTHER_VILLAGE, name="袁月英", birth="1948-04-04")
        db.commit()
        rows = self.rows(
            client.get("/api/v1/elders/duplicates/export", headers=auth(officer, "en"))
        )
        head, [row] = rows[0], rows[1:]
        assert head[:5] == [
            "Name (A)",
            "Township (A)",
            "Village (A)",
            "ID number (A)",
            "Address (A)",
        ]
        assert head[5] == "Name (B)"
        assert head[-2:] == ["Why they may be the same person", "Similarity"]
        assert row[10] == "Same birth date, Same name"

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404_for_the_region_and_none_of_its_pairs(
        self, client, db, role, region
    ):
        make_elder(db, VILLAGE, name="袁月英", birth="1948-04-04")
        make_elder(db, VILLAGE, name="袁月英", birth="1948-04-04")
        user = make_user(db, role, region)
        db.commit()
        r = client.get(
            "/api/v1/elders/duplicates/export", headers=auth(user), params={"region": VILLAGE}
        )
        if role == "village_worker":  # refused outright: the screen is for townships and up
            assert r.status_code == 403
            return
        assert r.status_code == 404
        r = client.get(
            "/api/v1/elders/duplicates/export", headers=auth(user), params={"format": "csv"}
        )
        assert "袁月英" not in r.content.decode("utf-8-sig")
