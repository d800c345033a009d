"""Table-driven pre-screening cases for every program: exact thresholds, the start rules,
29 February births, unknown inputs, the supporter rules of 特困 and single-person 低保."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from eldercare.relief import rules
from eldercare.relief.rules import Facts, ReliefPolicy, Supporter

ON = date(2026, 6, 15)

POLICY = ReliefPolicy(
    minimum_living_standard=D(560),
    deposit_limit_per_capita=D(30000),
    single_person_share=D("0.6"),
    extreme_poverty_basic=D(730),
    extreme_poverty_care={"lost": D(300)},
    disposable_income_prev_year=D(18000),
    old_age_tiers=[
        rules.AgeTier(min_age=80, monthly_amount=D(60)),
        rules.AgeTier(min_age=90, monthly_amount=D(120)),
        rules.AgeTier(min_age=100, monthly_amount=D(500)),
    ],
    old_age_start="birthday_month",
    disability_living_amount=D(90),
    disability_care_amounts={"1": D(100), "2": D(80)},
    temporary_multiple=D(3),
    housing_amounts={"C": D(15000), "D": D(35000)},
    elderly_care_age_amount=D(50),
    elderly_care_amounts={"severe": D(200)},
)

# A 70-year-old living alone with known, modest assets: the base of most cases.
BASE = Facts(
    birth_date=date(1956, 1, 10),
    household_size=1,
    income={"wages": D(300)},
    support_declared=D(0),
    deposits_per_capita=D(1000),
    owns_vehicle=False,
    houses=1,
    supporters=[],
)
# ... and known not to be in any 单人保 group (so "above the standard" is a plain no).
HOUSEHOLD = replace(BASE, disability_certificate=False, major_illness=False, clergy_apart=False)


def result(facts: Facts, program: str, policy: ReliefPolicy = POLICY, on: date = ON):
    return next(r for r in rules.evaluate(facts, policy, on) if r.program == program)


def status(facts: Facts, program: str, policy: ReliefPolicy = POLICY, on: date = ON) -> str:
    return result(facts, program, policy, on).status


class TestMinimumLiving:
    @pytest.mark.parametrize(
        ("change", "expected", "amount"),
        [
            ({}, "eligible", D("260.00")),
            ({"income": {"wages": D("559.99")}}, "eligible", D("0.01")),
            ({"income": {"wages": D(560)}}, "not_eligible", None),  # at the standard: not below
            ({"income": {"wages": D(1000)}, "household_size": 2}, "eligible", D("60.00")),
            # excluded items (basic pension, special care...) are not income
            ({"income": {"wages": D(300), "basic_pension": D(400)}}, "eligible", D("260.00")),
            ({"support_declared": D(300)}, "not_eligible", None),  # 300 + 300 = 600
            ({"deposits_per_capita": D(30000)}, "eligible", D("260.00")),
            ({"deposits_per_capita": D("30000.01")}, "not_eligible", None),
            ({"owns_vehicle": True}, "not_eligible", None),
            ({"deposits_per_capita": None}, "likely_eligible", D("260.00")),  # assets unknown
            ({"income": None}, "unknown", None),
            ({"household_size": None}, "unknown", None),
            ({"support_declared": None, "supporters": None}, "unknown", None),
            # unknown support cannot lower income: already above the standard is a real "no"
            (
                {"income": {"wages": D(900)}, "support_declared": None, "supporters": None},
                "not_eligible",
                None,
            ),
        ],
    )
    def test_household_test(self, change, expected, amount):
        r = result(replace(HOUSEHOLD, **change), "minimum_living_allowance")
        assert r.status == expected
        assert r.amount == amount

    @pytest.mark.parametrize("register", [D(1200), D(6000), D(6719), D(6720), D(60000)])
    @pytest.mark.parametrize(
        "program", ["minimum_living_allowance", "extreme_poverty_support", "medical_assistance"]
    )
    def test_register_income_is_a_hint_never_a_verdict(self, register, program):
        """Without relief facts the register's lump sum (which may hold excluded items and
        lacks the children's support) decides nothing, low or high: the criterion is open."""
        f = replace(BASE, income=None, household_size=None, register_income_annual_pc=register)
        r = result(f, program)
        assert r.status == "unknown"
        if program == "minimum_living_allowance":
            crit = next(c for c in r.criteria if c.code == "income_below_standard")
            assert crit.passed is None
            assert crit.value["register_hint"] == (register / 12).quantize(D("0.01"))

    def test_support_formula_counts_able_children(self):
        policy = POLICY.model_copy(
            update={
                "support_formula": rules.SupportFormula(
                    mode="per_able_supporter", monthly_per_supporter=D(150)
                )
            }
        )
        child = Supporter("son", 45, "able", None, None)
        one = replace(HOUSEHOLD, support_declared=None, supporters=[child])
        two = replace(HOUSEHOLD, support_declared=None, supporters=[child, child])
        assert status(one, "minimum_living_allowance", policy) == "eligible"  # 300+150
        assert status(two, "minimum_living_allowance", policy) == "not_eligible"  # 300+300

    @pytest.mark.parametrize(
        ("change", "expected", "single"),
        [
            # near-低保 band (income < 1.5 × 560 = 840) and a 单人保 group
            ({"disability_grade": 2, "disability_type": "physical"}, "eligible", True),
            ({"disability_grade": 3, "disability_type": "mental"}, "eligible", True),
            ({"disability_grade": 3, "disability_type": "physical"}, "not_eligible", False),
            ({"major_illness": True}, "eligible", True),
            ({"disability_certificate": False, "major_illness": False}, "not_eligible", False),
            ({"major_illness": None}, "unknown", False),  # group membership unknown
            ({"income": {"wages": D(840)}, "major_illness": True}, "not_eligible", False),
            ({"income": {"wages": D("839.99")}, "major_illness": True}, "eligible", True),
        ],
    )
    def test_single_person_coverage(self, change, expected, single):
        f = replace(HOUSEHOLD, income={"wages": D(700)}, disability_certificate=None)
        r = result(replace(f, **change), "minimum_living_allowance")
        assert r.status == expected
        assert r.extra["single_person"] is single
        if single:
            assert r.amount == D("336.00")  # 60% of the standard


