import { describe, expect, it } from "vitest";
import { formToPolicy, policyToForm, registerBody, versionInForce, type ReliefPolicyOut } from "./policy";

const inForce = {
  county_code: "431127", effective_date: "2026-01-01", version_id: 3, next_effective_date: null,
  minimum_living_standard: "620.00", near_poverty_factor: "1.5", deposit_limit_per_capita: null, vehicle_allowed: false,
  max_houses: 1, income_excluded: ["special_care", "basic_pension"], support_formula: { mode: "per_able_supporter", monthly_per_supporter: "150", share: "0" },
  single_person_share: null, extreme_poverty_basic: "806", extreme_poverty_care: { lost: "1200", intact: "100" },
  disposable_income_prev_year: null, old_age_tiers: [{ min_age: 80, monthly_amount: "50" }, { min_age: 90, monthly_amount: "100" }],
  old_age_start: "birthday_month", old_age_means_tested: false, disability_living_amount: "90", disability_living_near_poverty: true,
  disability_care_amounts: { "1": "90", "2": "90" }, disability_care_intellectual_mental: false, medical_illness_share: "1",
  temporary_multiple: null, temporary_window_days: 180, housing_amounts: {}, elderly_care_min_age: 80, elderly_care_age_amount: null,
  elderly_care_amounts: {},
} as unknown as ReliefPolicyOut;

describe("relief policy form", () => {
  it("starts a new version from the parameters in force and sends them back unchanged", () => {
    const form = policyToForm(inForce, "2026-07-01");
    expect(form.effective_date).toBe("2026-07-01");
    expect(form.num.minimum_living_standard).toBe("620.00");
    expect(form.maps.extreme_poverty_care).toEqual({ intact: "100", mild: "", moderate: "", severe: "", lost: "1200" });
    const body = formToPolicy(form, 3) as Record<string, unknown>;
    expect(body).toMatchObject({
      effective_date: "2026-07-01", version: 3, minimum_living_standard: "620.00", near_poverty_factor: "1.5",
      deposit_limit_per_capita: null, max_houses: 1, temporary_window_days: 180, vehicle_allowed: false,
      disability_living_near_poverty: true, old_age_start: "birthday_month",
      support_formula: { mode: "per_able_supporter", monthly_per_supporter: "150", share: "0" },
      extreme_poverty_care: { intact: "100", lost: "1200" }, disability_care_amounts: { "1": "90", "2": "90" }, housing_amounts: {},
      old_age_tiers: [{ min_age: 80, monthly_amount: "50" }, { min_age: 90, monthly_amount: "100" }],
    });
    // income items in the API's order, whatever order they were ticked in
    expect(body.income_excluded).toEqual(["basic_pension", "special_care"]);
  });

  it("sends blanks as not set, or leaves out what has a default", () => {
    const form = policyToForm(null, "2026-07-01");
    form.num.minimum_living_standard = " 700 ";
    form.num.near_poverty_factor = "";
    form.num.temporary_window_days = "";
    form.num.max_houses = "";
    form.tiers.push({ min_age: "", monthly_amount: "" }, { min_age: "85", monthly_amount: " 60 " }, { min_age: "", monthly_amount: "30" });
    const body = formToPolicy(form, null) as Record<string, unknown>;
    expect(body.version).toBe(0);
    expect(body.minimum_living_standard).toBe("700");
    expect(body.extreme_poverty_basic).toBeNull();
    expect(body.max_houses).toBeNull();
    expect("near_poverty_factor" in body).toBe(false);
    expect("temporary_window_days" in body).toBe(false);
    // an empty row is dropped; a half-filled one goes to the server, which names what is missing
    expect(body.old_age_tiers).toEqual([{ min_age: 85, monthly_amount: "60" }, { min_age: null, monthly_amount: "30" }]);
  });

  it("finds the version in force on a day", () => {
    const versions = [{ effective_date: "2026-09-01", id: 3 }, { effective_date: "2026-01-01", id: 2 }, { effective_date: "2025-01-01", id: 1 }];
    expect(versionInForce(versions, "2026-07-01")?.id).toBe(2);
    expect(versionInForce(versions, "2026-09-01")?.id).toBe(3);
    expect(versionInForce(versions, "2024-12-31")).toBeNull();
  });
});

describe("register settings", () => {
  it("sends numbers, blanks as null, and the conditions in a stable order", () => {
    const s = { min_register_age: "60", left_behind_min_age: 65, min_away_months: "", away_scope: "outside_township", treat_incapable_local_supporter_as_absent: true, exclude_extreme_poverty: false, advanced_age: 80, month_freeze_day: "7", verification_months: "24", life_threatening_conditions: ["stroke", "dementia"] } as never;
    expect(registerBody(s, ["dementia", "heart_disease", "stroke"])).toEqual({
      min_register_age: 60, left_behind_min_age: 65, min_away_months: null, away_scope: "outside_township",
      treat_incapable_local_supporter_as_absent: true, exclude_extreme_poverty: false, advanced_age: 80,
      month_freeze_day: 7, verification_months: 24, life_threatening_conditions: ["dementia", "stroke"],
    });
  });
});
