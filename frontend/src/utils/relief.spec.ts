import { describe, expect, it } from "vitest";
import { blankSupporter, factsToForm, formToFacts, type FactsOut } from "./relief";

const stored = {
  elder_id: "e1", revision: 2, effective_date: "2025-06-01", source: "2025年入户核查", version: 2,
  household_size: 2, income: { wages: "800.00", basic_pension: "150" }, support_declared: "200",
  deposits_per_capita: null, owns_vehicle: false, houses: 1, ability_level: "mild", housing_grade: "C",
  major_illness: null, medical_costs_12m: null, disability_certificate: true, poverty_monitoring: null,
  hardship: "illness", hardship_date: "2025-05-20", clergy_apart: null,
  supporters: [{ relation: "son", age: 45, situation: "able", annual_income: "30000", assets_within_limit: null }], created_at: null, created_by: null,
} as unknown as FactsOut;

describe("relief facts form", () => {
  it("round-trips the facts in force, with a new effective date and the supporters kept", () => {
    const form = factsToForm(stored, "2026-03-01");
    expect(form.effective_date).toBe("2026-03-01");
    expect(form.tri.owns_vehicle).toBe("no");
    expect(form.tri.major_illness).toBe("");
    const body = formToFacts(form);
    expect(body).toMatchObject({
      effective_date: "2026-03-01", household_size: 2, houses: 1, income: { wages: "800.00", basic_pension: "150" },
      support_declared: "200", deposits_per_capita: null, owns_vehicle: false, major_illness: null,
      disability_certificate: true, ability_level: "mild", housing_grade: "C", hardship: "illness", hardship_date: "2025-05-20",
    });
    expect(body.supporters).toEqual(stored.supporters);
  });
  it("treats blanks as unknown and drops the hardship date without a hardship", () => {
    const form = factsToForm(null, "2026-03-01");
    form.income.wages = " 600 ";
    form.hardship_date = "2026-01-01";
    form.choice.hardship = "none";
    const body = formToFacts(form);
    expect(body.income).toEqual({ wages: "600" });
    expect(body.household_size).toBeNull();
    expect(body.owns_vehicle).toBeNull();
    expect(body.hardship_date).toBeNull();
    expect(body.supporters).toBeNull();
    expect(formToFacts(factsToForm(null, "2026-03-01")).income).toBeNull();
  });
  it("takes the numbers a number input hands back", () => {
    const form = factsToForm(null, "2026-03-01");
    (form as unknown as { household_size: number }).household_size = 3;
    (form.income as Record<string, unknown>).wages = 650;
    const body = formToFacts(form);
    expect(body.household_size).toBe(3);
    expect(body.income).toEqual({ wages: "650" });
  });
  it("edits the supporters: unknown, none, or each with their situation", () => {
    const form = factsToForm(stored, "2026-03-01");
    expect(form.supporters_known).toBe("list");
    expect(form.supporters[0]).toEqual({ relation: "son", age: "45", situation: "able", annual_income: "30000", assets_within_limit: "" });
    form.supporters.push({ ...blankSupporter(), relation: "daughter", situation: "minimum_living", age: 50 as unknown as string, assets_within_limit: "yes" });
    form.supporters[0].situation = "in_prison";
    expect(formToFacts(form).supporters).toEqual([
      { relation: "son", age: 45, situation: "in_prison", annual_income: "30000", assets_within_limit: null },
      { relation: "daughter", age: 50, situation: "minimum_living", annual_income: null, assets_within_limit: true },
    ]);
    form.supporters_known = "none";
    expect(formToFacts(form).supporters).toEqual([]);
    form.supporters_known = "";
    expect(formToFacts(form).supporters).toBeNull();
    const none = factsToForm({ ...stored, supporters: [] }, "2026-03-01");
    expect(none.supporters_known).toBe("none");
    expect(formToFacts(none).supporters).toEqual([]);
    const blank = blankSupporter();
    expect(blank.situation).toBe("");
    expect(formToFacts({ ...factsToForm(null, "2026-03-01"), supporters_known: "list", supporters: [blank] }).supporters).toEqual([
      { relation: "son", age: null, situation: null, annual_income: null, assets_within_limit: null },
    ]);
  });
});