class TestExtremePoverty:
    @pytest.mark.parametrize(
        ("supporters", "expected"),
        [
            ([], "eligible"),
            (None, "unknown"),
            ([Supporter("son", 45, "able", None, None)], "not_eligible"),  # working away: able
            ([Supporter("son", 62, "minimum_living", None, None)], "eligible"),
            ([Supporter("son", 58, "minimum_living", None, None)], "not_eligible"),
            ([Supporter("son", 50, "extreme_poverty", None, None)], "eligible"),
            ([Supporter("sibling", 72, "able", D(10000), True)], "eligible"),
            ([Supporter("sibling", 72, "able", D(18000), True)], "not_eligible"),
            ([Supporter("sibling", 72, "able", D(10000), None)], "unknown"),
            ([Supporter("sibling", 69, "able", D(1000), True)], "not_eligible"),
            ([Supporter("son", 40, "severely_disabled", D(5000), True)], "eligible"),
            ([Supporter("son", 40, "in_prison", None, True)], "eligible"),
            ([Supporter("son", 40, "missing", None, False)], "not_eligible"),
            ([Supporter("son", 40, None, None, None)], "unknown"),
            (
                [
                    Supporter("son", 40, "in_prison", None, True),
                    Supporter("daughter", 38, "able", None, None),
                ],
                "not_eligible",
            ),
        ],
    )
    def test_supporter_rules(self, supporters, expected):
        assert status(replace(BASE, supporters=supporters), "extreme_poverty_support") == expected

    def test_pension_is_not_income_and_care_adds_to_the_amount(self):
        f = replace(BASE, income={"basic_pension": D(900)}, ability_level="lost")
        r = result(f, "extreme_poverty_support")
        assert (r.status, r.amount) == ("eligible", D(1030))

    def test_income_at_the_standard_means_a_living(self):
        f = replace(BASE, income={"wages": D(560)})
        assert status(f, "extreme_poverty_support") == "not_eligible"

    def test_basic_standard_must_be_130_percent(self):
        with pytest.raises(ValueError, match=r"1\.3"):
            ReliefPolicy(minimum_living_standard=D(560), extreme_poverty_basic=D("727.99"))
        ReliefPolicy(minimum_living_standard=D(560), extreme_poverty_basic=D(728))


