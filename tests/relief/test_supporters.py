"""Issue 16.10: one set of supporters. The 特困 rule's supporters (《特困人员认定办法》
condition 3: 无赡养抚养扶养义务人, or none able to pay) are the register's guardians with a
duty of support, with their birth year, situation, income and assets kept on the guardian;
the relief facts only say whether they are all. The migration moves the supporters typed
into relief facts onto the matching guardians."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from eldercare import migrate
from eldercare.db import make_engine
from eldercare.relief import rules
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import create_database, drop_database
from tests.factories import COUNTY, VILLAGE, auth, load_test_regions, make_elder, make_user
from tests.relief.test_relief_api import POLICY, POOR, put_facts, put_policy

TEKUN = "extreme_poverty_support"


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def tekun_status(client, user, elder) -> str:
    ev = client.get(f"/api/v1/elders/{elder.id}/eligibility", headers=auth(user)).json()
    return next(p for p in ev["programs"] if p["program"] == TEKUN)["status"]


def test_supporters_are_the_guardians_and_a_guardian_edit_rescreens_at_once(
    client, db, officer, worker
):
    put_policy(client, officer, POLICY)
    elder = make_elder(
        db,
        name="五保甲",
        guardians=[
            {"name": "王大", "relation": "son", "alive": True},
            {"name": "邻居", "relation": "neighbour", "alive": True},  # no duty of support
        ],
    )
    put_facts(client, worker, elder, {**POOR, "supporters_complete": True})
    facts = client.get(f"/api/v1/elders/{elder.id}/relief-facts", headers=auth(worker)).json()
    assert [s["name"] for s in facts["supporters"]] == ["王大"]
    son = facts["supporters"][0]
    assert son["situation"] is None
    assert tekun_status(client, worker, elder) == "unknown"  # the son's situation unknown
    # the son is entered as 70+ (by birth year), poor, assets within the limit: unable
    r = client.patch(
        f"/api/v1/guardians/{son['guardian_id']}",
        headers={**auth(worker), "If-Match": f'"{son["guardian_version"]}"'},
        json={
            "birth_year": date.today().year - 75,
            "support_situation": "able",
            "annual_income": "6000",
            "assets_within_limit": True,
        },
    )
    assert r.status_code == 200, r.text
    assert Decimal(r.json()["annual_income"]) == 6000
    assert tekun_status(client, worker, elder) == "eligible"
    gaps = client.get("/api/v1/eligibility/gaps?program=" + TEKUN, headers=auth(worker)).json()
    assert elder.id in {i["elder_id"] for i in gaps["items"]}  # the stored screening too
    # a second list cannot be typed into the relief facts any more
    bad = client.put(
        f"/api/v1/elders/{elder.id}/relief-facts",
        headers={**auth(worker), "If-Match": '"1"'},
        json={**POOR, "supporters": [{"relation": "son", "age": 40}]},
    )
    assert bad.status_code == 422


ABLE_SON = rules.Supporter("son", 45, "able", None, None)
UNABLE_SON = rules.Supporter("son", 45, "missing", None, True)


@pytest.mark.parametrize(
    ("listed", "complete", "passed"),
    [
        # 《特困人员认定办法》 condition 3 holds only when every supporter is known unable
        (None, None, None),  # nothing known
        ([], True, True),  # confirmed: no supporter at all
        ([], None, None),  # none on the register, not confirmed: there may be one
        ([UNABLE_SON], True, True),
        ([UNABLE_SON], None, None),  # another child may not be listed
        ([ABLE_SON], None, False),  # one able supporter is enough, listed or not all
        ([ABLE_SON, UNABLE_SON], True, False),
    ],
)
def test_the_supporter_criterion_reads_the_list_and_whether_it_is_complete(
    listed, complete, passed
):
    facts = rules.Facts(
        birth_date=date(1950, 1, 1), supporters=listed, supporters_complete=complete
    )
    result = next(
        r
        for r in rules.evaluate(facts, rules.ReliefPolicy(), date(2026, 6, 15))
        if r.program == TEKUN
    )
    crit = next(c for c in result.criteria if c.code == "no_able_supporter")
    assert crit.passed is passed


@pytest.mark.parametrize(
    ("birth_year", "expected"),
    [
        # 《特困人员认定办法》: a supporter of 70+ with low income and assets is unable. With a
        # birth year only, the age on 2026-06-15 is open in the year one turns 70.
        (1955, True),  # 70 or 71
        (1956, None),  # 69 or 70
        (1957, False),  # 68 or 69
    ],
)
def test_a_birth_year_leaves_the_age_open_only_in_the_turning_year(birth_year, expected):
    s = rules.supporter_from_birth_year(
        "son",
        birth_year,
        "able",
        6000,
        True,
        date(2026, 6, 15),  # type: ignore[arg-type]
    )
    policy = rules.ReliefPolicy(disposable_income_prev_year=18000)  # type: ignore[arg-type]
    assert rules.supporter_unable(s, policy) is expected


def test_migration_moves_relief_facts_supporters_onto_the_guardians():
    url = create_database("mig_")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db, db.begin():
            load_test_regions(db)
            matched = make_elder(
                db, name="甲", guardians=[{"name": "儿", "relation": "son", "alive": True}]
            )
            unmatched = make_elder(
                db, name="乙", guardians=[{"name": "女", "relation": "daughter", "alive": True}]
            )
            ids = matched.id, unmatched.id
        engine.dispose()
        migrate.downgrade(url, "0010")
        engine = make_engine(url)
        old = {
            ids[0]: [
                {
                    "relation": "son",
                    "age": 72,
                    "situation": "able",
                    "annual_income": "9000",
                    "assets_within_limit": True,
                }
            ],
            ids[1]: [{"relation": "son", "age": 50, "situation": "able"}],
        }
        with engine.begin() as conn:
            for n, (elder_id, supporters) in enumerate(old.items()):
                conn.execute(
                    text(
                        "INSERT INTO relief_facts (id, elder_id, effective_date, revision, "
                        "data, source, created_at) VALUES (:id, :e, :d, 1, :data, '', :d)"
                    ),
                    {
                        "id": f"f{n}",
                        "e": elder_id,
                        "d": date(2025, 3, 1),
                        "data": json.dumps({"household_size": 1, "supporters": supporters}),
                    },
                )
        engine.dispose()
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            son = conn.execute(
                text(
                    "SELECT birth_year, support_situation, annual_income, assets_within_limit "
                    "FROM guardians WHERE elder_id = :e"
                ),
                {"e": ids[0]},
            ).one()
            assert (son[0], son[1], float(son[2]), bool(son[3])) == (1953, "able", 9000.0, True)
            daughter = conn.execute(
                text("SELECT support_situation FROM guardians WHERE elder_id = :e"),
                {"e": ids[1]},
            ).one()
            assert daughter[0] is None  # a son was typed in, the register has a daughter
            flags = {}
            for elder_id, data in conn.execute(text("SELECT elder_id, data FROM relief_facts")):
                value = json.loads(data) if isinstance(data, str) else data
                flags[elder_id] = value["supporters_complete"]
            assert flags == {ids[0]: True, ids[1]: None}
        engine.dispose()
    finally:
        drop_database(url)


def test_a_couple_enters_household_facts_once_and_is_listed_once(client, db, officer, worker):
    """Issue 16.10: 低保 is granted to the 共同生活家庭 (《最低生活保障审核确认办法》), so a
    couple's household facts are one record and their 低保 gap one line with both names;
    the individual programs (高龄津贴) stay per person."""
    from eldercare.elders.models import Elder

    put_policy(client, officer, POLICY)
    husband = make_elder(db, name="李老汉", birth="1940-03-15", male=True)
    wife = make_elder(db, name="王老太", birth="1942-05-01")
    db.get(Elder, wife.id).household_id = husband.household_id
    db.flush()
    couple = {**POOR, "household_size": 2, "income": {"wages": "600"}}
    r = put_facts(client, worker, husband, {**couple, "ability_level": "severe"})
    assert [m["name"] for m in r.json()["household_members"]] == ["王老太"]
    hers = client.get(f"/api/v1/elders/{wife.id}/relief-facts", headers=auth(worker)).json()
    assert hers["revision"] == 1  # written for her too
    assert hers["household_size"] == 2
    assert hers["income"] == {"wages": "600"}
    assert hers["ability_level"] is None  # a person's own facts are not shared
    gaps = client.get(
        "/api/v1/eligibility/gaps?program=minimum_living_allowance&count=true",
        headers=auth(worker),
    ).json()
    assert gaps["total"] == 1
    (line,) = gaps["items"]
    named = {line["name"], *line["household_members"]}
    assert named == {"李老汉", "王老太"}
    coverage = client.get("/api/v1/eligibility/coverage", headers=auth(worker)).json()
    dibao = next(p for p in coverage["programs"] if p["program"] == "minimum_living_allowance")
    assert dibao["gaps"] == 1
    assert dibao["eligible"] + dibao["likely_eligible"] == 2  # both screened in, one line
    old = client.get(
        "/api/v1/eligibility/gaps?program=old_age_allowance", headers=auth(worker)
    ).json()
    assert {i["elder_id"] for i in old["items"]} == {husband.id, wife.id}  # per person
    # her own facts later keep the household's, and an unchanged household writes nothing
    put_facts(client, worker, wife, {**couple, "ability_level": "mild"}, etag='"1"')
    again = client.get(f"/api/v1/elders/{husband.id}/relief-facts", headers=auth(worker)).json()
    assert again["revision"] == 1
    assert again["ability_level"] == "severe"
