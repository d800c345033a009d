// Where a child works: the national province / prefecture / county list (loaded when a form
// needs it, not with the first screen) and how far that place is from the elder's village.
// The server derives `away_scope` by the same rule (eldercare.elders.rules.region_scope);
// the form only shows it ahead of saving.

export type Divisions = Record<string, string>;
export type AwayScope = "local" | "in_township" | "in_county" | "outside_county" | "outside_province";

let loading: Promise<Divisions> | null = null;

/** The province (2-digit), prefecture (4) and county (6) names by code, loaded once. */
export function loadDivisions(): Promise<Divisions> {
  loading ??= import("../data/divisions.json").then((m) => m.default as Divisions);
  return loading;
}

/** The divisions one level below `parent` ("" for the provinces), in code order. */
export function childrenOf(divisions: Divisions, parent: string): { code: string; name: string }[] {
  const len = parent.length + 2;
  return Object.keys(divisions)
    .filter((code) => code.length === len && code.startsWith(parent))
    .sort()
    .map((code) => ({ code, name: divisions[code] }));
}

/** "广东省 深圳市 南山区" for 440305; the codes' own names for levels the list lacks. */
export function regionLabel(divisions: Divisions, code: string): string {
  const parts: string[] = [];
  for (const len of [2, 4, 6]) {
    if (code.length < len) break;
    const name = divisions[code.slice(0, len)];
    if (name && name !== "市辖区" && name !== "县") parts.push(name);
  }
  return parts.join(" ");
}

/** How far a place of work (a code prefix) is from the elder's village; null when the code
 * does not decide it (none, or the elder's own prefecture or province without the county). */
export function regionScope(code: string | null | undefined, village: string): AwayScope | null {
  if (!code) return null;
  if (code.slice(0, 2) !== village.slice(0, 2)) return "outside_province";
  if (code.length < 6) return village.startsWith(code) ? null : "outside_county";
  if (code.slice(0, 6) !== village.slice(0, 6)) return "outside_county";
  if (code.length < 9 || code.slice(0, 9) !== village.slice(0, 9)) return "in_county";
  return code === village ? "local" : "in_township";
}
