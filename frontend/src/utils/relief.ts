// The relief inputs (救助核查信息) as a form: every field may be unknown. A PUT records a
// whole new version. The supporters (赡养/扶养义务人) are the register's guardians with a
// duty of support (son, daughter, grandchild, spouse): their birth year, situation, income
// and assets are saved on each guardian (PATCH), and the facts only say whether they are
// all of the elder's supporters (supporters_complete).
import type { components } from "../api/schema";

export type FactsOut = components["schemas"]["ReliefFactsOut"];
export type FactsIn = components["schemas"]["ReliefFactsIn"];

export const INCOME_ITEMS = ["wages", "business", "property", "transfers", "basic_pension", "social_insurance", "special_care", "family_planning_reward", "reward", "social_assistance", "old_age_allowance"] as const;
export const TRI_FIELDS = ["owns_vehicle", "major_illness", "disability_certificate", "clergy_apart", "medical_assistance_enrolled"] as const;
export const MONEY_FIELDS = ["support_declared", "deposits_per_capita", "medical_costs_12m"] as const;
export const CHOICES = {
  ability_level: ["intact", "mild", "moderate", "severe", "lost"],
  housing_grade: ["A", "B", "C", "D", "none"],
  poverty_monitoring: ["none", "relapsed", "monitored"],
  hardship: ["none", "accident", "disaster", "illness", "spending_surge"],
} as const;

export const SUPPORTER_SITUATIONS = ["able", "extreme_poverty", "minimum_living", "severely_disabled", "no_civil_capacity", "missing", "in_prison"] as const;
export type SupporterOut = components["schemas"]["SupporterOut"];
export type GuardianPatch = components["schemas"]["GuardianPatch"];

type Tri = "" | "yes" | "no";
export interface SupporterForm {
  guardian_id: string;
  guardian_version: number;
  name: string;
  relation: string;
  birth_year: string;
  situation: string;
  annual_income: string;
  assets_within_limit: Tri;
}
export interface FactsForm {
  effective_date: string;
  source: string;
  household_size: string;
  houses: string;
  income: Record<string, string>;
  tri: Record<(typeof TRI_FIELDS)[number], Tri>;
  money: Record<(typeof MONEY_FIELDS)[number], string>;
  choice: Record<keyof typeof CHOICES, string>;
  hardship_date: string;
  supporters_complete: Tri;
  supporters: SupporterForm[];
}

const str = (v: unknown): string => (v == null ? "" : String(v));
const tri = (v: boolean | null | undefined): Tri => (v == null ? "" : v ? "yes" : "no");

/** The form for the facts in force (all blank when nothing is recorded yet). */
export function factsToForm(f: FactsOut | null, today: string): FactsForm {
  const income: Record<string, string> = {};
  for (const k of INCOME_ITEMS) income[k] = str(f?.income?.[k]);
  return {
    effective_date: today,
    source: f?.source ?? "",
    household_size: str(f?.household_size),
    houses: str(f?.houses),
    income,
    tri: { owns_vehicle: tri(f?.owns_vehicle), major_illness: tri(f?.major_illness), disability_certificate: tri(f?.disability_certificate), clergy_apart: tri(f?.clergy_apart), medical_assistance_enrolled: tri(f?.medical_assistance_enrolled) },
    money: { support_declared: str(f?.support_declared), deposits_per_capita: str(f?.deposits_per_capita), medical_costs_12m: str(f?.medical_costs_12m) },
    choice: { ability_level: str(f?.ability_level), housing_grade: str(f?.housing_grade), poverty_monitoring: str(f?.poverty_monitoring), hardship: str(f?.hardship) },
    hardship_date: str(f?.hardship_date),
    supporters_complete: tri(f?.supporters_complete),
    supporters: (f?.supporters ?? []).map(supporterToForm),
  };
}

// Number inputs hand back numbers (v-model casts them), text inputs strings.
function int(v: string | number | null | undefined): number | null {
  const t = String(v ?? "").trim();
  return t === "" ? null : Number(t);
}
function money(v: string | number | null | undefined): string | null {
  const t = String(v ?? "").trim();
  return t === "" ? null : t;
}
function fromTri(v: Tri | null | undefined): boolean | null {
  return v ? v === "yes" : null;
}

export function supporterToForm(s: SupporterOut): SupporterForm {
  return {
    guardian_id: s.guardian_id,
    guardian_version: s.guardian_version,
    name: s.name,
    relation: s.relation,
    birth_year: str(s.birth_year),
    situation: str(s.situation),
    annual_income: str(s.annual_income),
    assets_within_limit: tri(s.assets_within_limit),
  };
}

/** The guardian changes for one supporter row (null: nothing changed), as a PATCH body. */
export function supporterPatch(before: SupporterOut, row: SupporterForm): GuardianPatch | null {
  const after = {
    birth_year: int(row.birth_year),
    support_situation: (row.situation || null) as GuardianPatch["support_situation"],
    annual_income: money(row.annual_income),
    assets_within_limit: fromTri(row.assets_within_limit),
  };
  const was = {
    birth_year: before.birth_year ?? null,
    support_situation: before.situation ?? null,
    annual_income: before.annual_income == null ? null : String(before.annual_income),
    assets_within_limit: before.assets_within_limit ?? null,
  };
  const patch: GuardianPatch = {};
  let changed = false;
  for (const k of Object.keys(after) as (keyof typeof after)[]) {
    const same = k === "annual_income" && after[k] != null && was[k] != null ? Number(after[k]) === Number(was[k]) : after[k] === was[k];
    if (!same) {
      (patch as Record<string, unknown>)[k] = after[k];
      changed = true;
    }
  }
  return changed ? patch : null;
}

/** The PUT body: blanks are unknown (null), money stays a decimal string. */
export function formToFacts(form: FactsForm): FactsIn {
  const income: Record<string, string> = {};
  for (const k of INCOME_ITEMS) {
    const v = money(form.income[k] ?? "");
    if (v != null) income[k] = v;
  }
  return {
    effective_date: form.effective_date || null,
    source: form.source.trim(),
    household_size: int(form.household_size),
    houses: int(form.houses),
    income: Object.keys(income).length ? (income as FactsIn["income"]) : null,
    support_declared: money(form.money.support_declared),
    deposits_per_capita: money(form.money.deposits_per_capita),
    medical_costs_12m: money(form.money.medical_costs_12m),
    owns_vehicle: fromTri(form.tri.owns_vehicle),
    major_illness: fromTri(form.tri.major_illness),
    disability_certificate: fromTri(form.tri.disability_certificate),
    clergy_apart: fromTri(form.tri.clergy_apart),
    medical_assistance_enrolled: fromTri(form.tri.medical_assistance_enrolled),
    ability_level: (form.choice.ability_level || null) as FactsIn["ability_level"],
    housing_grade: (form.choice.housing_grade || null) as FactsIn["housing_grade"],
    poverty_monitoring: (form.choice.poverty_monitoring || null) as FactsIn["poverty_monitoring"],
    hardship: (form.choice.hardship || null) as FactsIn["hardship"],
    hardship_date: form.choice.hardship && form.choice.hardship !== "none" ? form.hardship_date || null : null,
    supporters_complete: fromTri(form.supporters_complete),
  };
}
