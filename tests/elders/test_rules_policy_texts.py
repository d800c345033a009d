"""The register's rules against the texts they implement (issue 16, items 2-5): each case
quotes the sentence it comes from. Plans 八 and 九 are the county work plans in the seeds
(the 2017 opinion's local versions); the 2022 opinion is 《关于开展特殊困难老年人探访关爱服务
的指导意见》; Art. 1074 is the Civil Code's (民法典) rule on grandchildren."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from eldercare.elders.rules import (
    ElderFacts,
    GuardianFacts,
    RegisterSettings,
    derive,
    left_behind,
    months_after,
    months_between,
    next_birthday,
)

TODAY = date(2026, 11, 29)
VILLAGE = "431127104230"
S = RegisterSettings()
AWAY = date(2025, 1, 1)  # more than six months before TODAY


def g(relation="son", where="outside_county", since=AWAY, can=None, alive=True):
    """A guardian: ``where`` is the away scope (``local`` = at hand)."""
    return GuardianFacts(relation, alive, since if where != "local" else None, where, None, can)


def facts(
    *guardians,
    birth=date(1950, 1, 1),
    living="with_spouse",
    self_care="independent",
    grade=None,
    conditions=(),
    manual=(),
    benefits=(),
):
    return ElderFacts(
        birth,
        VILLAGE,
        living,
        self_care,
        grade,
        list(conditions),
        list(manual),
        list(guardians),
        list(benefits),
    )


def codes(d):
    return [c["code"] for c in d.categories]


def groups(d):
    special = [c for c in d.categories if c["code"] == "special_difficulty"]
    return special[0]["reason"]["params"]["groups"] if special else []


# ----------------------------------------------------------------------------- 16.2 supporters

# Plans 八/九: "农村留守老年人是指因子女全部离开县域范围外出务工或经商等半年以上、留在农村生活、
# 身边没有赡养人或者是赡养人没有赡养能力的60周歲以上老年人" and "各县(市)要组织对辖区内因子女或
# 其他赡养义务人全部离开县域范围外出半年以上、留在农村生活的60周岁以上老人进行全面排查".
# Art. 1074: "有负担能力的孙子女、外孙子女，对于子女已经死亡或者子女无力赡养的祖父母、外祖父母，
# 有赡养的义务".
SUPPORTER_CASES = [
    # (case, guardians, settings, left-behind?, reason code)
    ("children all away", [g(), g("daughter")], S, True, "lb.all_away"),
    (
        "赡养人没有赡养能力: an incapable child at hand counts as absent by default",
        [g(), g("daughter", "local", can=False)],
        S,
        True,
        "lb.all_away",
    ),
    (
        "the county may count an incapable child at hand as present",
        [g(), g("daughter", "local", can=False)],
        RegisterSettings(treat_incapable_local_supporter_as_absent=False),
        False,
        "lb.child_nearby",
    ),
    (
        "a capable child at hand (can_support unknown) is a supporter at hand",
        [g(), g("daughter", "local")],
        S,
        False,
        "lb.child_nearby",
    ),
    (
        "其他赡养义务人: no children, a grandchild away 6+ months",
        [g("grandchild")],
        S,
        True,
        "lb.all_away",
    ),
    (
        "no children, a capable grandchild at hand",
        [g("grandchild", "local", can=True)],
        S,
        False,
        "lb.child_nearby",
    ),
    (
        "deceased children, a grandchild at hand",
        [g("son", "local", alive=False), g("grandchild", "local")],
        S,
        False,
        "lb.child_nearby",
    ),
    (
        "all children unable: the grandchild at hand owes support (Art. 1074)",
        [g("son", "local", can=False), g("grandchild", "local", can=True)],
        S,
        False,
        "lb.child_nearby",
    ),
    (
        "all children unable, the grandchild away too",
        [g("son", "local", can=False), g("grandchild")],
        S,
        True,
        "lb.all_away",
    ),
    (
        "a child able and away: a grandchild at hand owes nothing yet (Art. 1074)",
        [g(), g("grandchild", "local", can=True)],
        S,
        True,
        "lb.all_away",
    ),
    (
        "a grandchild without means (a minor the elder raises) is no supporter",
        [g("grandchild", "local", can=False)],
        S,
        False,
        "lb.no_children",
    ),
    (
        "in-laws, spouse and siblings owe no 赡养: a son-in-law at hand changes nothing",
        [g(), g("son_in_law", "local", can=True), g("spouse", "local"), g("sibling", "local")],
        S,
        True,
        "lb.all_away",
    ),
    ("only a neighbour", [g("neighbour", "local")], S, False, "lb.no_children"),
]


@pytest.mark.parametrize(
    ("guardians", "settings", "expected", "reason"),
    [c[1:] for c in SUPPORTER_CASES],
    ids=[c[0] for c in SUPPORTER_CASES],
)
def test_who_counts_as_a_supporter(guardians, settings, expected, reason):
    ok, why = left_behind(facts(*guardians), settings, TODAY)
    assert (ok, why.code) == (expected, reason)


def test_the_default_counts_incapable_supporters_as_absent():
    # "身边没有赡养人或者是赡养人没有赡养能力" (plans 八, 九)
    assert RegisterSettings().treat_incapable_local_supporter_as_absent is True


# Plans 八/九: "因子女全部离开县域范围外出务工或经商等半年以上": the sixth month's boundary.
@pytest.mark.parametrize(
    ("since", "expected"),
    [(date(2026, 5, 29), True), (date(2026, 5, 30), False)],
    ids=["exactly six months", "a day short"],
)
def test_half_a_year_away(since, expected):
    assert left_behind(facts(g(since=since)), S, TODAY)[0] is expected


# ----------------------------------------------------------------------------- 16.3 disability

# 2022 opinion: the special-difficulty groups are "独居、空巢、留守、失能、重残、计划生育特殊家庭".
# 失能 is a loss of the ability to care for oneself (GB/T 42195-2022, self_care); 重残 (重度残疾)
# is a disability certificate of grade 1 or 2. domain.md (risk tiers): 重点 = "60+ 失能失智,
# 分散供养特困, 计划生育特殊家庭".
DISABILITY_CASES = [
    # (case, self_care, grade, categories present, absent, tier)
    (
        "grade 4 (hearing), independent: recorded, nothing more",
        "independent",
        4,
        {"disabled"},
        {"severe_disability", "special_difficulty"},
        "general",
    ),
    (
        "grade 3, independent",
        "independent",
        3,
        {"disabled"},
        {"severe_disability", "special_difficulty"},
        "general",
    ),
    (
        "grade 2 is 重残",
        "independent",
        2,
        {"disabled", "severe_disability", "special_difficulty"},
        set(),
        "key",
    ),
    (
        "grade 1 is 重残",
        "independent",
        1,
        {"disabled", "severe_disability", "special_difficulty"},
        set(),
        "key",
    ),
    (
        "失能 without a certificate is not 重残",
        "dependent",
        None,
        {"disabled", "special_difficulty"},
        {"severe_disability"},
        "key",
    ),
    (
        "半失能",
        "partly_dependent",
        None,
        {"disabled", "special_difficulty"},
        {"severe_disability"},
        "key",
    ),
    (
        "grade 4 and 半失能: 失能 decides",
        "partly_dependent",
        4,
        {"disabled", "special_difficulty"},
        {"severe_disability"},
        "key",
    ),
    (
        "independent, no certificate",
        "independent",
        None,
        set(),
        {"disabled", "severe_disability", "special_difficulty"},
        "general",
    ),
]


@pytest.mark.parametrize(
    ("self_care", "grade", "present", "absent", "tier"),
    [c[1:] for c in DISABILITY_CASES],
    ids=[c[0] for c in DISABILITY_CASES],
)
def test_disability_grade_is_not_incapacity(self_care, grade, present, absent, tier):
    d = derive(facts(living="with_children", self_care=self_care, grade=grade), S, TODAY)
    assert present <= set(codes(d))
    assert not absent & set(codes(d))
    assert d.risk_level == tier
    if self_care != "independent":
        assert self_care in groups(d)  # rendered 失能 / 半失能


# ----------------------------------------------------------------------------- 16.4 benefits

TEKUN = "extreme_poverty_support"
DIBAO = "minimum_living_allowance"
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)

# Plans 八/九: "对独居、失能、贫困、高龄等特殊困难留守老年人要随时跟踪掌握情况并及时实施关爱救助";
# domain.md (a secondary site): "五保户/特困 are excluded" from the left-behind; 重点 includes
# "分散供养特困".
BENEFIT_CASES = [
    # (case, benefits, categories present, absent, left-behind?, tier)
    (
        "a current 特困 benefit: 特困, special difficulty, key, not counted as left-behind",
        [(TEKUN, date(2024, 1, 1), None)],
        {"extreme_poverty", "special_difficulty"},
        {"left_behind"},
        False,
        "key",
    ),
    (
        "a current 低保 benefit: 低保 (贫困), special difficulty, still left-behind",
        [(DIBAO, date(2024, 1, 1), None)],
        {"low_income", "special_difficulty", "left_behind"},
        {"extreme_poverty"},
        True,
        "general",
    ),
    (
        "a 特困 benefit ending today still counts",
        [(TEKUN, date(2024, 1, 1), TODAY)],
        {"extreme_poverty"},
        set(),
        False,
        "key",
    ),
    (
        "a 特困 benefit that ended yesterday no longer counts",
        [(TEKUN, date(2024, 1, 1), YESTERDAY)],
        {"left_behind"},
        {"extreme_poverty"},
        True,
        "general",
    ),
    (
        "a 特困 benefit starting tomorrow does not count yet",
        [(TEKUN, TOMORROW, None)],
        {"left_behind"},
        {"extreme_poverty"},
        True,
        "general",
    ),
    (
        "other programs are no category",
        [("old_age_allowance", date(2024, 1, 1), None)],
        {"left_behind"},
        {"extreme_poverty", "low_income"},
        True,
        "general",
    ),
]


@pytest.mark.parametrize(
    ("benefits", "present", "absent", "lb", "tier"),
    [c[1:] for c in BENEFIT_CASES],
    ids=[c[0] for c in BENEFIT_CASES],
)
def test_benefits_are_categories(benefits, present, absent, lb, tier):
    d = derive(facts(g(), living="with_children", benefits=benefits), S, TODAY)
    assert present <= set(codes(d))
    assert not absent & set(codes(d))
    assert d.is_left_behind is lb
    assert d.risk_level == tier


def test_the_benefit_is_the_reason():
    d = derive(facts(benefits=[(DIBAO, date(2024, 3, 1), None)]), S, TODAY)
    low = next(c for c in d.categories if c["code"] == "low_income")
    assert low["reason"] == {
        "code": "cat.benefit",
        "params": {"program": DIBAO, "since": "2024-03-01"},
    }
    assert "low_income" in groups(d)


def test_a_county_that_counts_tekun_as_left_behind():
    s = RegisterSettings(exclude_extreme_poverty=False)
    d = derive(facts(g(), benefits=[(TEKUN, date(2024, 1, 1), None)]), s, TODAY)
    assert d.is_left_behind


# Plans 八/九 "高龄": 80 and over (the county's ``advanced_age``) is a special-difficulty group.
@pytest.mark.parametrize(
    ("birth", "aged"),
    [(date(1946, 11, 29), True), (date(1946, 11, 30), False)],
    ids=["80 today", "80 tomorrow"],
)
def test_advanced_age_is_a_special_difficulty_group(birth, aged):
    d = derive(facts(birth=birth, living="with_children"), S, TODAY)
    assert ("advanced_age" in codes(d)) is aged
    assert ("advanced_age" in groups(d)) is aged
    assert ("special_difficulty" in codes(d)) is aged


# ----------------------------------------------------------------------------- 16.5 going stale


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        (date(1946, 11, 30), TODAY, date(2026, 11, 30)),  # birthday tomorrow
        (date(1946, 11, 29), TODAY, date(2027, 11, 29)),  # birthday today: next year's
        (date(1948, 2, 29), date(2027, 1, 5), date(2027, 2, 28)),  # a day early in 2027
        (date(1948, 2, 29), date(2028, 1, 5), date(2028, 2, 29)),
    ],
)
def test_next_birthday(birth, today, expected):
    assert next_birthday(birth, today) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 5, 29), 6, date(2026, 11, 29)),
        (date(2026, 5, 31), 6, date(2026, 12, 1)),  # no 31 November
        (date(2026, 8, 31), 6, date(2027, 3, 1)),  # no 31 February
        (date(2026, 7, 15), 6, date(2027, 1, 15)),
    ],
)
def test_months_after_is_the_first_day_that_many_months_on(start, months, expected):
    assert months_after(start, months) == expected
    assert months_between(start, expected) >= months
    assert months_between(start, expected - timedelta(days=1)) < months


STALE_CASES = [
    facts(birth=date(1946, 12, 3), living="alone"),  # 80 in four days
    facts(g(since=date(2026, 6, 2)), birth=date(1966, 12, 10)),  # 60 and six months away
    facts(g(since=date(2026, 5, 31)), g("daughter", since=date(2026, 8, 31))),
    facts(g(), benefits=[(TEKUN, date(2026, 12, 20), date(2027, 2, 10))]),
    facts(g(), birth=date(1948, 2, 29), benefits=[(DIBAO, date(2020, 1, 1), date(2027, 1, 31))]),
]


@pytest.mark.parametrize("f", STALE_CASES)
def test_derived_facts_hold_until_the_day_they_say(f):
    """What ``derive`` gives on each day of the next 400 equals what it gave on the last day
    it was derived, until ``valid_until``: the refresh recomputes no later than needed."""
    day = TODAY
    last = derive(f, S, day)
    changes = 0
    for _ in range(400):
        day += timedelta(days=1)
        now = derive(f, S, day)
        if day < last.valid_until:
            assert (now.categories, now.is_left_behind, now.risk_level) == (
                last.categories,
                last.is_left_behind,
                last.risk_level,
            ), day
        else:
            assert day == last.valid_until
            changes += now.categories != last.categories
            last = now
    assert changes  # every case changes at least once within the 400 days
