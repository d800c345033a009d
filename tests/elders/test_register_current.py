"""The register keeps itself current (issue 16, items 4-5): benefits recorded over the API
are categories at once, and ages move on at midnight without ``eldercare register refresh``:
each day's first request (or the server's daily task) runs the day's refresh, once per day
per database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from eldercare.clock import today
from eldercare.config import get_settings
from eldercare.elders import current, refresh
from eldercare.elders.models import Elder, RegisterRefresh
from eldercare.visits.models import ElderSchedule
from sqlalchemy import select

from tests.clock import Clock
from tests.factories import VILLAGE, auth, id_number, make_elder, make_user


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr("eldercare.clock.utcnow", c)
    # this process has not refreshed any day yet (other tests' refreshes were rolled back)
    monkeypatch.setattr(refresh, "_current", {})
    return c


def detail(client, user, elder_id, lang=None):
    r = client.get(f"/api/v1/elders/{elder_id}", headers=auth(user, lang))
    assert r.status_code == 200, r.text
    return r.json()


def categories(payload):
    return {c["code"]: c for c in payload["categories"]}


class TestBenefitsFeedTheRegister:
    def test_tekun_recorded_and_ended_over_the_api(self, client, db, worker):
        # 特困 excludes from the left-behind (domain.md), is 贫困 (plans 八/九 "独居、失能、贫困、
        # 高龄等特殊困难留守老年人") and 分散供养特困 is a 重点 elder.
        e = make_elder(
            db,
            living_arrangement="with_spouse",
            self_care="independent",
            guardians=[
                {
                    "name": "王强",
                    "relation": "son",
                    "away_scope": "outside_province",
                    "away_since": "2020-01-01",
                }
            ],
        )
        before = detail(client, worker, e.id)
        assert before["is_left_behind"] is True
        assert before["risk_level"] == "general"
        start = str(today() - timedelta(days=30))
        r = client.post(
            f"/api/v1/elders/{e.id}/benefits",
            headers=auth(worker),
            json={
                "program": "extreme_poverty_support",
                "start_date": start,
                "source": "civil_affairs_roster",
            },
        )
        assert r.status_code == 201, r.text
        benefit = r.json()
        after = detail(client, worker, e.id)
        cats = categories(after)
        assert cats["extreme_poverty"]["reason"] == f"享受特困人员救助供养（自 {start} 起）"
        assert "special_difficulty" in cats
        assert after["is_left_behind"] is False
        assert after["risk_level"] == "key"
        schedule = db.get(ElderSchedule, e.id)
        db.refresh(schedule)
        assert (schedule.risk_level, schedule.special_difficulty) == ("key", True)

        r = client.post(
            f"/api/v1/benefits/{benefit['id']}/end",
            headers={**auth(worker), "If-Match": f'"{benefit["version"]}"'},
            json={"end_date": str(today() - timedelta(days=1)), "reason": "no_longer_eligible"},
        )
        assert r.status_code == 200, r.text
        ended = detail(client, worker, e.id)
        assert "extreme_poverty" not in categories(ended)
        assert ended["is_left_behind"] is True
        assert ended["risk_level"] == "general"
        db.refresh(schedule)
        assert schedule.risk_level == "general"  # (still special: left-behind, empty-nest)

    def test_dibao_is_low_income_in_english_too(self, client, db, worker):
        e = make_elder(db, living_arrangement="with_children", self_care="independent")
        assert "special_difficulty" not in categories(detail(client, worker, e.id))
        r = client.post(
            f"/api/v1/elders/{e.id}/benefits",
            headers=auth(worker),
            json={
                "program": "minimum_living_allowance",
                "start_date": "2025-01-01",
                "source": "civil_affairs_roster",
            },
        )
        assert r.status_code == 201, r.text
        cats = categories(detail(client, worker, e.id, "en"))
        assert cats["low_income"]["reason"] == (
            "receives minimum living allowance (dibao) (since 2025-01-01)"
        )
        assert cats["special_difficulty"]["reason"] == "in minimum living allowance"


class TestAgeingWithoutCron:
    def _turning_80_tomorrow(self, client, worker):
        birth = (today() + timedelta(days=1)).replace(year=today().year - 80)
        r = client.post(
            "/api/v1/elders",
            headers=auth(worker),
            json={
                "id_number": id_number(birth.isoformat()),
                "name": "李桂兰",
                "village_code": VILLAGE,
                "living_arrangement": "alone",
                "self_care": "independent",
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    def test_80_on_the_birthday_in_the_detail_the_list_and_the_schedule(
        self, client, db, worker, clock
    ):
        created = self._turning_80_tomorrow(client, worker)
        assert created["age"] == 79
        assert "advanced_age" not in categories(created)
        assert created["risk_level"] == "general"

        clock.advance(days=1)  # midnight passed; nobody ran `eldercare register refresh`
        e = detail(client, worker, created["id"])
        assert e["age"] == 80
        assert "advanced_age" in categories(e)
        # 高风险: "80+ 独居/空巢/留守" (domain.md, visit tiers)
        assert e["risk_level"] == "high"
        rows = client.get("/api/v1/elders", headers=auth(worker)).json()["items"]
        row = next(r for r in rows if r["id"] == created["id"])
        assert "advanced_age" in row["categories"]
        assert row["risk_level"] == "high"
        schedule = db.get(ElderSchedule, created["id"])
        db.refresh(schedule)
        assert schedule.risk_level == "high"
        done = db.get(RegisterRefresh, today())
        assert done is not None
        assert done.elders >= 1
        assert done.finished_at is not None

    def test_the_first_api_request_of_a_day_refreshes_and_other_paths_do_not(
        self, client, db, worker, clock
    ):
        # The check is a layer before the routes (cheaper than a route dependency): every
        # path under /api/v1 passes it, /healthz and the app's files do not.
        clock.advance(days=1)
        assert client.get("/healthz").status_code == 200
        assert db.get(RegisterRefresh, today()) is None
        assert client.get("/api/v1/no-such-thing", headers=auth(worker)).status_code == 404
        done = db.get(RegisterRefresh, today())
        assert done is not None
        assert done.finished_at is not None

    def test_not_a_day_early(self, client, db, worker, clock):
        # noon, local time: an hour later is still today, whenever the test runs
        clock.now = datetime.combine(today(), time(12), get_settings().tz).astimezone(UTC)
        created = self._turning_80_tomorrow(client, worker)
        clock.advance(hours=1)
        assert "advanced_age" not in categories(detail(client, worker, created["id"]))

    def test_once_per_day_per_database(self, db, clock):
        e = make_elder(db, birth="1950-03-15")
        day = today()
        db.execute(Elder.__table__.update().where(Elder.id == e.id).values(derived_until=day))
        assert refresh.claim_day(db, day) == 1  # the first process claims the day ...
        assert refresh.claim_day(db, day) is None  # ... the next finds it claimed
        db.expire_all()
        assert db.scalar(select(Elder.derived_until).where(Elder.id == e.id)) > day
        assert refresh.bring_current(today=day) is None  # claimed already: nothing to do
        assert refresh.is_current(day)

    def test_the_servers_task_refreshes_without_any_request(self, db, clock, monkeypatch):
        e = make_elder(db, living_arrangement="alone")
        clock.advance(days=1)
        db.execute(Elder.__table__.update().where(Elder.id == e.id).values(derived_until=today()))
        db.flush()
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            raise asyncio.CancelledError  # one round

        monkeypatch.setattr(current.asyncio, "sleep", sleep)
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(current.keep_current())
        assert db.get(RegisterRefresh, today()) is not None
        assert 1 <= slept[0] <= current.CHECK_SECONDS


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-29T23:59:00", 61.0),
        ("2026-11-29T12:00:00", current.CHECK_SECONDS),
        ("2026-11-29T23:59:59.900", 1.1),
    ],
)
def test_the_task_looks_again_just_after_midnight(now, expected):
    assert current.seconds_to_next_check(datetime.fromisoformat(now)) == pytest.approx(expected)
