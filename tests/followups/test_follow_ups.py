"""Follow-ups (跟进事项): what a visit finds opens one item per finding, a repeated hazard
counts on it (or reopens it), owners, due dates and escalation, closing with a reason, the
relief link, an incident's resolution, the lists, counts, worklist and export, and scope."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import get_args

import openpyxl
import pytest
from eldercare.audit.models import AuditEvent
from eldercare.clock import today as local_today
from eldercare.feed.models import Change
from eldercare.followups import labels, rules
from eldercare.followups.models import FollowUp
from eldercare.relief.rules import Program
from eldercare.visits.schemas import Need, SafetyRisk
from sqlalchemy import func, select

from tests.clock import clock  # noqa: F401 (fixture)
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

API = "/api/v1"


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE, display_name="村干部甲")


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def county(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def neighbours(db):
    """A worker of the next village, an officer of another township, another county's."""
    return [
        make_user(db, "village_worker", OTHER_VILLAGE),
        make_user(db, "township_officer", OTHER_TOWNSHIP),
        make_user(db, "county_officer", OTHER_COUNTY),
    ]


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def visit(client, user, elder, when: datetime | None = None, **body):
    payload = {"elder_id": elder.id, "method": "home_visit", **body}
    if when is not None:
        payload["visited_at"] = when.isoformat()
    return ok(client.post(f"{API}/visits", headers=auth(user), json=payload), 201)


def items_of(client, user, elder, **params):
    return ok(client.get(f"{API}/elders/{elder.id}/follow-ups", headers=auth(user), params=params))[
        "items"
    ]


def move(client, user, item, to, note="", lang=None, **extra):
    return client.post(
        f"{API}/follow-ups/{item['id']}/transitions",
        headers=auth(user, lang),
        json={"to": to, "note": note, **extra},
    )


@pytest.fixture
def past(clock):  # noqa: F811
    """The clock a month back, so that later visits (which may not lie in the future of
    the real time) can follow."""
    clock.now = clock.now - timedelta(days=30)
    return clock


# ----------------------------------------------------------------------------- opening


