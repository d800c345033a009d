// The relief inputs (救助核查信息) as a form: every field may be unknown. A PUT records a
// whole new version. The supporters (赡养/扶养义务人) are unknown (null), known to be none
// ([]; the 特困 rule then counts no able supporter) or a list, each with their situation.
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

export const SUPPORTER_RELATIONS = ["son", "daughter", "son_in_law", "daughter_in_law", "spouse", "sibling", "grandchild", "relative", "other"] as const;
export const SUPPORTER_SITUATIONS = ["able", "extreme_poverty", "minimum_living", "severely_disabled", "no_civil_capacity", "missing", "in_prison"] as const;
export type SupporterIn = components["schemas"]["SupporterIn-Input"];

type Tri = "" | "yes" | "no";
/** "": not known; "none": known to have no supporter; "list": the supporters below. */
export type SupportersKnown = "" | "none" | "list";
export interface SupporterForm {
  relation: string;
  age: string;
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
  supporters_known: SupportersKnown;
  supporters: SupporterForm[];
}

export function blankSupporter(): SupporterForm {
  return { relation: "son", age: "", situation: "", annual_income: "", assets_within_limit: "" };
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
    supporters_known: f?.supporters == null ? "" : f.supporters.length ? "list" : "none",
    supporters: (f?.supporters ?? []).map((s) => ({
      relation: s.relation,
      age: str(s.age),
      situation: str(s.situation),
      annual_income: str(s.annual_income),
      assets_within_limit: tri(s.assets_within_limit),
    })),
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
function fromTri(v: Tri): boolean | null {
  return v === "" ? null : v === "yes";
}

/** The supporters as the API takes them: null unknown, [] none, else one entry per row. */
export function formToSupporters(form: FactsForm): SupporterIn[] | null {
  if (form.supporters_known === "") return null;
  if (form.supporters_known === "none") return [];
  return form.supporters.map((s) => ({
    relation: s.relation.trim(),
    age: int(s.age),
    situation: (s.situation || null) as SupporterIn["situation"],
    annual_income: money(s.annual_income),
    assets_within_limit: fromTri(s.assets_within_limit),
  }));
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
    supporters: formToSupporters(form),
  };
}
