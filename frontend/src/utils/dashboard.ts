// What the dashboard draws from the summary: months with data, the age bands worth a row.

export interface MonthLike {
  elders_visited: number;
  special_difficulty: number;
  monthly_visit_rate: number | null;
}

/** A month with no visit recorded at all (or no one to visit) has no rate: "no data", not 0 %. */
export function monthHasData(m: MonthLike): boolean {
  return m.monthly_visit_rate != null && m.special_difficulty > 0 && m.elders_visited > 0;
}

export const AGE_BANDS = ["under_60", "60_69", "70_79", "80_89", "90_plus"] as const;

/** The age bands to show: "under 60" only when someone is in it (the register is of elders). */
export function pyramidBands(bySexAge: Record<string, number> | null | undefined): string[] {
  const p = bySexAge ?? {};
  return AGE_BANDS.filter((b) => b !== "under_60" || (p[`male_${b}`] ?? 0) + (p[`female_${b}`] ?? 0) > 0);
}

/** The level of the regions one level below a region code (county → townships → villages). */
export function childLevel(code: string): "township" | "village" | "county" {
  if (code.length >= 9) return "village";
  if (code.length >= 6) return "township";
  return "county";
}