class TestOpening:
    @pytest.mark.parametrize("code", get_args(SafetyRisk))
    def test_each_hazard_opens_one_item(self, client, db, worker, code):
        e = make_elder(db)
        v = visit(client, worker, e, safety_risks=[code])
        [item] = items_of(client, worker, e)
        kind = "other_hazard" if code == "other" else code
        assert (item["category"], item["kind"]) == ("hazard", kind)
        assert item["visit_id"] == v["id"]
        assert (item["found_by_type"], item["found_by_id"]) == ("user", worker.id)
        assert item["found_by_name"] == "村干部甲"
        assert (item["owner_type"], item["owner_id"]) == ("village_worker", worker.id)
        assert item["status"] == "open"
        policy = rules.FollowUpPolicy()
        found_on = local_today()
        assert date.fromisoformat(item["due_date"]) == rules.due_date(
            policy, kind, item["severity"], found_on
        )

    @pytest.mark.parametrize("code", get_args(Need))
    def test_each_need_opens_one_item(self, client, db, worker, code):
        e = make_elder(db)
        visit(client, worker, e, needs=[code])
        [item] = items_of(client, worker, e)
        kind = "other_need" if code == "other" else code
        assert (item["category"], item["kind"]) == ("need", kind)

    def test_needs_follow_up_text_opens_a_general_item(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, follow_up="联系女儿回家看看")
        [item] = items_of(client, worker, e)
        assert (item["category"], item["kind"]) == ("general", "general")
        assert item["description"] == "联系女儿回家看看"
        assert item["severity"] == "low"

    def test_a_visit_with_several_findings_opens_one_item_each(self, client, db, worker):
        e = make_elder(db)
        visit(
            client,
            worker,
            e,
            safety_risks=["fire_gas", "housing", "fire_gas"],
            needs=["relief", "assistive_device"],
            follow_up="下周复查",
        )
        kinds = sorted(i["kind"] for i in items_of(client, worker, e))
        assert kinds == ["assistive_device", "fire_gas", "general", "housing", "relief"]

    def test_a_visit_without_findings_opens_none(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e)
        assert items_of(client, worker, e) == []

    def test_severe_danger_makes_it_urgent(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["housing"], findings={"danger": "severe"})
        [item] = items_of(client, worker, e)
        assert item["severity"] == "high"
        assert date.fromisoformat(item["due_date"]) == local_today() + timedelta(days=7)

    def test_a_volunteer_finds_it_and_the_village_workers_hold_it(self, client, db, worker):
        e = make_elder(db)
        account = make_user(db, "volunteer", VILLAGE)
        helper = make_volunteer(db, VILLAGE, user=account, name="志愿者乙")
        make_pairing(db, e, helper, primary=True)
        visit(client, account, e, safety_risks=["electrical"])
        [item] = items_of(client, worker, e)
        assert (item["found_by_type"], item["found_by_id"]) == ("volunteer", helper.id)
        assert item["found_by_name"] == "志愿者乙"
        assert (item["owner_type"], item["owner_id"]) == ("village_worker", None)
        # the volunteer sees the items of their paired elder, and may not move what they
        # do not hold
        assert [i["id"] for i in items_of(client, account, e)] == [item["id"]]
        assert item["allowed_transitions"] == [
            "in_progress",
            "resolved",
            "referred",
            "cannot_resolve",
        ]
        assert move(client, account, item, "in_progress").status_code == 403
        r = client.post(
            f"{API}/visits",
            headers=auth(account),
            json={"elder_id": e.id, "method": "phone", "resolved_follow_ups": [item["id"]]},
        )
        assert r.status_code == 403
        # once they hold it, they close it on their visit
        ok(
            client.patch(
                f"{API}/follow-ups/{item['id']}",
                headers={**auth(worker), "If-Match": f'"{item["version"]}"'},
                json={"owner_type": "volunteer", "owner_id": helper.id},
            )
        )
        visit(client, account, e, method="phone", resolved_follow_ups=[item["id"]])
        assert items_of(client, worker, e)[0]["status"] == "resolved"

    def test_a_correction_adding_a_hazard_opens_it(self, client, db, worker):
        e = make_elder(db)
        v = visit(client, worker, e)
        ok(
            client.patch(
                f"{API}/visits/{v['id']}",
                headers={**auth(worker), "If-Match": f'"{v["version"]}"'},
                json={"safety_risks": ["water"]},
            )
        )
        [item] = items_of(client, worker, e)
        assert item["kind"] == "water"
        assert item["visit_id"] == v["id"]

    def test_opening_is_audited_and_in_the_change_feed(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        assert db.scalar(
            select(AuditEvent).where(
                AuditEvent.resource == "follow_up", AuditEvent.resource_id == item["id"]
            )
        )
        assert db.scalar(
            select(Change).where(Change.resource == "follow_up", Change.resource_id == item["id"])
        )


class TestRepeatedHazard:
    def test_found_again_counts_on_the_open_item(self, client, db, worker, past):
        e = make_elder(db)
        first = past.now
        visit(client, worker, e, first, safety_risks=["fire_gas"])
        past.advance(days=5)
        second = visit(client, worker, e, past.now, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        assert item["times_seen"] == 2
        assert datetime.fromisoformat(item["last_seen_at"]) == past.now
        detail = ok(client.get(f"{API}/follow-ups/{item['id']}", headers=auth(worker)))
        assert [h["action"] for h in detail["history"]] == ["opened", "seen_again"]
        assert detail["history"][1]["visit_id"] == second["id"]
        assert db.scalar(select(func.count()).select_from(FollowUp)) == 1

    def test_a_need_found_again_is_not_duplicated_either(self, client, db, worker, past):
        e = make_elder(db)
        visit(client, worker, e, past.now, needs=["medical"])
        past.advance(days=1)
        visit(client, worker, e, past.now, needs=["medical"])
        [item] = items_of(client, worker, e)
        assert item["times_seen"] == 2

    def test_found_again_soon_after_it_was_resolved_reopens_it(self, client, db, worker, past):
        e = make_elder(db)
        visit(client, worker, e, past.now, safety_risks=["electrical"])
        [item] = items_of(client, worker, e)
        ok(move(client, worker, item, "resolved", "已更换插座"))
        past.advance(days=10)
        visit(client, worker, e, past.now, safety_risks=["electrical"])
        [again] = items_of(client, worker, e)
        assert again["id"] == item["id"]
        assert again["status"] == "open"
        assert again["closed_at"] is None
        assert again["times_seen"] == 2
        history = ok(client.get(f"{API}/follow-ups/{item['id']}", headers=auth(worker)))["history"]
        assert [h["action"] for h in history] == ["opened", "moved", "reopened"]

    def test_found_again_after_the_reopen_window_opens_a_new_item(
        self, client, db, worker, county, past
    ):
        ok(
            client.put(
                f"{API}/policies/follow-ups",
                headers=auth(county),
                json={"reopen_days": 5, "effective_date": str(past.now.date() - timedelta(days=1))},
            )
        )
        e = make_elder(db)
        visit(client, worker, e, past.now, safety_risks=["electrical"])
        [item] = items_of(client, worker, e)
        ok(move(client, worker, item, "resolved", "已更换插座"))
        past.advance(days=10)
        visit(client, worker, e, past.now, safety_risks=["electrical"])
        items = items_of(client, worker, e)
        assert len(items) == 2
        assert {i["status"] for i in items} == {"open", "resolved"}


# ----------------------------------------------------------------------------- owner


class TestOwner:
    def test_assign_to_a_volunteer_the_township_and_a_department(
        self, client, db, worker, township
    ):
        e = make_elder(db)
        helper = make_volunteer(db, VILLAGE, name="帮扶人丙")
        visit(client, worker, e, safety_risks=["housing"])
        [item] = items_of(client, worker, e)

        def patch(user, version, **body):
            return client.patch(
                f"{API}/follow-ups/{item['id']}",
                headers={**auth(user), "If-Match": f'"{version}"'},
                json=body,
            )

        got = ok(patch(worker, item["version"], owner_type="volunteer", owner_id=helper.id))
        assert (got["owner_type"], got["owner_id"], got["owner_name"]) == (
            "volunteer",
            helper.id,
            "帮扶人丙",
        )
        # a village worker may not hand it to a department
        r = patch(worker, got["version"], owner_type="department", owner_id="housing")
        assert r.status_code == 403
        got = ok(patch(worker, got["version"], owner_type="township"))
        assert (got["owner_type"], got["owner_id"]) == ("township", None)
        got = ok(patch(township, got["version"], owner_type="department", owner_id="housing"))
        assert (got["owner_type"], got["owner_id"]) == ("department", "housing")
        assert [h["action"] for h in got["history"]].count("assigned") == 3
        # a stale version is refused
        assert patch(township, 1, owner_type="township").status_code == 412

    def test_bad_owners_are_refused_in_both_languages(self, client, db, worker, township):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["housing"])
        [item] = items_of(client, worker, e)
        stranger = make_user(db, "village_worker", OTHER_VILLAGE)
        for body in (
            {"owner_type": "village_worker", "owner_id": stranger.id},
            {"owner_type": "volunteer", "owner_id": "nope"},
            {"owner_type": "department", "owner_id": "nasa"},
            {"owner_type": "township", "owner_id": township.id},
        ):
            messages = []
            for lang in ("zh-CN", "en"):
                r = client.patch(
                    f"{API}/follow-ups/{item['id']}",
                    headers={**auth(township, lang), "If-Match": f'"{item["version"]}"'},
                    json=body,
                )
                assert r.status_code == 422, (body, r.text)
                assert r.json()["errors"][0]["loc"] == ["body", "owner_id"]
                messages.append(r.json()["errors"][0]["message"])
            assert messages[0] != messages[1]

    def test_township_assigns_several_at_once(self, client, db, worker, township):
        a, b = make_elder(db, name="甲"), make_elder(db, name="乙")
        visit(client, worker, a, safety_risks=["fire_gas"])
        visit(client, worker, b, safety_risks=["housing"])
        ids = [i["id"] for i in items_of(client, worker, a) + items_of(client, worker, b)]
        r = ok(
            client.post(
                f"{API}/follow-ups/assign",
                headers=auth(township),
                json={"ids": ids, "owner_type": "department", "owner_id": "housing"},
            )
        )
        assert r == {"assigned": 2}
        for i in items_of(client, worker, a) + items_of(client, worker, b):
            assert (i["owner_type"], i["owner_id"]) == ("department", "housing")
        # a village worker may not
        r = client.post(
            f"{API}/follow-ups/assign",
            headers=auth(worker),
            json={"ids": ids, "owner_type": "township"},
        )
        assert r.status_code == 403

    def test_the_named_owners_a_township_may_choose(self, client, db, worker, township, neighbours):
        make_user(db, "village_worker", VILLAGE, display_name="村干部乙", active=False)
        helper = make_volunteer(db, VILLAGE, name="志愿者甲")
        make_volunteer(db, TOWNSHIP, name="镇志愿者")
        make_volunteer(db, OTHER_VILLAGE, name="邻村志愿者")
        make_volunteer(db, VILLAGE, name="停用志愿者", active=False)
        got = ok(client.get(f"{API}/follow-ups/owners?village={VILLAGE}", headers=auth(township)))
        assert got["village"] == VILLAGE
        assert [(w["id"], w["name"]) for w in got["village_workers"]] == [(worker.id, "村干部甲")]
        assert sorted(v["name"] for v in got["volunteers"]) == ["志愿者甲", "镇志愿者"]
        # each candidate is one the assignment accepts
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        ids = [i["id"] for i in items_of(client, worker, e)]
        for owner_type, owner_id in (("volunteer", helper.id), ("village_worker", worker.id)):
            body = {"ids": ids, "owner_type": owner_type, "owner_id": owner_id}
            r = client.post(f"{API}/follow-ups/assign", headers=auth(township), json=body)
            assert ok(r) == {"assigned": 1}
        # a village worker may not ask; neighbouring townships and counties get 404
        r = client.get(f"{API}/follow-ups/owners?village={VILLAGE}", headers=auth(worker))
        assert r.status_code == 403
        for other in neighbours[1:]:
            r = client.get(f"{API}/follow-ups/owners?village={VILLAGE}", headers=auth(other))
            assert r.status_code == 404
        r = client.get(f"{API}/follow-ups/owners?village=4311", headers=auth(township))
        assert r.status_code == 422

    def test_batch_with_an_id_out_of_scope_changes_nothing(
        self, client, db, worker, township, neighbours
    ):
        mine, theirs = make_elder(db), make_elder(db, OTHER_VILLAGE)
        visit(client, worker, mine, safety_risks=["fire_gas"])
        other_worker = neighbours[0]
        visit(client, other_worker, theirs, safety_risks=["fire_gas"])
        [a] = items_of(client, worker, mine)
        [b] = items_of(client, other_worker, theirs)
        other_township = neighbours[1]
        r = client.post(
            f"{API}/follow-ups/assign",
            headers=auth(other_township),
            json={"ids": [a["id"]], "owner_type": "township"},
        )
        assert r.status_code == 404
        r = client.post(
            f"{API}/follow-ups/assign",
            headers=auth(township),
            json={"ids": [a["id"], "0" * 32], "owner_type": "township"},
        )
        assert r.status_code == 404
        assert items_of(client, worker, mine)[0]["owner_type"] == "village_worker"
        assert b["owner_type"] == "village_worker"


# ----------------------------------------------------------------------------- deadlines


class TestDeadlinesAndEscalation:
    def test_policy_per_kind_and_severity(self, client, db, worker, county):
        default = ok(client.get(f"{API}/policies/follow-ups", headers=auth(county)))
        assert default["effective_date"] is None
        assert default["due_days"]["fire_gas"] == {"high": 1, "medium": 3, "low": 7}
        due = dict(default["due_days"])
        due["fire_gas"] = {"high": 2, "medium": 4, "low": 8}
        ok(client.put(f"{API}/policies/follow-ups", headers=auth(county), json={"due_days": due}))
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        assert item["severity"] == "high"
        assert date.fromisoformat(item["due_date"]) == local_today() + timedelta(days=2)
        # a kind left out keeps its default
        only = {"housing": {"high": 5, "medium": 20, "low": 40}}
        got = ok(
            client.put(f"{API}/policies/follow-ups", headers=auth(county), json={"due_days": only})
        )
        assert got["due_days"]["housing"] == only["housing"]
        assert got["due_days"]["fire_gas"] == {"high": 1, "medium": 3, "low": 7}
        r = client.put(
            f"{API}/policies/follow-ups", headers=auth(county), json={"due_days": {"nope": {}}}
        )
        assert r.status_code == 422
        bad = {**due, "fire_gas": {"high": 9, "medium": 4, "low": 8}}
        r = client.put(f"{API}/policies/follow-ups", headers=auth(county), json={"due_days": bad})
        assert r.status_code == 422
        # a village worker reads, does not write
        assert (
            client.put(f"{API}/policies/follow-ups", headers=auth(worker), json={}).status_code
            == 403
        )

    def test_a_new_severity_moves_the_due_date(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["housing"])
        [item] = items_of(client, worker, e)
        got = ok(
            client.patch(
                f"{API}/follow-ups/{item['id']}",
                headers={**auth(worker), "If-Match": f'"{item["version"]}"'},
                json={"severity": "low"},
            )
        )
        assert date.fromisoformat(got["due_date"]) == local_today() + timedelta(days=60)

    def test_overdue_escalates_to_the_township(self, client, db, worker, township, clock):  # noqa: F811
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        assert (item["overdue"], item["level"]) == (False, "village")
        listed = ok(client.get(f"{API}/follow-ups?overdue=true", headers=auth(township)))
        assert listed["items"] == []
        clock.advance(days=2)
        [item] = items_of(client, worker, e)
        assert (item["overdue"], item["level"]) == (True, "township")
        listed = ok(client.get(f"{API}/follow-ups?overdue=true", headers=auth(township)))
        assert [i["id"] for i in listed["items"]] == [item["id"]]
        summary = ok(client.get(f"{API}/stats/summary", headers=auth(township)))
        assert summary["totals"]["follow_ups"]["overdue"] == 1
        # the township takes it and resolves it, late
        got = ok(
            client.post(
                f"{API}/follow-ups/assign",
                headers=auth(township),
                json={"ids": [item["id"]], "owner_type": "township"},
            )
        )
        assert got == {"assigned": 1}
        done = ok(move(client, township, item, "resolved", "乡镇督办已整改"))
        assert (done["overdue"], done["level"]) == (False, "village")
        assert done["history"][-1]["late"] is True


# ----------------------------------------------------------------------------- closing


class TestClosing:
    def test_referred_and_cannot_resolve_need_a_reason(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["housing"], needs=["legal"])
        housing, legal = sorted(items_of(client, worker, e), key=lambda i: i["kind"])
        for to in ("referred", "cannot_resolve"):
            for lang, text in (("zh-CN", "原因"), ("en", "reason")):
                r = move(client, worker, housing, to, "  ", lang=lang)
                assert r.status_code == 422
                assert text in r.json()["errors"][0]["message"]
        got = ok(move(client, worker, housing, "referred", "已转县住建局危房改造"))
        assert got["status"] == "referred"
        assert got["closure_note"] == "已转县住建局危房改造"
        got = ok(move(client, worker, legal, "cannot_resolve", "老人拒绝法律援助"))
        assert got["status"] == "cannot_resolve"

    def test_invalid_moves_list_what_is_allowed(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["housing"])
        [item] = items_of(client, worker, e)
        ok(move(client, worker, item, "resolved", "已修缮"))
        r = move(client, worker, item, "in_progress", lang="en")
        assert r.status_code == 409
        assert r.json()["allowed"] == ["open"]
        got = ok(move(client, worker, item, "open", "复查发现仍漏雨"))
        assert got["status"] == "open"
        # a closed item cannot be assigned until reopened
        ok(move(client, worker, got, "resolved", "已修缮"))
        r = client.patch(
            f"{API}/follow-ups/{item['id']}",
            headers={**auth(worker), "If-Match": '"99"'},
            json={"owner_type": "township"},
        )
        assert r.status_code in (409, 412)

    def test_the_next_visit_closes_it(self, client, db, worker, past):
        e = make_elder(db)
        visit(client, worker, e, past.now, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        past.advance(days=1)
        v = visit(client, worker, e, past.now, resolved_follow_ups=[item["id"]])
        [done] = items_of(client, worker, e)
        assert done["status"] == "resolved"
        assert done["closed_visit_id"] == v["id"]
        other = make_elder(db, name="别人")
        r = client.post(
            f"{API}/visits",
            headers=auth(worker),
            json={"elder_id": other.id, "method": "phone", "resolved_follow_ups": [item["id"]]},
        )
        assert r.status_code == 422

    def test_a_visit_as_evidence_must_be_the_elders(self, client, db, worker):
        e, other = make_elder(db), make_elder(db, name="别人")
        visit(client, worker, e, safety_risks=["fire_gas"])
        v = visit(client, worker, other)
        [item] = items_of(client, worker, e)
        r = move(client, worker, item, "resolved", visit_id=v["id"])
        assert r.status_code == 422


# ----------------------------------------------------------------------------- relief, incidents


class TestReliefAndIncidents:
    def test_relief_programs_are_reliefs(self):
        assert get_args(rules.ReliefProgram) == get_args(Program)

    def test_a_benefit_resolves_the_relief_need(self, client, db, worker):
        e = make_elder(db)
        visit(client, worker, e, needs=["relief", "medical"])
        r = ok(
            client.post(
                f"{API}/elders/{e.id}/benefits",
                headers=auth(worker),
                json={
                    "program": "temporary_assistance",
                    "start_date": str(local_today()),
                    "source": "civil_affairs_roster",
                },
            ),
            201,
        )
        items = {i["kind"]: i for i in items_of(client, worker, e)}
        assert items["relief"]["status"] == "resolved"
        assert items["relief"]["benefit_id"] == r["id"]
        assert items["medical"]["status"] == "open"

    def test_resolving_an_incident_opens_a_follow_up(self, client, db, worker, township):
        e = make_elder(db)
        inc = ok(
            client.post(
                f"{API}/incidents",
                headers=auth(worker),
                json={
                    "elder_id": e.id,
                    "type": "accident",
                    "severity": "medium",
                    "description": "老人在家中摔倒",
                },
            ),
            201,
        )
        path = f"{API}/incidents/{inc['id']}/transitions"
        for to in ("acknowledged", "in_progress"):
            ok(client.post(path, headers=auth(township), json={"to": to}))
        # resolving asks what was arranged
        for lang in ("zh-CN", "en"):
            r = client.post(path, headers=auth(township, lang), json={"to": "resolved"})
            assert r.status_code == 422
        r = client.post(path, headers=auth(township), json={"to": "resolved", "no_follow_up": True})
        assert r.status_code == 422  # none needs a note
        r = client.post(
            path,
            headers=auth(township),
            json={"to": "escalated", "relief_referral": "temporary_assistance"},
        )
        assert r.status_code == 422
        got = ok(
            client.post(
                path,
                headers=auth(township),
                json={
                    "to": "resolved",
                    "note": "已送医",
                    "follow_up": {"kind": "fall_risk", "description": "卫生间加装扶手"},
                },
            )
        )
        [item_id] = got["follow_up_ids"]
        item = ok(client.get(f"{API}/follow-ups/{item_id}", headers=auth(worker)))
        assert (item["kind"], item["incident_id"]) == ("fall_risk", inc["id"])
        assert item["description"] == "卫生间加装扶手"

    def test_a_relief_referral_opens_a_relief_need_that_a_benefit_resolves(
        self, client, db, worker, township
    ):
        e = make_elder(db)
        inc = ok(
            client.post(
                f"{API}/incidents",
                headers=auth(worker),
                json={
                    "elder_id": e.id,
                    "type": "major_hardship",
                    "severity": "high",
                    "description": "房屋失火，生活困难",
                },
            ),
            201,
        )
        path = f"{API}/incidents/{inc['id']}/transitions"
        for to in ("acknowledged", "in_progress"):
            ok(client.post(path, headers=auth(township), json={"to": to}))
        got = ok(
            client.post(
                path,
                headers=auth(township),
                json={
                    "to": "resolved",
                    "note": "申请临时救助",
                    "relief_referral": "temporary_assistance",
                },
            )
        )
        [item_id] = got["follow_up_ids"]
        item = ok(client.get(f"{API}/follow-ups/{item_id}", headers=auth(worker)))
        assert (item["kind"], item["program"]) == ("relief", "temporary_assistance")
        # a benefit of another program does not resolve it; one of this program does
        for program in ("medical_assistance", "temporary_assistance"):
            ok(
                client.post(
                    f"{API}/elders/{e.id}/benefits",
                    headers=auth(worker),
                    json={
                        "program": program,
                        "start_date": str(local_today()),
                        "source": "civil_affairs_roster",
                    },
                ),
                201,
            )
            item = ok(client.get(f"{API}/follow-ups/{item_id}", headers=auth(worker)))
            assert item["status"] == ("resolved" if program == "temporary_assistance" else "open")


# ----------------------------------------------------------------------------- lists, counts


class TestListsAndCounts:
    def test_filters_and_keyset_pages(self, client, db, worker, township):
        elders = [make_elder(db, name=f"老人{n}") for n in range(5)]
        for e in elders:
            visit(client, worker, e, safety_risks=["fire_gas"], needs=["medical"])
        got = ok(
            client.get(
                f"{API}/follow-ups",
                headers=auth(township),
                params={"category": "hazard", "limit": 2, "count": "true"},
            )
        )
        assert got["total"] == 5
        seen = [i["id"] for i in got["items"]]
        while got["next_cursor"]:
            got = ok(
                client.get(
                    f"{API}/follow-ups",
                    headers=auth(township),
                    params={"category": "hazard", "limit": 2, "cursor": got["next_cursor"]},
                )
            )
            seen += [i["id"] for i in got["items"]]
        assert len(seen) == len(set(seen)) == 5
        kinds = ok(
            client.get(f"{API}/follow-ups", headers=auth(township), params={"kind": "medical"})
        )
        assert {i["kind"] for i in kinds["items"]} == {"medical"}
        assert (
            ok(
                client.get(
                    f"{API}/follow-ups",
                    headers=auth(township),
                    params={"status": "resolved"},
                )
            )["items"]
            == []
        )
        owned = ok(
            client.get(
                f"{API}/follow-ups",
                headers=auth(township),
                params={"owner_type": "village_worker", "owner_id": worker.id, "limit": 50},
            )
        )
        assert len(owned["items"]) == 10
        region = ok(
            client.get(f"{API}/follow-ups", headers=auth(township), params={"region": VILLAGE})
        )
        assert len(region["items"]) == 10

    def test_summary_counts_per_village(self, client, db, worker, township, clock):  # noqa: F811
        clock.now = clock.now - timedelta(days=3)
        a, b = make_elder(db, name="甲"), make_elder(db, OTHER_VILLAGE, name="乙")
        other_worker = make_user(db, "village_worker", OTHER_VILLAGE)
        when = clock.now
        visit(client, worker, a, when, safety_risks=["fire_gas", "housing"], needs=["legal"])
        visit(client, other_worker, b, when, safety_risks=["water"])
        [water] = items_of(client, other_worker, b)
        clock.advance(days=3)
        ok(move(client, other_worker, water, "resolved", "已接自来水"))
        summary = ok(client.get(f"{API}/stats/summary", headers=auth(township)))
        rows = {c["code"]: c["follow_ups"] for c in summary["children"]}
        assert rows[VILLAGE]["open"] == 3
        assert rows[VILLAGE]["open_hazards"] == 2
        assert rows[VILLAGE]["by_kind"] == {"fire_gas": 1, "housing": 1, "legal": 1}
        assert rows[VILLAGE]["overdue"] == 1  # fire and gas: one day
        assert rows[OTHER_VILLAGE]["open"] == 0
        assert rows[OTHER_VILLAGE]["resolved_this_month"] == 1
        assert rows[OTHER_VILLAGE]["median_days_to_resolve"] == 3.0
        total = summary["totals"]["follow_ups"]
        assert (total["open"], total["overdue"], total["resolved_this_month"]) == (3, 1, 1)
        assert total["median_days_to_resolve"] == 3.0

    def test_the_worklist_shows_what_the_worker_holds(self, client, db, worker, township):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        stranger = make_user(db, "village_worker", VILLAGE)
        make_elder(db, name="另一位")
        got = ok(
            client.get(f"{API}/worklist", headers=auth(worker), params={"due_within_days": 366})
        )
        assert [f["kind"] for f in got["follow_ups"]] == ["fire_gas"]
        row = next(i for i in got["items"] if i["elder_id"] == e.id)
        assert row["open_follow_ups"] == 1
        # another worker of the village does not hold it; handed to the township, the
        # township does
        assert ok(client.get(f"{API}/worklist", headers=auth(stranger)))["follow_ups"] == []
        [item] = items_of(client, worker, e)
        ok(
            client.post(
                f"{API}/follow-ups/assign",
                headers=auth(township),
                json={"ids": [item["id"]], "owner_type": "township"},
            )
        )
        assert ok(client.get(f"{API}/worklist", headers=auth(worker)))["follow_ups"] == []
        assert [
            f["id"] for f in ok(client.get(f"{API}/worklist", headers=auth(township)))["follow_ups"]
        ] == [item["id"]]

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_export_has_chinese_headers_and_words(self, client, db, worker, township, fmt):
        e = make_elder(db, name="王桂花")
        visit(client, worker, e, safety_risks=["fire_gas"])
        r = client.get(f"{API}/follow-ups/export", headers=auth(township), params={"format": fmt})
        assert r.status_code == 200, r.text
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
            rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
        else:
            text = r.content.decode("utf-8-sig")
            rows = [line.split(",") for line in text.strip().splitlines()]
        head, row = rows[0], rows[1]
        assert head[:5] == ["村（社区）", "村代码", "老人姓名", "类别", "事项"]
        assert "状态" in head
        assert "期限" in head
        assert row[0] == "南风坳村委会"
        assert row[2] == "王桂花"
        assert row[3] == "安全隐患"
        assert row[4] == labels.label("kind", "fire_gas") == "用火用气"
        assert row[head.index("状态")] == "待处理"

    def test_export_in_english_has_english_headers_and_words(self, client, db, worker, township):
        from eldercare import labels as words
        from eldercare.followups.router import EXPORT_COLUMNS

        e = make_elder(db, name="王桂花")
        visit(client, worker, e, safety_risks=["fire_gas"])
        r = client.get(
            f"{API}/follow-ups/export", headers=auth(township, "en"), params={"format": "csv"}
        )
        assert r.status_code == 200, r.text
        head, row = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [k for k in EXPORT_COLUMNS if k not in words.COLUMNS | words.ENUMS["field"]] == []
        assert head[:5] == ["Village", "Village code", "Elder", "Category", "Item"]
        cell = dict(zip(head, row, strict=True))
        assert cell["Category"] == "Hazard"
        assert cell["Item"] == labels.label("kind", "fire_gas", "en") == "Fire/gas"
        assert cell["Severity"] == labels.label("severity", "high", "en") == "Urgent"
        assert cell["Status"] == "Open"
        assert cell["Owner type"] == "Village worker"
        assert cell["Overdue"] == "No"
        assert cell["Handled at"] == "Village"
        assert cell["Found by"].startswith("Staff")
        assert not {"fire_gas", "hazard", "open", "village_worker", "village"} & set(row)

    def test_export_of_chosen_items_holds_only_those(
        self, client, db, worker, township, neighbours
    ):
        e = make_elder(db, name="王桂花")
        visit(client, worker, e, safety_risks=["fire_gas", "electrical"])
        chosen, other = items_of(client, worker, e)
        params = {"format": "csv", "ids": [chosen["id"]]}
        r = client.get(f"{API}/follow-ups/export", headers=auth(township), params=params)
        assert r.status_code == 200, r.text
        rows = r.content.decode("utf-8-sig").strip().splitlines()
        assert len(rows) == 2
        assert labels.label("kind", chosen["kind"]) in rows[1]
        assert labels.label("kind", other["kind"]) not in rows[1]
        # the ids do not widen anyone's view: a neighbour's export of them is empty
        for user in neighbours:
            r = client.get(f"{API}/follow-ups/export", headers=auth(user), params=params)
            assert r.content.decode("utf-8-sig").strip().splitlines()[1:] == []


# ----------------------------------------------------------------------------- scope


class TestNeighbours:
    def test_lists_and_routes_of_a_neighbour_are_404_or_empty(self, client, db, worker, neighbours):
        e = make_elder(db)
        visit(client, worker, e, safety_risks=["fire_gas"])
        [item] = items_of(client, worker, e)
        for user in neighbours:
            h = auth(user)
            assert client.get(f"{API}/follow-ups/{item['id']}", headers=h).status_code == 404
            assert client.get(f"{API}/elders/{e.id}/follow-ups", headers=h).status_code == 404
            assert ok(client.get(f"{API}/follow-ups", headers=h))["items"] == []
            assert (
                client.get(f"{API}/follow-ups", headers=h, params={"region": VILLAGE}).status_code
                == 404
            )
            assert (
                client.get(
                    f"{API}/follow-ups/export", headers=h, params={"region": VILLAGE}
                ).status_code
                == 404
            )
            assert move(client, user, item, "in_progress").status_code == 404
            r = client.patch(
                f"{API}/follow-ups/{item['id']}",
                headers={**h, "If-Match": f'"{item["version"]}"'},
                json={"description": "邻村改的"},
            )
            assert r.status_code == 404
            assert ok(client.get(f"{API}/worklist", headers=h))["follow_ups"] == []
        for officer in neighbours[1:]:
            r = client.post(
                f"{API}/follow-ups/assign",
                headers=auth(officer),
                json={"ids": [item["id"]], "owner_type": "township"},
            )
            assert r.status_code == 404
        export = client.get(
            f"{API}/follow-ups/export", headers=auth(neighbours[2]), params={"format": "csv"}
        )
        assert "王" not in export.content.decode("utf-8-sig")
        assert items_of(client, worker, e)[0]["version"] == item["version"]
