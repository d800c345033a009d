import { describe, expect, it } from "vitest";
import { factsToForm, formToFacts, type FactsOut } from "./relief";

const stored = {
  elder_id: "e1", revision: 2, effective_date: "2025-06-01", source: "2025年入户核查", version: 2,
  household_size: 2, income: { wages: "800.00", basic_pension: "150" }, support_declared: "200",
  deposits_per_capita: null, owns_vehicle: false, houses: 1, ability_level: "mild", housing_grade: "C",
  major_illness: null, medical_costs_12m: null, disability_certificate: true, poverty_monitoring: null,
  hardship: "illness", hardship_date: "2025-05-20", clergy_apart: null,
  supporters: [{ name: "张建国", relation: "son", able: true }], created_at: null, created_by: null,
} as unknown as FactsOut;

describe("relief facts form", () => {
  it("round-trips the facts in force, with a new effective date and the supporters kept", () => {
    const form = factsToForm(stored, "2026-03-01");
    expect(form.effective_date).toBe("2026-03-01");
    expect(form.tri.owns_vehicle).toBe("no");
    expect(form.tri.major_illness).toBe("");
    const body = formToFacts(form, stored);
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
    const body = formToFacts(form, null);
    expect(body.income).toEqual({ wages: "600" });
    expect(body.household_size).toBeNull();
    expect(body.owns_vehicle).toBeNull();
    expect(body.hardship_date).toBeNull();
    expect(body.supporters).toBeNull();
    expect(formToFacts(factsToForm(null, "2026-03-01"), null).income).toBeNull();
  });
  it("takes the numbers a number input hands back", () => {
    const form = factsToForm(null, "2026-03-01");
    (form as unknown as { household_size: number }).household_size = 3;
    (form.income as Record<string, unknown>).wages = 650;
    const body = formToFacts(form, null);
    expect(body.household_size).toBe(3);
    expect(body.income).toEqual({ wages: "650" });
  });
});
