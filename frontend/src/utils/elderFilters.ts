// The register list's filters as the API takes them. The list and its export use the same
// query, so an export holds exactly the rows the list shows.
import type { paths } from "../api/schema";

export type ElderQuery = NonNullable<paths["/api/v1/elders"]["get"]["parameters"]["query"]>;
export type ElderFilterQuery = Omit<ElderQuery, "limit" | "cursor" | "count" | "sort">;

/** The filter form as the elders screen keeps it (empty string / undefined: not chosen). */
export interface ElderFilterForm {
  q: string;
  region: string;
  category: string;
  risk_level: string;
  status: string;
  age_min?: number | string | null;
  age_max?: number | string | null;
  overdue: boolean;
}

function age(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The filters chosen in the form, leaving out what is not chosen. */
export function filterQuery(f: ElderFilterForm): ElderFilterQuery {
  const query: ElderFilterQuery = {};
  const q = f.q.trim();
  if (q) query.q = q;
  if (f.region) query.region = f.region;
  if (f.category) query.category = [f.category] as ElderFilterQuery["category"];
  if (f.risk_level) query.risk_level = f.risk_level as ElderFilterQuery["risk_level"];
  if (f.status) query.status = f.status as ElderFilterQuery["status"];
  const min = age(f.age_min);
  const max = age(f.age_max);
  if (min !== undefined) query.age_min = min;
  if (max !== undefined) query.age_max = max;
  if (f.overdue) query.overdue = true;
  return query;
}

/** The query string of an elder export: the format and exactly the list's filters. */
export function exportQuery(format: "csv" | "xlsx", filters: ElderFilterQuery): string {
  const q = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  return q.toString();
}
