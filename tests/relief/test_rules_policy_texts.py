"""The relief rules against the policy texts (issue 16, items 7-9), case by case with their
boundaries. Each case cites the text it comes from:

- plan 十三: /work/shared/seeds (关爱留守老人新聞稿篇十三, 三是落实老年人社会救助):
  "全面落实针对特困、低保、低收入、计划生育特殊困难家庭中的失能半失能、失智老年人及80周岁
  以上高龄老年人的服务补贴制度";
- domain.md §5.3 (高龄津贴: "starts from the 80th-birthday month"), §5.6 (medical-assistance
  classes), §5.7 (危房改造: "分散供养特困"), §5.2 (特困);
- 社会救助暂行办法: 特困 persons are supported as 特困, not through 低保 (one basic-living
  program per person).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from eldercare.relief import inputs, rules, screening
from eldercare.relief.rules import Facts, ReliefPolicy

ON = date(2026, 6, 15)

POLICY = ReliefPolicy(
    minimum_living_standard=D(560),  # 边缘: below 1.5 × 560 = 840
    deposit_limit_per_capita=D(30000),
    extreme_poverty_basic=D(730),
    disposable_income_prev_year=D(18000),
    old_age_tiers=[rules.AgeTier(min_age=80, monthly_amount=D(60))],
    old_age_start="birthday_month",
    elderly_care_age_amount=D(50),
    elderly_care_amounts={"severe": D(200), "moderate": D(100)},
    housing_amounts={"C": D(15000), "D": D(35000)},
)

# A 70-year-old living alone with known assets and an income far above the 低保 edge band
# (so no program is reached through income), no sudden hardship, not monitored.
BASE = Facts(
    birth_date=date(1956, 1, 10),
    household_size=1,
    income={"wages": D(2000)},
    support_declared=D(0),
    deposits_per_capita=D(1000),
    owns_vehicle=False,
    houses=1,
    supporters=[],
    disability_certificate=False,
    major_illness=False,
    clergy_apart=False,
    poverty_monitoring="none",
    hardship="none",
    dementia=False,
    living_arrangement="alone",
)
POOR = {"income": {"wages": D(300)}}  # below the 低保 standard
NEAR = {"income": {"wages": D(700)}}  # 低收入 (低保边缘): 560 <= 700 < 840


def result(facts: Facts, program: str, policy: ReliefPolicy = POLICY, on: date = ON):
    return next(r for r in rules.evaluate(facts, policy, on) if r.program == program)


def outcome(facts: Facts, policy: ReliefPolicy = POLICY, on: date = ON) -> dict[str, int]:
    out = screening.outcome(facts, inputs.PolicyInForce(policy, date(2026, 1, 1), 1, None), on)
    return {"receiving": out[4], "gap": out[5], "check": out[6], "detail": out[7]}  # type: ignore[dict-item]


def is_gap(facts: Facts, program: str, policy: ReliefPolicy = POLICY) -> bool:
    return bool(outcome(facts, policy)["gap"] & rules.BIT[program])


# ----------------------------------------------------------------------------- 16.7


DIBAO, TEKUN = "minimum_living_allowance", "extreme_poverty_support"


@pytest.mark.parametrize(
    ("change", "dibao_gap", "tekun_gap"),
    [
        # 社会救助暂行办法: one basic-living program per person, 特困 first. Poor, no
        # supporter, 60+: eligible for both; listed for 特困 only.
        ({**POOR}, False, True),
        # supporters unknown: 特困 cannot be screened, so 低保 is the gap (with 特困's status)
        ({**POOR, "supporters": None}, True, False),
        # an able son: not 特困, so 低保 is the one program that applies
        (
            {
                **POOR,
                "support_declared": D(0),
                "supporters": [rules.Supporter("son", 45, "able", D(40000), True)],
            },
            True,
            False,
        ),
        # 特困 on the register (categories): 低保 is no gap either
        ({**POOR, "supporters": None, "categories": frozenset({"extreme_poverty"})}, False, False),
        # already receiving 低保 while 特困 applies: 特困 is the gap (a transfer), 低保 no gap
        ({**POOR, "receiving": frozenset({DIBAO})}, False, True),
    ],
)
def test_one_basic_living_program_per_person(change, dibao_gap, tekun_gap):
    f = replace(BASE, **change)
    assert is_gap(f, DIBAO) is dibao_gap
    assert is_gap(f, TEKUN) is tekun_gap


def test_receiving_both_basic_living_programs_is_a_payment_to_check():
    # 社会救助暂行办法: 特困 and 低保 are not paid together
    out = outcome(replace(BASE, **POOR, receiving=frozenset({DIBAO, TEKUN})))
    assert out["check"] & rules.BIT[DIBAO]
    assert "double_benefit" in out["detail"][DIBAO][2]  # type: ignore[index]
    assert not out["check"] & rules.BIT[TEKUN]


# ----------------------------------------------------------------------------- 16.8


CARE = "elderly_care_subsidy"


@pytest.mark.parametrize(
    ("birth", "start_rule", "expected"),
    [
        # domain.md §5.3 / plan 十三 "80周岁以上": like the high-age allowance, from the month
        # of the 80th birthday (default start rule birthday_month)
        (date(1946, 6, 30), "birthday_month", "eligible"),  # birthday later this month
        (date(1946, 7, 1), "birthday_month", "not_eligible"),  # next month: not yet
        (date(1946, 6, 1), "birthday_month", "eligible"),
        # "birthday": on the day one turns exactly 80
        (date(1946, 6, 15), "birthday", "eligible"),  # exactly 80 today
        (date(1946, 6, 16), "birthday", "not_eligible"),  # 80 tomorrow
        # "next_month": from the first of the month after the birthday
        (date(1946, 5, 31), "next_month", "eligible"),
        (date(1946, 6, 1), "next_month", "not_eligible"),
    ],
)
def test_age_route_starts_with_the_old_age_start_rule(birth, start_rule, expected):
    # ability intact: only the age route can apply; income high: no household group needed
    policy = POLICY.model_copy(update={"old_age_start": start_rule})
    f = replace(BASE, birth_date=birth, ability_level="intact")
    r = result(f, CARE, policy)
    assert r.status == expected
    if expected == "eligible":
        assert r.amount == D(50)
        assert r.extra["start_date"] == rules.tier_start(birth, 80, start_rule)


@pytest.mark.parametrize(
    ("change", "expected", "amount"),
    [
        # plan 十三: 特困、低保、低收入、计划生育特殊困难家庭中的 失能半失能、失智老年人
        ({"ability_level": "severe", **POOR}, "eligible", 200),  # 低保, 失能
        ({"ability_level": "moderate", **NEAR}, "eligible", 100),  # 低收入 (边缘), 半失能
        (
            {"ability_level": "severe", "categories": frozenset({"extreme_poverty"})},
            "eligible",
            200,
        ),
        (
            {"ability_level": "severe", "categories": frozenset({"family_planning_special"})},
            "eligible",
            200,
        ),  # 计划生育特殊困难家庭, whatever the income
        ({"dementia": True, **POOR}, "eligible", None),  # 失智 (register health condition)
        ({"self_care": "partly_dependent", **POOR}, "eligible", None),  # 半失能 by self-care
        ({"self_care": "dependent", **POOR}, "eligible", None),  # 失能 by self-care
        # not impaired: no subsidy before 80, whatever the household
        ({"ability_level": "intact", **POOR}, "not_eligible", None),
        ({"self_care": "independent", **POOR}, "not_eligible", None),
        # impaired, but in none of the four household groups (income above the 边缘 line)
        ({"ability_level": "severe"}, "not_eligible", None),
        # the 边缘 line exactly (1.5 × 560 = 840): not below it, so not 低收入
        ({"ability_level": "severe", "income": {"wages": D(840)}}, "not_eligible", None),
        ({"ability_level": "severe", "income": {"wages": D("839.99")}}, "eligible", 200),
        # impairment unknown: open, never "not eligible"
        ({**POOR}, "unknown", None),
    ],
)
def test_impaired_route_covers_the_four_household_groups(change, expected, amount):
    r = result(replace(BASE, **change), CARE)
    assert r.status == expected
    if expected == "eligible":
        assert r.amount == (None if amount is None else D(amount))


@pytest.mark.parametrize(
    ("means_tested", "change", "expected"),
    [
        # plan 十三 lists "80周岁以上高龄老年人" beside the household groups: by default no
        # means test on the age route (county setting elderly_care_age_means_tested)
        (False, {}, "eligible"),
        # a county reading "经济困难的高龄老年人" (财社〔2014〕113号) requires a group too
        (True, {}, "not_eligible"),
        (True, {**NEAR}, "eligible"),
        (True, {"categories": frozenset({"family_planning_special"})}, "eligible"),
    ],
)
def test_age_route_means_test_is_a_county_setting(means_tested, change, expected):
    policy = POLICY.model_copy(update={"elderly_care_age_means_tested": means_tested})
    f = replace(BASE, birth_date=date(1941, 3, 3), ability_level="intact", **change)
    assert result(f, CARE, policy).status == expected


# ----------------------------------------------------------------------------- 16.9


HOUSING, MEDICAL = "housing_renovation", "medical_assistance"


@pytest.mark.parametrize(
    ("arrangement", "expected"),
    [
        # domain.md §5.7: "分散供养特困" only; 集中供养 (in an institution) is not a target
        ("alone", "eligible"),
        ("with_spouse", "eligible"),
        ("in_institution", "not_eligible"),
        (None, "unknown"),  # where they live is unknown: open
    ],
)
def test_housing_takes_dispersed_tekun_only(arrangement, expected):
    f = replace(
        BASE,
        categories=frozenset({"extreme_poverty"}),
        housing_grade="D",
        living_arrangement=arrangement,
    )
    assert result(f, HOUSING).status == expected


def test_housing_for_dibao_households_does_not_depend_on_the_arrangement():
    # domain.md §5.7: 低保户 are a target group of their own
    f = replace(BASE, **POOR, supporters=None, housing_grade="C", living_arrangement=None)
    assert result(f, HOUSING).status == "eligible"


@pytest.mark.parametrize(
    ("change", "enrolled", "gap"),
    [
        # domain.md §5.6 classes 1-3 are covered with the identity: a gap only when a fact
        # says the elder is not enrolled
        ({**POOR}, None, False),  # 低保/特困, enrolment unknown: not listed
        ({**POOR}, True, False),
        ({**POOR}, False, True),
        ({**NEAR}, None, False),  # class 3 (低保边缘)
        ({**NEAR}, False, True),
        # class 4 (因病致贫, by application): costs above the income (18000), not enrolled
        ({"medical_costs_12m": D("18000.01")}, None, True),
        ({"medical_costs_12m": D("18000.01")}, True, False),
        ({"medical_costs_12m": D(18000)}, None, False),  # the line exactly: not above it
    ],
)
def test_medical_assistance_gap_needs_a_not_enrolled_fact(change, enrolled, gap):
    f = replace(BASE, **change, medical_enrolled=enrolled)
    assert is_gap(f, MEDICAL) is gap


@pytest.mark.parametrize(
    ("params", "zh", "en"),
    [
        ({"start_rule": "birthday_month"}, "自生日当月起", "from the birthday month"),
        ({"ability_level": "intact"}, "能力完好", "intact"),
        ({"self_care": "independent"}, "能自理", "independent"),
    ],
)
def test_coded_inputs_of_a_criterion_are_shown_in_words(params, zh, en):
    from eldercare.relief import labels

    for lang, words in (("zh-CN", zh), ("en", en)):
        text = labels.detail("age", True, None, params, lang)
        assert words in text, text
        assert next(iter(params.values())) not in text.replace(words, "")


@pytest.mark.parametrize(
    ("hardship", "zh", "en"),
    [
        ("none", "（困难类型 无）", "(kind of hardship none)"),
        ("illness", "（困难类型 重大疾病）", "(kind of hardship major illness)"),
    ],
)
def test_the_kind_of_hardship_is_in_words_not_a_disability_type(hardship, zh, en):
    from eldercare.relief import labels

    value = {"type": hardship, "date": None}
    assert labels.detail("sudden_hardship", False, value, {}, "zh-CN").endswith(zh)
    assert labels.detail("sudden_hardship", False, value, {}, "en").endswith(en)
