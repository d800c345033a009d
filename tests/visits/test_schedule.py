"""The visit schedule: tiers, the monthly rule, events, methods; the worklist and overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from eldercare.clock import today as local_today
from eldercare.visits.rules import TierRule, VisitPolicy, end_of_next_month, next_due

from tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    id_number,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

SH = ZoneInfo("Asia/Shanghai")
P = VisitPolicy()
REG = date(2026, 1, 1)


class TestRules:
    @pytest.mark.parametrize(("tier", "days"), [("high", 7), ("key", 30), ("general", 90)])
    def test_each_tier(self, tier, days):
        due = next_due(P, tier, False, date(2026, 11, 2), REG, None, SH)
        assert due.next_due_date == date(2026, 11, 2) + timedelta(days=days)
        assert due.reason["code"] == "due.tier"

    def test_never_visited_is_due_since_registration(self):
        due = next_due(P, "general", False, None, REG, None, SH)
        assert due.next_due_date == REG
        assert due.reason["code"] == "due.never_visited"

    @pytest.mark.parametrize(
        ("last", "due"),
        [
            (date(2026, 11, 2), date(2026, 12, 31)),
            (date(2026, 12, 31), date(2027, 1, 31)),
            (date(2027, 1, 1), date(2027, 2, 28)),
            (date(2028, 1, 15), date(2028, 2, 29)),
        ],
    )
    def test_special_difficulty_needs_a_visit_every_calendar_month(self, last, due):
        assert end_of_next_month(last) == due
        got = next_due(P, "general", True, last, REG, None, SH)
        assert got.next_due_date == due
        assert got.reason["code"] == "due.monthly"

    def test_weekly_tier_is_sooner_than_the_monthly_rule(self):
        got = next_due(P, "high", True, date(2026, 11, 2), REG, None, SH)
        assert got.next_due_date == date(2026, 11, 9)

    def test_event_makes_a_visit_due_within_a_day_local_time(self):
        event = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 on the 21st in Shanghai
        got = next_due(P, "general", False, date(2026, 11, 2), REG, event, SH)
        assert got.next_due_date == date(2026, 11, 21)
        assert got.reason["code"] == "due.event"


def log(client, user, elder, method="home_visit", when=None):
    body = {"elder_id": elder.id, "method": method}
    if when:
        body["visited_at"] = when
    r = client.post("/api/v1/visits", headers=auth(user), json=body)
    assert r.status_code == 201, r.text
    return r.json()


class TestWorklist:
    def test_overdue_appears_and_disappears_as_visits_are_logged(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        items = client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        assert [i["elder_id"] for i in items] == [e.id]
        assert items[0]["reason"] == "尚未探访（一般）"
        log(client, worker, e, when=(datetime.now(UTC) - timedelta(days=100)).isoformat())
        assert [
            i["id"]
            for i in client.get("/api/v1/elders?overdue=true", headers=auth(worker)).json()["items"]
        ] == [e.id]
        assert (
            client.get("/api/v1/elders?overdue=false", headers=auth(worker)).json()["items"] == []
        )
        log(client, worker, e)
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []
        assert client.get("/api/v1/elders?overdue=true", headers=auth(worker)).json()["items"] == []
        ahead = client.get("/api/v1/worklist?due_within_days=120", headers=auth(worker)).json()[
            "items"
        ]
        assert ahead[0]["days_overdue"] == 0
        assert ahead[0]["reason"] == "一般对象每 90 天至少探访一次"

    def test_most_overdue_first(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        high = make_elder(db, name="高", birth="1940-01-01", living_arrangement="alone")
        low = make_elder(db, name="低", living_arrangement="with_children")
        now = datetime.now(UTC)
        log(client, worker, high, when=(now - timedelta(days=20)).isoformat())
        log(client, worker, low, when=(now - timedelta(days=100)).isoformat())
        items = client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        assert [i["elder_id"] for i in items] == [high.id, low.id]
        assert items[0]["days_overdue"] == 13
        assert items[1]["days_overdue"] == 10

    def test_only_counted_methods_satisfy_a_tier(self, client, db):
        officer = make_user(db, "county_officer", "431127")
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        policy = {
            "tiers": {
                "high": {"interval_days": 7},
                "key": {"interval_days": 30},
                "general": {"interval_days": 90, "methods": ["home_visit"]},
            }
        }
        assert (
            client.put("/api/v1/policies/visits", headers=auth(officer), json=policy).status_code
            == 200
        )
        log(client, worker, e, method="phone")
        assert [
            i["elder_id"]
            for i in client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        ] == [e.id]
        log(client, worker, e, method="home_visit")
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []

    def test_policy_change_recomputes_and_versions_are_kept(self, client, db):
        officer = make_user(db, "county_officer", "431127")
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        log(client, worker, e, when=(datetime.now(UTC) - timedelta(days=40)).isoformat())
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []
        policy = {
            "tiers": {
                "high": {"interval_days": 7},
                "key": {"interval_days": 14},
                "general": {"interval_days": 30},
            }
        }
        r = client.put("/api/v1/policies/visits", headers=auth(officer), json=policy)
        assert r.json()["effective_date"] == local_today().isoformat()
        assert [
            i["elder_id"]
            for i in client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        ] == [e.id]
        old = client.get("/api/v1/policies/visits?on=2020-01-01", headers=auth(officer)).json()
        assert old["effective_date"] is None
        assert old["tiers"]["general"]["interval_days"] == 90

    def test_a_new_elder_is_due_by_their_county_policy(self, client, db):
        """The register writes a new elder's first schedule with visits' policy of the
        elder's county on the day (through ``elders.hooks.first_schedule``)."""
        from eldercare.visits.models import ElderSchedule

        officer = make_user(db, "county_officer", "431127")
        days = {"high": 5, "key": 20, "general": 45}
        tiers = {tier: {"interval_days": d} for tier, d in days.items()}
        r = client.put("/api/v1/policies/visits", headers=auth(officer), json={"tiers": tiers})
        assert r.status_code == 200, r.text
        defaults = {"high": 7, "key": 30, "general": 90}
        made = {}
        for village, county_days in ((VILLAGE, days), (OTHER_COUNTY_VILLAGE, defaults)):
            worker = make_user(db, "village_worker", village)
            body = {
                "id_number": id_number("1948-05-02", county=village[:6]),
                "name": "王桂兰",
                "village_code": village,
                "living_arrangement": "with_children",
            }
            r = client.post("/api/v1/elders", headers=auth(worker), json=body)
            assert r.status_code == 201, r.text
            made[r.json()["id"]] = county_days
        for elder_id, county_days in made.items():
            row = db.get(ElderSchedule, elder_id)
            assert row is not None
            interval = county_days[row.risk_level]
            assert (row.interval_days, row.next_due_date) == (interval, local_today())
            assert row.reason == {"code": "due.never_visited", "params": {"tier": row.risk_level}}
        assert {db.get(ElderSchedule, e).interval_days for e in made} == {45, 90}

    @pytest.mark.parametrize("tiers", [{}, {"high": {"interval_days": 3}}])
    def test_tiers_left_out_keep_their_defaults(self, client, db, tiers):
        officer = make_user(db, "county_officer", "431127")
        make_elder(db, living_arrangement="with_children")
        r = client.put("/api/v1/policies/visits", headers=auth(officer), json={"tiers": tiers})
        assert r.status_code == 200, r.text
        got = {tier: rule["interval_days"] for tier, rule in r.json()["tiers"].items()}
        assert got == {"high": 7, "key": 30, "general": 90} | {
            tier: rule["interval_days"] for tier, rule in tiers.items()
        }

    def test_event_makes_a_visited_elder_due(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        log(client, worker, e)
        r = client.post(
            f"/api/v1/elders/{e.id}/events", headers=auth(worker), json={"type": "hospitalisation"}
        )
        assert r.status_code == 201
        assert r.json()["event_type"] == "hospitalisation"
        due = client.get("/api/v1/worklist?due_within_days=1", headers=auth(worker)).json()["items"]
        assert [i["elder_id"] for i in due] == [e.id]
        log(client, worker, e)
        assert (
            client.get("/api/v1/worklist?due_within_days=1", headers=auth(worker)).json()["items"]
            == []
        )

    def test_deceased_elders_leave_the_worklist(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        client.post(
            f"/api/v1/elders/{e.id}/status",
            headers={**auth(worker), "If-Match": f'"{e.version}"'},
            json={"status": "deceased", "date": local_today().isoformat(), "reason": "病故"},
        )
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []

    def test_scope_and_volunteers(self, client, db):
        mine = make_elder(db, VILLAGE, name="甲")
        other = make_elder(db, OTHER_VILLAGE, name="乙")
        worker = make_user(db, "village_worker", VILLAGE)
        assert [
            i["elder_id"]
            for i in client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        ] == [mine.id]
        officer = make_user(db, "township_officer", TOWNSHIP)
        assert len(client.get("/api/v1/worklist", headers=auth(officer)).json()["items"]) == 2
        login = make_user(db, "volunteer", VILLAGE)
        v = make_volunteer(db, user=login)
        make_pairing(db, other, v)
        assert [
            i["elder_id"]
            for i in client.get("/api/v1/worklist", headers=auth(login)).json()["items"]
        ] == [other.id]
        by_helper = client.get(
            f"/api/v1/worklist?volunteer_id={v.id}", headers=auth(officer)
        ).json()["items"]
        assert [i["elder_id"] for i in by_helper] == [other.id]


class TestWhenDue:
    """The worklist says when: a signed day count and the date, never "today" for the future."""

    @staticmethod
    def _visited_days_ago(client, worker, elder, days):
        # A general-tier elder is due 90 days after a visit; local noon keeps the date exact.
        visited = datetime.combine(local_today() - timedelta(days=days), time(12), tzinfo=SH)
        log(client, worker, elder, when=visited.isoformat())

    @pytest.mark.parametrize(
        ("days_ago", "due_in", "overdue"),
        [(91, -1, 1), (90, 0, 0), (89, 1, 0), (83, 7, 0)],
        ids=["due-yesterday", "due-today", "due-tomorrow", "due-in-7-days"],
    )
    def test_due_date_and_signed_day_count(self, client, db, days_ago, due_in, overdue):
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        self._visited_days_ago(client, worker, e, days_ago)
        items = client.get("/api/v1/worklist", headers=auth(worker)).json()["items"]
        assert len(items) == 1
        item = items[0]
        assert item["next_due_date"] == (local_today() + timedelta(days=due_in)).isoformat()
        assert item["due_in_days"] == due_in
        assert item["days_overdue"] == overdue

    @pytest.mark.parametrize("phone_counts", [True, False], ids=["schedules", "visits"])
    def test_overdue_is_one_figure_on_the_township_home(self, client, db, phone_counts):
        """到期未探访: the worklist's total and the visit rates' (totals and each village)
        count the same elders, whichever way the rates are read."""
        officer = make_user(db, "township_officer", TOWNSHIP)
        if not phone_counts:
            county = make_user(db, "county_officer", TOWNSHIP[:6])
            tiers = {"interval_days": 90, "methods": ["home_visit"]}
            policy = {
                "tiers": {
                    "high": {"interval_days": 7},
                    "key": {"interval_days": 30},
                    "general": tiers,
                }
            }
            r = client.put("/api/v1/policies/visits", headers=auth(county), json=policy)
            assert r.status_code == 200, r.text
        late = [
            make_elder(db, v, living_arrangement="with_children")
            for v in (VILLAGE, OTHER_VILLAGE, VILLAGE)
        ]
        today_due = make_elder(db, OTHER_VILLAGE, living_arrangement="with_children")
        make_elder(db, VILLAGE, living_arrangement="with_children")  # never visited: due today
        for e in late:
            self._visited_days_ago(client, officer, e, 91)
        self._visited_days_ago(client, officer, today_due, 90)
        h = auth(officer)
        listed = client.get(
            "/api/v1/worklist", headers=h, params={"overdue": "true", "count": "true"}
        ).json()
        rates = client.get("/api/v1/visit-rates", headers=h).json()
        assert listed["total"] == rates["totals"]["overdue"] == 3
        assert sorted(i["elder_id"] for i in listed["items"]) == sorted(e.id for e in late)
        by_village = {c["code"]: c["overdue"] for c in rates["children"]}
        assert by_village[VILLAGE] == 2
        assert by_village[OTHER_VILLAGE] == 1
        for code, n in by_village.items():
            one = client.get(
                "/api/v1/worklist",
                headers=h,
                params={"overdue": "true", "count": "true", "region": code},
            )
            assert one.json()["total"] == n

    def test_due_in_8_days_is_beyond_the_default_week(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        e = make_elder(db, living_arrangement="with_children")
        self._visited_days_ago(client, worker, e, 82)
        assert client.get("/api/v1/worklist", headers=auth(worker)).json()["items"] == []
        ahead = client.get("/api/v1/worklist?due_within_days=8", headers=auth(worker)).json()
        assert [i["due_in_days"] for i in ahead["items"]] == [8]

    def test_reasons_follow_accept_language(self, client, db):
        worker = make_user(db, "village_worker", VILLAGE)
        fresh = make_elder(db, name="甲", living_arrangement="with_children")
        visited = make_elder(db, name="乙", living_arrangement="with_children")
        self._visited_days_ago(client, worker, visited, 90)

        def reasons(lang):
            r = client.get("/api/v1/worklist", headers={**auth(worker), "Accept-Language": lang})
            return {i["elder_id"]: i["reason"] for i in r.json()["items"]}

        assert reasons("en") == {
            fresh.id: "never visited (general)",
            visited.id: "general elders: a visit every 90 days",
        }
        assert reasons("zh-CN,zh;q=0.9,en;q=0.8") == {
            fresh.id: "尚未探访（一般）",
            visited.id: "一般对象每 90 天至少探访一次",
        }
        recent = make_elder(db, name="丙", living_arrangement="with_children")
        self._visited_days_ago(client, worker, recent, 1)
        r = client.post(
            f"/api/v1/elders/{recent.id}/events",
            headers={**auth(worker), "Accept-Language": "en-GB,en;q=0.9"},
            json={"type": "hospitalisation"},
        )
        assert r.json()["reason"] == "an event: a visit within 24 hours"
        assert r.json()["due_in_days"] in (0, 1)  # within 24 hours: today or tomorrow


def test_policy_tiers_validate():
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        TierRule(interval_days=0)


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("village_worker", OTHER_VILLAGE),
        ("township_officer", "431127100"),
        ("county_officer", "621027"),
    ],
)
def test_events_of_a_neighbours_elder_are_404(client, db, role, region):
    e = make_elder(db, VILLAGE)
    other = make_user(db, role, region)
    r = client.post(
        f"/api/v1/elders/{e.id}/events", headers=auth(other), json={"type": "hospitalisation"}
    )
    assert r.status_code == 404
    assert e.id not in [
        i["elder_id"]
        for i in client.get("/api/v1/worklist?due_within_days=366", headers=auth(other)).json()[
            "items"
        ]
    ]
