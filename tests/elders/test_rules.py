"""Left-behind status, categories and risk tiers for crafted elders, with their reasons."""

from __future__ import annotations

from datetime import date

import pytest
from eldercare.elders.rules import ElderFacts, GuardianFacts, RegisterSettings, derive, left_behind

TODAY = date(2026, 11, 29)
VILLAGE = "431127104230"
S = RegisterSettings()


def child(
    relation="son",
    since=date(2025, 1, 1),
    scope="outside_county",
    region=None,
    alive=True,
    can=None,
):
    return GuardianFacts(relation, alive, since, scope, region, can)


def facts(
    birth=date(1950, 1, 1),
    living="with_spouse",
    self_care="independent",
    grade=None,
    conditions=(),
    manual=(),
    guardians=(),
):
    return ElderFacts(
        birth, VILLAGE, living, self_care, grade, list(conditions), list(manual), list(guardians)
    )


class TestLeftBehind:
    def test_all_children_away_long_enough(self):
        ok, reason = left_behind(facts(guardians=[child(), child("daughter")]), S, TODAY)
        assert ok
        assert reason.code == "lb.all_away"
        assert reason.params == {"count": 2, "months": 6, "scope": "county"}

    def test_one_child_nearby_means_not_left_behind(self):
        ok, reason = left_behind(
            facts(guardians=[child(), child("daughter", scope="in_county")]), S, TODAY
        )
        assert not ok
        assert reason.code == "lb.child_nearby"

    def test_away_for_less_than_the_minimum(self):
        ok, reason = left_behind(facts(guardians=[child(since=date(2026, 7, 1))]), S, TODAY)
        assert not ok
        assert reason.code == "lb.child_away_recently"

    def test_exactly_six_months_counts(self):
        assert left_behind(facts(guardians=[child(since=date(2026, 5, 29))]), S, TODAY)[0]
        assert not left_behind(facts(guardians=[child(since=date(2026, 5, 30))]), S, TODAY)[0]

    def test_no_children_is_not_left_behind(self):
        ok, reason = left_behind(
            facts(guardians=[GuardianFacts("neighbour", True, None, "local", None, None)]), S, TODAY
        )
        assert not ok
        assert reason.code == "lb.no_children"

    def test_deceased_children_do_not_count(self):
        ok, _ = left_behind(
            facts(guardians=[child(), child("daughter", scope="local", alive=False)]), S, TODAY
        )
        assert ok

    def test_unknown_whereabouts_is_not_guessed(self):
        ok, reason = left_behind(facts(guardians=[child(scope=None)]), S, TODAY)
        assert not ok
        assert reason.code == "lb.unknown"

    def test_work_region_decides_over_the_typed_scope(self):
        inside = child(scope="outside_province", region="431127100")
        assert not left_behind(facts(guardians=[inside]), S, TODAY)[0]
        outside = child(scope=None, region="440300")
        assert left_behind(facts(guardians=[outside]), S, TODAY)[0]

    def test_township_setting_counts_children_elsewhere_in_the_county(self):
        s = RegisterSettings(away_scope="outside_township")
        assert left_behind(facts(guardians=[child(scope="in_county")]), s, TODAY)[0]
        assert not left_behind(facts(guardians=[child(scope="in_county")]), S, TODAY)[0]

    def test_incapable_local_child_counts_as_absent_unless_the_county_says_not(self):
        g = [child(), child("daughter", scope="local", can=False)]
        assert left_behind(facts(guardians=g), S, TODAY)[0]  # the default since issue 16
        s = RegisterSettings(treat_incapable_local_supporter_as_absent=False)
        assert not left_behind(facts(guardians=g), s, TODAY)[0]

    def test_too_young(self):
        ok, reason = left_behind(facts(birth=date(1967, 1, 1), guardians=[child()]), S, TODAY)
        assert not ok
        assert reason.params == {"age": 59, "min_age": 60}

    def test_extreme_poverty_is_excluded_by_default(self):
        manual = [{"code": "extreme_poverty", "reason": "分散供养"}]
        assert not left_behind(facts(manual=manual, guardians=[child()]), S, TODAY)[0]
        assert left_behind(
            facts(manual=manual, guardians=[child()]),
            RegisterSettings(exclude_extreme_poverty=False),
            TODAY,
        )[0]


