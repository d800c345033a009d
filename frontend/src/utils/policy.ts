// The county's relief parameters (救助参数) and register settings as forms. A relief save is
// a whole new version from its effective date: blanks are "not set" (null) where the API
// allows it, else the server's default; amounts stay decimal strings.
import type { components } from "../api/schema";

export type ReliefPolicyOut = components["schemas"]["ReliefPolicyOut"];
export type ReliefPolicyIn = components["schemas"]["ReliefPolicyIn"];
export type RegisterSettings = components["schemas"]["RegisterSettings"];

/** Amounts and factors that may be left unset (null: the criteria needing them stay open). */
export const NULLABLE_DECIMALS = ["minimum_living_standard", "deposit_limit_per_capita", "single_person_share", "extreme_poverty_basic", "disposable_income_prev_year", "disability_living_amount", "temporary_multiple", "elderly_care_age_amount"] as const;
/** Factors with a default (blank: the default). */
export const DECIMALS = ["near_poverty_factor", "medical_illness_share"] as const;
export const NULLABLE_INTS = ["max_houses"] as const;
export const INTS = ["temporary_window_days", "elderly_care_min_age"] as const;
export const BOOLS = ["vehicle_allowed", "old_age_means_tested", "disability_living_near_poverty", "disability_care_intellectual_mental"] as const;
export const START_RULES = ["birthday", "birthday_month", "next_month"] as const;
export const FORMULA_MODES = ["declared", "per_able_supporter", "share_of_supporter_income"] as const;
export const INCOME_ITEMS = ["wages", "business", "property", "transfers", "basic_pension", "social_insurance", "special_care", "family_planning_reward", "reward", "social_assistance", "old_age_allowance"] as const;
const ABILITY = ["intact", "mild", "moderate", "severe", "lost"];
/** Amounts by a key (ability level, disability grade, housing grade). */
export const MAPS = {
  extreme_poverty_care: ABILITY,
  disability_care_amounts: ["1", "2", "3", "4"],
  housing_amounts: ["C", "D", "none"],
  elderly_care_amounts: ABILITY,
} as const;
export type MapName = keyof typeof MAPS;

export interface ReliefPolicyForm {
  effective_date: string;
  note: string;
  num: Record<string, string>;
  bool: Record<string, boolean>;
  old_age_start: string;
  formula: { mode: string; monthly_per_supporter: string; share: string };
  income_excluded: string[];
  maps: Record<MapName, Record<string, string>>;
  tiers: { min_age: string; monthly_amount: string }[];
}

const str = (v: unknown): string => (v == null ? "" : String(v));
const blank = (v: unknown): boolean => String(v ?? "").trim() === "";
const dec = (v: unknown): string => String(v ?? "").trim();

/** The form for the parameters in force (the next version starts from them). */
export function policyToForm(p: Partial<ReliefPolicyOut> | null, today: string): ReliefPolicyForm {
  const num: Record<string, string> = {};
  for (const k of [...NULLABLE_DECIMALS, ...DECIMALS, ...NULLABLE_INTS, ...INTS]) num[k] = str((p as Record<string, unknown> | null)?.[k]);
  const bool: Record<string, boolean> = {};
  for (const k of BOOLS) bool[k] = Boolean((p as Record<string, unknown> | null)?.[k]);
  const maps = {} as Record<MapName, Record<string, string>>;
  for (const name of Object.keys(MAPS) as MapName[]) {
    const stored = ((p as Record<string, unknown> | null)?.[name] ?? {}) as Record<string, unknown>;
    maps[name] = Object.fromEntries(MAPS[name].map((k) => [k, str(stored[k])]));
  }
  return {
    effective_date: today,
    note: "",
    num,
    bool,
    old_age_start: p?.old_age_start ?? "birthday_month",
    formula: {
      mode: p?.support_formula?.mode ?? "declared",
      monthly_per_supporter: str(p?.support_formula?.monthly_per_supporter ?? "0"),
      share: str(p?.support_formula?.share ?? "0"),
    },
    income_excluded: [...(p?.income_excluded ?? [])],
    maps,
    tiers: (p?.old_age_tiers ?? []).map((t) => ({ min_age: str(t.min_age), monthly_amount: str(t.monthly_amount) })),
  };
}

/** The PUT body of a new version, with the latest version id read (If-Match in the body). */
export function formToPolicy(f: ReliefPolicyForm, latestVersion: number | null): ReliefPolicyIn {
  const body: Record<string, unknown> = {
    effective_date: f.effective_date || null,
    note: f.note.trim(),
    version: latestVersion ?? 0,
  };
  for (const k of NULLABLE_DECIMALS) body[k] = blank(f.num[k]) ? null : dec(f.num[k]);
  for (const k of DECIMALS) if (!blank(f.num[k])) body[k] = dec(f.num[k]);
  for (const k of NULLABLE_INTS) body[k] = blank(f.num[k]) ? null : Number(dec(f.num[k]));
  for (const k of INTS) if (!blank(f.num[k])) body[k] = Number(dec(f.num[k]));
  for (const k of BOOLS) body[k] = f.bool[k];
  body.old_age_start = f.old_age_start;
  body.support_formula = {
    mode: f.formula.mode,
    monthly_per_supporter: blank(f.formula.monthly_per_supporter) ? "0" : dec(f.formula.monthly_per_supporter),
    share: blank(f.formula.share) ? "0" : dec(f.formula.share),
  };
  body.income_excluded = INCOME_ITEMS.filter((k) => f.income_excluded.includes(k));
  for (const name of Object.keys(MAPS) as MapName[]) {
    body[name] = Object.fromEntries(Object.entries(f.maps[name]).filter(([, v]) => !blank(v)).map(([k, v]) => [k, dec(v)]));
  }
  body.old_age_tiers = f.tiers
    .filter((t) => !(blank(t.min_age) && blank(t.monthly_amount)))
    .map((t) => ({ min_age: blank(t.min_age) ? null : Number(dec(t.min_age)), monthly_amount: dec(t.monthly_amount) }));
  return body as ReliefPolicyIn;
}

/** The version of a list in force on a day (versions come newest effective date first). */
export function versionInForce<T extends { effective_date: string }>(versions: T[], day: string): T | null {
  return versions.find((v) => v.effective_date <= day) ?? null;
}

/** The register settings' PUT body: numbers as numbers, the conditions in a stable order. */
export function registerBody(s: RegisterSettings, conditionOrder: readonly string[]): RegisterSettings {
  // a blank is sent as null, so the server names the field that needs a number
  const num = (v: unknown): number => (blank(v) ? null : Number(dec(v))) as number;
  return {
    ...s,
    min_register_age: num(s.min_register_age),
    left_behind_min_age: num(s.left_behind_min_age),
    min_away_months: num(s.min_away_months),
    advanced_age: num(s.advanced_age),
    ...(s.month_freeze_day === undefined ? {} : { month_freeze_day: num(s.month_freeze_day) }),
    verification_months: num(s.verification_months),
    life_threatening_conditions: conditionOrder.filter((c) => (s.life_threatening_conditions ?? []).includes(c)),
  };
}