class TestOldAge:
    @pytest.mark.parametrize(
        ("rule", "birth", "on", "expected", "amount"),
        [
            ("birthday_month", date(1946, 5, 20), date(2026, 4, 30), "not_eligible", None),
            ("birthday_month", date(1946, 5, 20), date(2026, 5, 1), "eligible", D(60)),
            ("birthday", date(1946, 5, 20), date(2026, 5, 19), "not_eligible", None),
            ("birthday", date(1946, 5, 20), date(2026, 5, 20), "eligible", D(60)),
            ("next_month", date(1946, 5, 20), date(2026, 5, 31), "not_eligible", None),
            ("next_month", date(1946, 5, 20), date(2026, 6, 1), "eligible", D(60)),
            ("next_month", date(1946, 12, 5), date(2027, 1, 1), "eligible", D(60)),
            # 29 February: in a common year the birthday is 1 March
            ("birthday", date(1936, 2, 29), date(2026, 2, 28), "eligible", D(60)),
            ("birthday", date(1936, 2, 29), date(2026, 3, 1), "eligible", D(120)),
            ("birthday_month", date(1936, 2, 29), date(2026, 2, 1), "eligible", D(120)),
            ("birthday", date(1944, 2, 29), date(2024, 2, 28), "not_eligible", None),
            ("birthday", date(1944, 2, 29), date(2024, 2, 29), "eligible", D(60)),
            ("birthday", date(1926, 6, 15), date(2026, 6, 15), "eligible", D(500)),
            ("birthday", date(1926, 6, 15), date(2026, 6, 14), "eligible", D(120)),
        ],
    )
    def test_tiers_and_start_rule(self, rule, birth, on, expected, amount):
        policy = POLICY.model_copy(update={"old_age_start": rule})
        r = result(replace(BASE, birth_date=birth), "old_age_allowance", policy, on)
        assert (r.status, r.amount) == (expected, amount)

    def test_without_tiers_the_result_is_unknown(self):
        policy = POLICY.model_copy(update={"old_age_tiers": []})
        assert status(replace(BASE, birth_date=date(1930, 1, 1)), "old_age_allowance", policy) == (
            "unknown"
        )

    def test_means_test(self):
        policy = POLICY.model_copy(update={"old_age_means_tested": True})
        old = replace(BASE, birth_date=date(1940, 1, 1), income=None)
        assert status(old, "old_age_allowance", policy) == "unknown"
        recipient = replace(old, receiving=frozenset({"minimum_living_allowance"}))
        assert status(recipient, "old_age_allowance", policy) == "eligible"
        rich = replace(old, income={"wages": D(5000)})
        assert status(rich, "old_age_allowance", policy) == "not_eligible"


class TestDisability:
    @pytest.mark.parametrize(
        ("change", "living", "care", "care_amount"),
        [
            ({"disability_grade": 1, "disability_type": "physical"}, "eligible", "eligible", 100),
            ({"disability_grade": 2, "disability_type": "vision"}, "eligible", "eligible", 80),
            (
                {"disability_grade": 3, "disability_type": "physical"},
                "eligible",
                "not_eligible",
                None,
            ),
            ({}, "unknown", "unknown", None),
            ({"disability_certificate": False}, "not_eligible", "not_eligible", None),
        ],
    )
    def test_two_subsidies(self, change, living, care, care_amount):
        f = replace(BASE, **{"disability_certificate": True, **change})
        assert status(f, "disability_living_subsidy") == living
        r = result(f, "disability_care_subsidy")
        assert r.status == care
        assert r.amount == (None if care_amount is None else D(care_amount))

    def test_living_subsidy_needs_a_dibao_household(self):
        f = replace(
            BASE, disability_grade=1, disability_certificate=True, income={"wages": D(2000)}
        )
        assert status(f, "disability_living_subsidy") == "not_eligible"

    def test_missing_certificate_is_only_likely(self):
        f = replace(BASE, disability_grade=1, disability_type="physical")
        assert status(f, "disability_care_subsidy") == "likely_eligible"

    def test_care_extension_to_intellectual_grade_three(self):
        f = replace(
            BASE, disability_grade=3, disability_type="intellectual", disability_certificate=True
        )
        assert status(f, "disability_care_subsidy") == "not_eligible"
        policy = POLICY.model_copy(update={"disability_care_intellectual_mental": True})
        assert status(f, "disability_care_subsidy", policy) == "eligible"


