"""Closing the care loop in the register: contact with the children (the log per guardian,
the county's rule and the list of elders not contacted within it), and elders with no one at
home (plans 八/九 (二)), with the township's lists and their files."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.clock import today as local_today
from eldercare.elders import rules
from eldercare.elders.models import Elder, ElderChange, Guardian, GuardianContact
from eldercare.feed.models import Change
from eldercare.visits.models import ElderSchedule
from openpyxl import load_workbook
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
    make_volunteer,
)

__all__ = ["clock"]  # the fixture

API = "/api/v1"
AWAY = {"work_region_code": "440300", "away_since": "2020-01-01"}  # 深圳: outside the province


def son(**over):
    return {"name": "王建国", "relation": "son", "phone": "13900001111", **AWAY, **over}


def daughter(**over):
    return {"name": "王秀梅", "relation": "daughter", "phone": "13900002222", **AWAY, **over}


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


def left_behind(db, village=VILLAGE, **fields):
    e = make_elder(db, village, guardians=[son(), daughter()], **fields)
    assert e.is_left_behind
    return e


def guardians(db, elder):
    return list(
        db.scalars(select(Guardian).where(Guardian.elder_id == elder.id).order_by(Guardian.name))
    )


# ----------------------------------------------------------------------------- the log


class TestContactLog:
    def test_an_entry_moves_the_guardians_last_contact_date_with_history_audit_and_feed(
        self, client, db, worker
    ):
        e = left_behind(db)
        g = next(g for g in guardians(db, e) if g.relation == "son")
        version = g.version
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(worker),
            json={
                "guardian_id": g.id,
                "contacted_at": "2026-03-02T20:15:00+08:00",
                "method": "wechat",
                "note": "告知老人血压偏高，请每周视频一次",
            },
        )
        assert r.status_code == 201, r.text
        entry = r.json()
        assert entry["guardian_name"] == "王建国"
        assert entry["guardian_relation"] == "son"
        assert (entry["method"], entry["source"], entry["source_id"]) == ("wechat", "manual", None)
        assert entry["user_id"] == worker.id
        assert entry["volunteer_id"] is None
        assert entry["contacted_by"]
        db.expire_all()
        g = db.get(Guardian, g.id)
        assert g.last_contact_date == date(2026, 3, 2)
        assert g.version == version + 1
        change = db.scalars(
            select(ElderChange).where(ElderChange.entity_id == g.id, ElderChange.action == "update")
        ).one()
        assert change.changes == {"last_contact_date": [None, "2026-03-02"]}
        audited = {
            (a.resource, a.action)
            for a in db.scalars(select(AuditEvent).where(AuditEvent.actor_id == worker.id))
        }
        assert {("guardian_contact", "create"), ("guardian", "update")} <= audited
        fed = {(c.resource, c.resource_id) for c in db.scalars(select(Change))}
        assert ("guardian_contact", entry["id"]) in fed
        assert ("guardian", g.id) in fed
        # the guardian's record and the elder's log show it
        shown = client.get(f"{API}/guardians/{g.id}", headers=auth(worker)).json()
        assert shown["last_contact_date"] == "2026-03-02"
        log = client.get(f"{API}/elders/{e.id}/contacts?count=true", headers=auth(worker)).json()
        assert [i["id"] for i in log["items"]] == [entry["id"]]
        assert log["total"] == 1

    def test_the_last_contact_date_only_moves_forward(self, client, db, worker):
        e = left_behind(db)
        g = guardians(db, e)[0]
        h = auth(worker)
        for when in ("2026-03-10T09:00:00+08:00", "2026-02-01T09:00:00+08:00"):
            r = client.post(
                f"{API}/elders/{e.id}/contacts",
                headers=h,
                json={"guardian_id": g.id, "contacted_at": when, "method": "phone"},
            )
            assert r.status_code == 201, r.text
        db.expire_all()
        assert db.get(Guardian, g.id).last_contact_date == date(2026, 3, 10)
        log = client.get(f"{API}/elders/{e.id}/contacts", headers=h).json()["items"]
        assert [i["contacted_at"][:10] for i in log] == ["2026-03-10", "2026-02-01"]  # newest first
        only = client.get(f"{API}/elders/{e.id}/contacts?guardian_id={g.id}", headers=h).json()
        assert len(only["items"]) == 2
        other = next(x for x in guardians(db, e) if x.id != g.id)
        none = client.get(f"{API}/elders/{e.id}/contacts?guardian_id={other.id}", headers=h)
        assert none.json()["items"] == []

    def test_bad_entries_are_refused_and_nothing_is_written(self, client, db, worker):
        e = left_behind(db)
        stranger = make_elder(db, name="李四", guardians=[son(name="李强")])
        theirs = guardians(db, stranger)[0]
        h = {**auth(worker), "Accept-Language": "en"}
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=h,
            json={"guardian_id": theirs.id, "method": "phone"},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "contact.guardian_not_of_elder"
        assert r.json()["errors"][0]["loc"] == ["body", "guardian_id"]
        mine = guardians(db, e)[0]
        future = (local_today() + timedelta(days=3)).isoformat() + "T10:00:00+08:00"
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=h,
            json={"guardian_id": mine.id, "method": "phone", "contacted_at": future},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "contact.future"
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=h,
            json={"guardian_id": mine.id, "method": "carrier_pigeon"},
        )
        assert r.status_code == 422
        assert db.scalar(select(GuardianContact.id).where(GuardianContact.elder_id == e.id)) is None
        db.expire_all()
        assert db.get(Guardian, mine.id).last_contact_date is None

    def test_a_volunteer_reads_the_log_of_a_paired_elder_but_cannot_write_it(
        self, client, db, worker
    ):
        from tests.factories import make_pairing

        e = left_behind(db)
        login = make_user(db, "volunteer", VILLAGE)
        make_pairing(db, e, make_volunteer(db, user=login))
        g = guardians(db, e)[0]
        assert client.get(f"{API}/elders/{e.id}/contacts", headers=auth(login)).status_code == 200
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(login),
            json={"guardian_id": g.id, "method": "phone"},
        )
        assert r.status_code == 403

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404(self, client, db, worker, role, region):
        e = left_behind(db)
        g = guardians(db, e)[0]
        other = make_user(db, role, region)
        assert client.get(f"{API}/elders/{e.id}/contacts", headers=auth(other)).status_code == 404
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(other),
            json={"guardian_id": g.id, "method": "phone"},
        )
        assert r.status_code == 404
        db.expire_all()
        assert db.get(Guardian, g.id).last_contact_date is None


# ----------------------------------------------------------------------------- visits


class TestVisitWritesAnEntry:
    def test_a_visit_with_guardian_contacted_logs_the_chosen_guardian(self, client, db, worker):
        e = left_behind(db)
        d = next(g for g in guardians(db, e) if g.relation == "daughter")
        r = client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={
                "elder_id": e.id,
                "method": "home_visit",
                "visited_at": "2026-04-01T10:00:00+08:00",
                "guardian_contacted": True,
                "guardian_id": d.id,
                "guardian_contact_method": "video",
            },
        )
        assert r.status_code == 201, r.text
        visit = r.json()
        log = client.get(f"{API}/elders/{e.id}/contacts", headers=auth(worker)).json()["items"]
        assert [(i["guardian_id"], i["method"], i["source"], i["source_id"]) for i in log] == [
            (d.id, "video", "visit", visit["id"])
        ]
        db.expire_all()
        assert db.get(Guardian, d.id).last_contact_date == date(2026, 4, 1)

    def test_by_default_the_first_son_or_daughter_with_a_phone(self, client, db, worker):
        e = make_elder(
            db,
            guardians=[
                {"name": "邻居老李", "relation": "neighbour", "phone": "13900003333"},
                son(phone=None),
                daughter(),
            ],
        )
        r = client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={"elder_id": e.id, "method": "phone", "guardian_contacted": True},
        )
        assert r.status_code == 201, r.text
        log = client.get(f"{API}/elders/{e.id}/contacts", headers=auth(worker)).json()["items"]
        assert [(i["guardian_name"], i["method"]) for i in log] == [("王秀梅", "phone")]

    def test_a_volunteers_visit_is_their_contact(self, client, db):
        from tests.factories import make_pairing

        e = left_behind(db)
        login = make_user(db, "volunteer", VILLAGE)
        helper = make_volunteer(db, user=login, name="赵秀兰")
        make_pairing(db, e, helper)
        r = client.post(
            f"{API}/visits",
            headers=auth(login),
            json={"elder_id": e.id, "method": "home_visit", "guardian_contacted": True},
        )
        assert r.status_code == 201, r.text
        entry = db.scalars(select(GuardianContact).where(GuardianContact.elder_id == e.id)).one()
        assert (entry.volunteer_id, entry.user_id, entry.contacted_by) == (
            helper.id,
            None,
            "赵秀兰",
        )

    def test_no_entry_without_guardian_contacted_or_without_guardians(self, client, db, worker):
        e = left_behind(db)
        alone = make_elder(db, name="孤老")
        for elder, contacted in ((e, False), (alone, True)):
            r = client.post(
                f"{API}/visits",
                headers=auth(worker),
                json={
                    "elder_id": elder.id,
                    "method": "home_visit",
                    "guardian_contacted": contacted,
                },
            )
            assert r.status_code == 201, r.text
        assert db.scalars(select(GuardianContact)).all() == []

    def test_a_correction_saying_the_children_were_reached_writes_the_entry_once(
        self, client, db, worker
    ):
        e = left_behind(db)
        r = client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={"elder_id": e.id, "method": "home_visit", "guardian_contacted": False},
        )
        assert r.status_code == 201, r.text
        visit, etag = r.json(), r.headers["etag"]
        assert db.scalars(select(GuardianContact)).all() == []
        for body in ({"guardian_contacted": True}, {"guardian_contacted": False}):
            r = client.patch(
                f"{API}/visits/{visit['id']}",
                headers={**auth(worker), "If-Match": etag},
                json=body,
            )
            assert r.status_code == 200, r.text
            etag = r.headers["etag"]
        r = client.patch(
            f"{API}/visits/{visit['id']}",
            headers={**auth(worker), "If-Match": etag},
            json={"guardian_contacted": True},
        )
        assert r.status_code == 200, r.text
        entries = db.scalars(select(GuardianContact).where(GuardianContact.elder_id == e.id)).all()
        assert [(c.source, c.source_id) for c in entries] == [("visit", visit["id"])]

    def test_a_guardian_of_another_elder_is_refused_and_no_visit_is_logged(
        self, client, db, worker
    ):
        e = left_behind(db)
        stranger = make_elder(db, name="李四", guardians=[son(name="李强")])
        r = client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={
                "elder_id": e.id,
                "method": "home_visit",
                "guardian_contacted": True,
                "guardian_id": guardians(db, stranger)[0].id,
            },
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "contact.guardian_not_of_elder"
        from eldercare.visits.models import Visit

        assert db.scalar(select(Visit.id).where(Visit.elder_id == e.id)) is None


# ----------------------------------------------------------------------------- the rule


def _overdue(client, who, **params):
    r = client.get(f"{API}/care/contacts-overdue", headers=auth(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()


class TestMonthlyRule:
    def test_default_rule_is_monthly_for_left_behind_elders(self, client, db, township):
        r = client.get(f"{API}/policies/contacts", headers=auth(township))
        assert r.status_code == 200
        assert r.json() == {
            "interval_days": 30,
            "categories": ["left_behind"],
            "relations": ["son", "daughter", "son_in_law", "daughter_in_law", "grandchild"],
            "effective_date": None,
        }

    def test_elders_drop_off_when_contacted_and_return_a_month_later(
        self, client, db, worker, township, clock
    ):
        e = left_behind(db, name="王桂英")
        never = left_behind(db, name="赵大娘")
        not_covered = make_elder(db, name="钱老汉")  # no children away: not left-behind
        g = guardians(db, e)[0]
        listed = _overdue(client, township, count="true")
        ids = [i["elder_id"] for i in listed["items"]]
        assert set(ids) == {e.id, never.id}
        assert not_covered.id not in ids
        assert listed["total"] == 2
        assert all(i["last_contact_date"] is None for i in listed["items"])

        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(worker),
            json={"guardian_id": g.id, "method": "phone"},
        )
        assert r.status_code == 201, r.text
        assert [i["elder_id"] for i in _overdue(client, township)["items"]] == [never.id]

        clock.advance(days=30)  # contacted 30 days ago: still within a monthly rule
        assert [i["elder_id"] for i in _overdue(client, township)["items"]] == [never.id]
        clock.advance(days=1)
        items = _overdue(client, township)["items"]
        assert [i["elder_id"] for i in items] == [e.id, never.id]  # by name: 王 before 赵
        first = items[0]
        assert first["days_since_contact"] == 31
        assert first["last_contact_date"] == (local_today() - timedelta(days=31)).isoformat()
        assert first["village_name"]
        assert first["phone"] is None

    def test_the_county_changes_the_rule(self, client, db, worker, township):
        county = make_user(db, "county_officer", COUNTY)
        e = left_behind(db)
        g = guardians(db, e)[0]
        r = client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(worker),
            json={
                "guardian_id": g.id,
                "method": "phone",
                "contacted_at": (local_today() - timedelta(days=10)).isoformat() + "T09:00:00",
            },
        )
        assert r.status_code == 201, r.text
        assert _overdue(client, township)["items"] == []
        r = client.put(
            f"{API}/policies/contacts",
            headers=auth(county),
            json={"interval_days": 7, "categories": ["left_behind", "empty_nest"]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["effective_date"] == local_today().isoformat()
        assert [i["elder_id"] for i in _overdue(client, township)["items"]] == [e.id]
        # only a county officer sets it
        r = client.put(f"{API}/policies/contacts", headers=auth(township), json={})
        assert r.status_code == 403
        r = client.put(f"{API}/policies/contacts", headers=auth(county), json={"interval_days": 0})
        assert r.status_code == 422

    def test_a_contact_with_an_uncounted_relation_does_not_count(
        self, client, db, worker, township
    ):
        e = make_elder(
            db,
            guardians=[son(), {"name": "王二叔", "relation": "relative", "phone": "13911112222"}],
        )
        assert e.is_left_behind
        uncle = next(g for g in guardians(db, e) if g.relation == "relative")
        client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(worker),
            json={"guardian_id": uncle.id, "method": "phone"},
        )
        assert [i["elder_id"] for i in _overdue(client, township)["items"]] == [e.id]

    def test_keyset_pages_and_region_filter(self, client, db, township):
        mine = [left_behind(db, name=f"王{c}") for c in "甲乙丙"]
        theirs = left_behind(db, OTHER_VILLAGE, name="王丁")
        first = _overdue(client, township, limit=2)
        second = _overdue(client, township, limit=2, cursor=first["next_cursor"])
        seen = [i["elder_id"] for i in first["items"] + second["items"]]
        assert sorted(seen) == sorted([e.id for e in mine] + [theirs.id])
        assert len(set(seen)) == 4
        assert second["next_cursor"] is None
        village = _overdue(client, township, region=VILLAGE)["items"]
        assert {i["elder_id"] for i in village} == {e.id for e in mine}

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_see_nothing_and_cannot_ask_for_the_region(self, client, db, role, region):
        e = left_behind(db)
        other = make_user(db, role, region)
        r = client.get(f"{API}/care/contacts-overdue", headers=auth(other))
        assert r.status_code == 200
        assert e.id not in [i["elder_id"] for i in r.json()["items"]]
        for path, params in (
            ("/care/contacts-overdue", {}),
            ("/care/export", {"kind": "contacts_overdue"}),
            ("/care/export", {"kind": "no_one_at_home"}),
        ):
            r = client.get(
                f"{API}{path}", headers=auth(other), params={**params, "region": VILLAGE}
            )
            assert r.status_code == 404, path

    def test_the_export_has_chinese_headers_and_the_lists_rows(self, client, db, township):
        e = left_behind(db, name="王桂英", phone="13812345678")
        r = client.get(
            f"{API}/care/export", headers=auth(township), params={"kind": "contacts_overdue"}
        )
        assert r.status_code == 200, r.text
        sheet = load_workbook(io.BytesIO(r.content)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[0][:4] == ["村（社区）", "村代码", "姓名", "身份证号（脱敏）"]
        assert "最近联系子女日期" in rows[0]
        body = [r for r in rows[1:] if r[2] == "王桂英"]
        assert len(body) == 1
        row = dict(zip(rows[0], body[0], strict=True))
        assert row["村代码"] == VILLAGE
        assert "*" in row["身份证号（脱敏）"]
        assert row["身份证号（脱敏）"] != e.id_number
        assert row["联系电话（脱敏）"] == "138****5678"
        assert row["最近联系子女日期"] == "从未联系"
        assert "留守" in row["类别"]


# ----------------------------------------------------------------------------- no one at home


def ill_and_alone(db, **over):
    fields = {"health_conditions": ["stroke"], "guardians": [son(), daughter()], **over}
    return make_elder(db, **fields)


class TestNoOneAtHome:
    def test_ill_with_every_child_away_and_no_caretaker_is_flagged_and_high_risk(self, db):
        e = ill_and_alone(db)
        assert e.no_one_at_home is True
        assert e.no_one_at_home_reason["code"] == "home.ill_children_away"
        assert e.no_one_at_home_reason["params"] == {"count": 2, "condition": "stroke"}
        assert e.risk_level == "high"
        assert {"code": "risk.no_one_at_home", "params": {}} in e.risk_reasons

    def test_a_dependent_elder_is_raised_from_key_to_high(self, db):
        alone = make_elder(db, self_care="dependent", guardians=[son()])
        assert alone.no_one_at_home
        assert alone.risk_level == "high"
        assert alone.no_one_at_home_reason == {
            "code": "home.dependent_children_away",
            "params": {"count": 1, "level": "dependent"},
        }
        schedule = db.get(ElderSchedule, alone.id)
        assert schedule.risk_level == "high"
        assert schedule.interval_days == 7
        cared = make_elder(
            db,
            self_care="dependent",
            guardians=[son(), son(name="王小军", **{"work_region_code": VILLAGE})],
        )
        assert not cared.no_one_at_home
        assert cared.risk_level == "key"

    @pytest.mark.parametrize(
        "guardians",
        [
            # a child at home
            [son(), daughter(work_region_code=VILLAGE, away_since=None)],
            # an entrusted caretaker
            [son(), {"name": "邻居老李", "relation": "neighbour", "is_entrusted_caretaker": True}],
            # where a child works is unknown: nothing to claim
            [son(), daughter(work_region_code=None, away_since=None)],
            # no children at all
            [],
        ],
        ids=["child-at-home", "caretaker", "child-unknown", "no-children"],
    )
    def test_not_flagged(self, db, guardians):
        e = make_elder(db, self_care="dependent", guardians=guardians)
        assert e.no_one_at_home is False
        assert e.no_one_at_home_reason == {}
        assert e.risk_level == "key"

    def test_a_child_away_only_recently_still_leaves_no_one_at_home(self, db):
        recent = (local_today() - timedelta(days=20)).isoformat()
        e = ill_and_alone(db, guardians=[son(away_since=recent)])
        assert not e.is_left_behind  # not yet six months away
        assert e.no_one_at_home

    def test_independent_and_well_is_not_flagged(self, db):
        e = make_elder(db, self_care="independent", guardians=[son()])
        assert e.is_left_behind
        assert not e.no_one_at_home

    def test_the_county_may_count_partly_dependent_elders(self, db):
        settings = rules.RegisterSettings(
            no_one_at_home_self_care=["partly_dependent", "dependent"]
        )
        facts = rules.ElderFacts(
            date(1950, 3, 15),
            VILLAGE,
            None,
            "partly_dependent",
            None,
            [],
            [],
            [rules.GuardianFacts("son", True, date(2020, 1, 1), None, "440300", None)],
        )
        today = date(2026, 6, 1)
        assert rules.derive(facts, settings, today).no_one_at_home is not None
        assert rules.derive(facts, rules.RegisterSettings(), today).no_one_at_home is None

    def test_adding_a_caretaker_through_the_api_clears_it_with_history(self, client, db, worker):
        e = ill_and_alone(db)
        h = auth(worker)
        detail = client.get(f"{API}/elders/{e.id}", headers=h).json()
        assert detail["no_one_at_home"] is True
        assert "无委托照料人" in detail["no_one_at_home_reason"]
        en = client.get(f"{API}/elders/{e.id}", headers={**h, "Accept-Language": "en"}).json()
        assert "no entrusted caretaker" in en["no_one_at_home_reason"]
        r = client.post(
            f"{API}/elders/{e.id}/guardians",
            headers=h,
            json={
                "name": "邻居老李",
                "relation": "neighbour",
                "is_entrusted_caretaker": True,
                "agreement_date": "2026-01-05",
            },
        )
        assert r.status_code == 201, r.text
        after = client.get(f"{API}/elders/{e.id}", headers=h).json()
        assert after["no_one_at_home"] is False
        assert after["no_one_at_home_reason"] is None
        # the change is in the elder's history (the as-of view derives it again)
        history = client.get(f"{API}/elders/{e.id}/history", headers=h).json()["items"]
        assert history[0]["entity"] == "guardian"
        assert history[0]["action"] == "create"
        assert db.get(Elder, e.id).risk_level == "high"  # still ill: high for the illness

    def test_the_township_lists_and_exports_them(self, client, db, township):
        flagged = ill_and_alone(db, name="王桂英")
        make_elder(db, name="钱老汉", guardians=[son()])  # left-behind, well, no caretaker
        signed = make_elder(
            db,
            name="孙大娘",
            guardians=[
                son(),
                {
                    "name": "邻居老李",
                    "relation": "neighbour",
                    "is_entrusted_caretaker": True,
                    "agreement_date": "2026-01-05",
                },
            ],
        )
        h = auth(township)
        r = client.get(f"{API}/elders", headers=h, params={"no_one_at_home": "true"})
        assert r.status_code == 200, r.text
        assert [(i["id"], i["no_one_at_home"]) for i in r.json()["items"]] == [(flagged.id, True)]
        missing = client.get(
            f"{API}/elders",
            headers=h,
            params={"left_behind": "true", "caretaker_agreement": "missing"},
        ).json()["items"]
        assert {i["name"] for i in missing} == {"王桂英", "钱老汉"}
        present = client.get(
            f"{API}/elders", headers=h, params={"caretaker_agreement": "present"}
        ).json()["items"]
        assert [i["id"] for i in present] == [signed.id]

        r = client.get(f"{API}/care/export", headers=h, params={"kind": "no_one_at_home"})
        assert r.status_code == 200, r.text
        rows = [
            [c.value for c in row]
            for row in load_workbook(io.BytesIO(r.content)).active.iter_rows()
        ]
        assert [row[2] for row in rows[1:]] == ["王桂英"]
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["家中无人照料"] == "是"
        assert "脑卒中" in row["无人照料原因"]
        assert row["委托照料人"] == "无"
        assert row["风险等级"] == "高风险"
        r = client.get(
            f"{API}/care/export", headers=h, params={"kind": "caretaker_missing", "format": "csv"}
        )
        assert r.status_code == 200
        text = r.content.decode("utf-8-sig")
        assert "王桂英" in text
        assert "钱老汉" in text
        assert "孙大娘" not in text

    @pytest.mark.parametrize("kind", ["no_one_at_home", "contacts_overdue"])
    def test_the_export_is_in_english_for_a_user_who_chose_english(
        self, client, db, township, kind
    ):
        from eldercare import labels
        from eldercare.elders.care_lists import COLUMNS

        ill_and_alone(db, name="王桂英", phone="13812345678")
        r = client.get(f"{API}/care/export", headers=auth(township, "en"), params={"kind": kind})
        assert r.status_code == 200, r.text
        rows = [
            [c.value for c in row]
            for row in load_workbook(io.BytesIO(r.content)).active.iter_rows()
        ]
        assert [k for k in COLUMNS if k not in labels.COLUMNS | labels.ENUMS["field"]] == []
        assert tuple(rows[0]) == labels.headings(COLUMNS, "en")
        assert rows[0][:4] == ["Village", "Village code", "Name", "ID number (masked)"]
        [row] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[2] == "王桂英"]
        assert row["Phone (masked)"] == "138****5678"
        assert row["Risk level"] == "High"
        assert "Left-behind" in row["Categories"].split(", ")
        assert row["No one at home"] == "Yes"
        assert "stroke" in row["Why no one is at home"].lower()
        assert row["Why no one is at home"][0].isupper()
        assert row["Caretaker"] == "None"
        assert row["Last contact with the children"] == "Never contacted"
        assert row["Sex"] in {"Male", "Female"}
        assert not {"high", "male", "female", "left_behind"} & set(row.values())

    def test_the_summary_counts_them_and_the_contact_rate(self, client, db, worker, township):
        ill_and_alone(db)
        e = left_behind(db, name="钱老汉")
        client.post(
            f"{API}/elders/{e.id}/contacts",
            headers=auth(worker),
            json={"guardian_id": guardians(db, e)[0].id, "method": "phone"},
        )
        r = client.get(f"{API}/stats/summary", headers=auth(township))
        assert r.status_code == 200, r.text
        care = r.json()["totals"]["care"]
        assert care["no_one_at_home"] == 1
        assert care["caretaker_agreement_missing"] == 2
        assert (care["contact_covered"], care["contacted_within_rule"]) == (2, 1)
        assert (care["contact_overdue"], care["contact_rate"]) == (1, 0.5)
        village = next(c for c in r.json()["children"] if c["code"] == VILLAGE)
        assert village["care"]["contact_rate"] == 0.5


def test_the_guardian_export_takes_the_caretaker_filter(client, db, township):
    """The filter's subquery keeps to the elder when the statement selects guardians too."""
    ill_and_alone(db, name="王桂英")
    r = client.get(
        f"{API}/exports/guardians",
        headers=auth(township),
        params={"caretaker_agreement": "missing", "no_one_at_home": "true", "format": "csv"},
    )
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8-sig")
    assert "王建国" in text
    assert "王秀梅" in text