def codes(d):
    return [c["code"] for c in d.categories]


class TestCategories:
    def test_living_alone_is_also_empty_nest_and_special_difficulty(self):
        d = derive(facts(living="alone"), S, TODAY)
        assert codes(d) == ["empty_nest", "living_alone", "special_difficulty"]
        reasons = {c["code"]: c["reason"]["code"] for c in d.categories}
        assert reasons["living_alone"] == "cat.lives_alone"

    def test_advanced_age_at_80_on_the_birthday(self):
        assert "advanced_age" in codes(
            derive(facts(birth=date(1946, 11, 29), living="with_children"), S, TODAY)
        )
        assert "advanced_age" not in codes(
            derive(facts(birth=date(1946, 11, 30), living="with_children"), S, TODAY)
        )

    def test_disability_from_self_care_and_grade(self):
        d = derive(facts(self_care="dependent", living="with_children"), S, TODAY)
        assert {"disabled", "special_difficulty"} <= set(codes(d))
        assert "severe_disability" not in codes(d)  # 失能 is not 重残
        d = derive(facts(grade=3, living="with_children"), S, TODAY)
        assert "disabled" in codes(d)
        assert "severe_disability" not in codes(d)
        d = derive(facts(grade=2, living="with_children"), S, TODAY)
        assert "severe_disability" in codes(d)

    def test_manual_categories_keep_their_note(self):
        d = derive(
            facts(
                living="with_children", manual=[{"code": "low_income", "reason": "2024年纳入低保"}]
            ),
            S,
            TODAY,
        )
        low = next(c for c in d.categories if c["code"] == "low_income")
        assert low["source"] == "manual"
        assert low["reason"]["params"]["note"] == "2024年纳入低保"
        assert "special_difficulty" in codes(d)  # 贫困 is a special-difficulty group

    def test_left_behind_category_carries_its_reason(self):
        d = derive(facts(guardians=[child()]), S, TODAY)
        lb = next(c for c in d.categories if c["code"] == "left_behind")
        assert lb["reason"]["code"] == "lb.all_away"


class TestRisk:
    def test_eighty_and_alone_is_high(self):
        d = derive(facts(birth=date(1940, 1, 1), living="alone"), S, TODAY)
        assert d.risk_level == "high"
        assert d.risk_reasons[0].code == "risk.old_and_alone"

    def test_life_threatening_illness_is_high_at_any_age(self):
        d = derive(
            facts(birth=date(1962, 1, 1), living="with_children", conditions=["heart_disease"]),
            S,
            TODAY,
        )
        assert d.risk_level == "high"
        assert d.risk_reasons[0].params == {"condition": "heart_disease"}

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"self_care": "partly_dependent"},
            {"manual": [{"code": "extreme_poverty", "reason": "x"}]},
            {"manual": [{"code": "family_planning_special", "reason": "失独"}]},
        ],
    )
    def test_key_tier(self, kwargs):
        assert derive(facts(living="with_children", **kwargs), S, TODAY).risk_level == "key"

    def test_general_otherwise(self):
        d = derive(facts(living="with_children"), S, TODAY)
        assert d.risk_level == "general"
        assert d.risk_reasons[0].code == "risk.general"

    def test_override_wins_and_says_why(self):
        d = derive(
            facts(living="with_children"), S, TODAY, {"level": "high", "reason": "独自居住在山上"}
        )
        assert d.risk_level == "high"
        assert d.risk_reasons[0].code == "risk.override"

    def test_conditions_are_configurable(self):
        s = RegisterSettings(life_threatening_conditions=["diabetes"])
        assert (
            derive(facts(living="with_children", conditions=["diabetes"]), s, TODAY).risk_level
            == "high"
        )
        assert (
            derive(facts(living="with_children", conditions=["heart_disease"]), s, TODAY).risk_level
            == "general"
        )