class TestMedical:
    rich = replace(BASE, income={"wages": D(5000)}, poverty_monitoring="none")

    @pytest.mark.parametrize(
        ("change", "expected", "cls"),
        [
            ({"receiving": frozenset({"extreme_poverty_support"})}, "eligible", 1),
            ({"poverty_monitoring": "relapsed"}, "eligible", 2),
            ({"poverty_monitoring": "monitored"}, "eligible", 3),
            ({"income": {"wages": D(800)}}, "eligible", 3),  # near-低保 band
            ({"medical_costs_12m": D("18000.01")}, "eligible", 4),
            ({"medical_costs_12m": D(18000)}, "not_eligible", None),
            ({"medical_costs_12m": D(20000), "deposits_per_capita": None}, "likely_eligible", None),
            ({}, "unknown", None),  # costs unknown
            ({"poverty_monitoring": None, "medical_costs_12m": D(0)}, "unknown", None),
        ],
    )
    def test_classes(self, change, expected, cls):
        r = result(replace(self.rich, **change), "medical_assistance")
        assert (r.status, r.extra["class"]) == (expected, cls)


class TestTemporary:
    @pytest.mark.parametrize(
        ("hardship", "day", "expected"),
        [
            ("accident", date(2026, 6, 5), "eligible"),
            ("illness", date(2025, 12, 17), "eligible"),  # 180 days ago
            ("illness", date(2025, 12, 16), "not_eligible"),  # 181 days ago
            ("accident", None, "unknown"),
            ("none", None, "not_eligible"),
            (None, None, "unknown"),
        ],
    )
    def test_sudden_hardship(self, hardship, day, expected):
        f = replace(BASE, hardship=hardship, hardship_date=day, income={"wages": D(5000)})
        r = result(f, "temporary_assistance")
        assert r.status == expected
        assert r.amount == (None if expected == "not_eligible" else D("1680.00"))

    def test_spending_surge_needs_a_dibao_household(self):
        day = date(2026, 6, 1)
        rich = replace(
            BASE, hardship="spending_surge", hardship_date=day, income={"wages": D(5000)}
        )
        assert status(rich, "temporary_assistance") == "not_eligible"
        assert status(replace(rich, income={"wages": D(100)}), "temporary_assistance") == "eligible"


class TestHousing:
    @pytest.mark.parametrize(
        ("grade", "expected", "amount"),
        [("D", "eligible", 35000), ("C", "eligible", 15000), ("B", "not_eligible", None),
         (None, "unknown", None)],
    )  # fmt: skip
    def test_grade_for_a_dibao_household(self, grade, expected, amount):
        r = result(replace(BASE, housing_grade=grade), "housing_renovation")
        assert r.status == expected
        assert r.amount == (None if amount is None else D(amount))

    def test_not_a_target_group(self):
        f = replace(
            BASE, housing_grade="D", income={"wages": D(5000)}, poverty_monitoring="none",
            hardship="none",
        )  # fmt: skip
        assert status(f, "housing_renovation") == "not_eligible"


class TestElderlyCare:
    @pytest.mark.parametrize(
        ("birth", "level", "categories", "expected", "amount"),
        [
            (date(1940, 1, 1), None, {"low_income"}, "eligible", 50),
            (date(1956, 1, 1), "severe", {"low_income"}, "eligible", 200),
            (date(1940, 1, 1), "severe", {"low_income"}, "eligible", 200),
            (date(1956, 1, 1), "intact", {"low_income"}, "not_eligible", None),
            (date(1956, 1, 1), None, {"low_income"}, "unknown", None),
            # plan 十三 names the 80+ on their own (not only in 经济困难 households): the age
            # route needs no means test unless the county sets elderly_care_age_means_tested
            # (see tests/relief/test_rules_policy_texts.py)
            (date(1940, 1, 1), None, set(), "eligible", 50),
        ],
    )
    def test_over_80_or_disabled_and_struggling(self, birth, level, categories, expected, amount):
        f = replace(
            BASE, birth_date=birth, ability_level=level, categories=frozenset(categories),
            income=None,
        )  # fmt: skip
        r = result(f, "elderly_care_subsidy")
        assert r.status == expected
        if expected != "not_eligible":
            assert r.amount == (None if amount is None else D(amount))


def test_missing_inputs_never_make_anyone_ineligible():
    nothing = Facts(birth_date=date(1941, 3, 3))
    results = rules.evaluate(nothing, POLICY, ON)
    assert {r.status for r in results} <= {"unknown", "eligible", "likely_eligible"}
    assert next(r for r in results if r.program == "old_age_allowance").status == "eligible"
    empty_policy = rules.evaluate(replace(BASE, birth_date=date(1941, 3, 3)), ReliefPolicy(), ON)
    assert "not_eligible" not in {r.status for r in empty_policy}
    # nor "likely eligible" for a means-tested program on the register's income alone
    poor_on_register = replace(nothing, register_income_annual_pc=D(1200))
    means_tested = {
        r.program: r.status
        for r in rules.evaluate(poor_on_register, POLICY, ON)
        # the elder-care subsidy's age route is not means-tested by default (plan 十三)
        if r.program not in ("old_age_allowance", "elderly_care_subsidy")
    }
    assert set(means_tested.values()) == {"unknown"}


