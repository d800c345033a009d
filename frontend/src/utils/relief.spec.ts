import { describe, expect, it } from "vitest";
import { factsToForm, formToFacts, supporterPatch, type FactsOut, type SupporterOut } from "./relief";

const stored = {
  elder_id: "e1", revision: 2, effective_date: "2025-06-01", source: "2025年入户核查", version: 2,
  household_size: 2, income: { wages: "800.00", basic_pension: "150" }, support_declared: "200",
  deposits_per_capita: null, owns_vehicle: false, houses: 1, ability_level: "mild", housing_grade: "C",
  major_illness: null, medical_costs_12m: null, disability_certificate: true, poverty_monitoring: null,
  hardship: "illness", hardship_date: "2025-05-20", clergy_apart: null,
  supporters_complete: true,
  supporters: [{ guardian_id: "g1", guardian_version: 3, name: "王大", relation: "son", birth_year: 1980, situation: "able", annual_income: "30000.00", assets_within_limit: null }], created_at: null, created_by: null,
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
    expect(body.supporters_complete).toBe(true);
    expect("supporters" in body).toBe(false); // the supporters are the guardians: not sent
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
    expect(body.supporters_complete).toBeNull();
    expect(formToFacts(factsToForm(null, "2026-03-01")).income).toBeNull();
  });
  it("reads a yes/no choice cleared back to nothing as unknown, not as no", () => {
    const form = factsToForm(null, "2026-03-01");
    form.tri.owns_vehicle = "yes";
    expect(formToFacts(form).owns_vehicle).toBe(true);
    (form.tri as Record<string, unknown>).owns_vehicle = undefined; // a select's clear button
    (form as unknown as { supporters_complete: null }).supporters_complete = null;
    const body = formToFacts(form);
    expect(body.owns_vehicle).toBeNull();
    expect(body.supporters_complete).toBeNull();
  });
  it("takes the numbers a number input hands back", () => {
    const form = factsToForm(null, "2026-03-01");
    (form as unknown as { household_size: number }).household_size = 3;
    (form.income as Record<string, unknown>).wages = 650;
    const body = formToFacts(form);
    expect(body.household_size).toBe(3);
    expect(body.income).toEqual({ wages: "650" });
  });
  it("edits the supporters on their guardians: only what changed is patched", () => {
    const form = factsToForm(stored, "2026-03-01");
    const before = stored.supporters?.[0] as SupporterOut;
    const row = form.supporters[0];
    expect(row).toEqual({ guardian_id: "g1", guardian_version: 3, name: "王大", relation: "son", birth_year: "1980", situation: "able", annual_income: "30000.00", assets_within_limit: "" });
    expect(supporterPatch(before, row)).toBeNull();
    row.annual_income = "30000"; // the same amount, written differently
    expect(supporterPatch(before, row)).toBeNull();
    row.situation = "in_prison";
    row.assets_within_limit = "yes";
    (row as unknown as { birth_year: number }).birth_year = 1955;
    expect(supporterPatch(before, row)).toEqual({ support_situation: "in_prison", assets_within_limit: true, birth_year: 1955 });
    row.situation = "";
    expect(supporterPatch(before, row)).toMatchObject({ support_situation: null });
    form.supporters_complete = "no";
    expect(formToFacts(form).supporters_complete).toBe(false);
  });
});