def test_deceased_elders_are_not_eligible_for_anything():
    assert {r.status for r in rules.evaluate(replace(BASE, status="deceased"), POLICY, ON)} == {
        "not_eligible"
    }


def test_every_program_is_evaluated_once():
    assert [r.program for r in rules.evaluate(BASE, POLICY, ON)] == list(rules.PROGRAMS)


class TestNoDoubleBenefits:
    """不重复享受 (domain.md §5.4, uncertain): read strictly, but never a "no"."""

    SEVERE_OLD = replace(
        HOUSEHOLD,
        birth_date=date(1940, 1, 10),
        disability_grade=1,
        disability_type="physical",
        disability_certificate=True,
        ability_level="severe",
    )

    @pytest.mark.parametrize(
        ("receiving", "program", "expected", "instead"),
        [
            ((), "disability_care_subsidy", "eligible", None),
            ((), "elderly_care_subsidy", "eligible", None),
            (("elderly_care_subsidy",), "disability_care_subsidy", "likely_eligible",
             ["elderly_care_subsidy"]),
            (("elderly_care_subsidy",), "disability_living_subsidy", "likely_eligible",
             ["elderly_care_subsidy"]),
            (("disability_care_subsidy",), "elderly_care_subsidy", "likely_eligible",
             ["disability_care_subsidy"]),
            (("disability_care_subsidy", "disability_living_subsidy"), "elderly_care_subsidy",
             "likely_eligible", ["disability_care_subsidy", "disability_living_subsidy"]),
            (("disability_care_subsidy", "elderly_care_subsidy"), "disability_care_subsidy",
             "likely_eligible", ["elderly_care_subsidy"]),
            # other programs are not affected
            (("elderly_care_subsidy",), "old_age_allowance", "eligible", None),
            (("old_age_allowance",), "elderly_care_subsidy", "eligible", None),
        ],
    )  # fmt: skip
    def test_conflicts(self, receiving, program, expected, instead):
        facts = replace(
            self.SEVERE_OLD,
            categories=frozenset({"low_income"}),
            receiving=frozenset(receiving),
        )
        r = result(facts, program)
        assert r.status == expected
        assert r.extra.get("received_instead") == instead
        conflict = [c for c in r.criteria if c.code == "no_double_benefit"]
        if instead:
            assert [(c.passed, c.core, c.value["rule_certain"]) for c in conflict] == [
                (None, False, False)
            ]
            assert r.amount is not None  # the amount is still shown: the office chooses
        else:
            assert conflict == []

    def test_a_conflict_never_turns_a_no_into_a_yes(self):
        facts = replace(
            HOUSEHOLD, ability_level="intact", receiving=frozenset({"disability_care_subsidy"})
        )
        assert status(facts, "elderly_care_subsidy") == "not_eligible"

    def test_the_explanation_says_the_rule_is_uncertain(self):
        from eldercare.relief import labels

        facts = replace(
            self.SEVERE_OLD,
            categories=frozenset({"low_income"}),
            receiving=frozenset({"elderly_care_subsidy"}),
        )
        r = result(facts, "disability_care_subsidy")
        c = next(c for c in r.criteria if c.code == "no_double_benefit")
        zh = labels.detail(c.code, c.passed, c.value, c.params, "zh-CN")
        en = labels.detail(c.code, c.passed, c.value, c.params, "en")
        assert "经济困难的高龄、失能老年人补贴" in zh
        assert "不明确" in zh
        assert "unclear" in en
        assert "Subsidy for struggling elders" in en


def test_outcome_key_is_only_for_elders_without_relief_facts():
    assert rules.outcome_key(replace(BASE, facts_date=ON), POLICY, ON) is None
    bare = Facts(birth_date=date(1946, 6, 20))
    # 80 on 20 June 2026; the birthday-month rule starts the tier on 1 June, before the birthday
    assert rules.outcome_key(bare, POLICY, ON)[:2] == (79, 80)
