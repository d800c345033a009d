// Region codes by level: a county has 6 digits, a township 9, a village 12; a code's
// ancestors are its prefixes of those lengths.
import { api, type Schemas } from "../api/client";
import { unwrap } from "../api/problem";

const LENGTHS = [2, 4, 6, 9, 12];

/** The codes from just below `root` down to `code` ("" when `code` is not below `root`). */
export function regionPath(code: string, root: string): string[] {
  if (!code || !code.startsWith(root) || code.length <= root.length) return [];
  return LENGTHS.filter((n) => n > root.length && n <= code.length).map((n) => code.slice(0, n));
}

/** The township code of a village code (its first 9 digits). */
export function townshipOf(code: string): string {
  return code.length >= 9 ? code.slice(0, 9) : "";
}

const children = new Map<string, Promise<Schemas["RegionOut"][]>>();

/** The child regions of `parent` (townships of a county, villages of a township), cached. */
export function regionChildren(parent: string): Promise<Schemas["RegionOut"][]> {
  let p = children.get(parent);
  if (!p) {
    p = (async () => {
      const out: Schemas["RegionOut"][] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(await api.GET("/api/v1/regions", { params: { query: { parent, limit: 500, cursor } } }));
        out.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return out;
    })();
    p.catch(() => children.delete(parent));
    children.set(parent, p);
  }
  return p;
}

/**
 * Names of the villages (and, for a county's user, their townships) of the given village
 * codes, as "township · village" or "village": the place of each row of a list.
 */
export async function placeNames(codes: string[], root: string): Promise<Record<string, string>> {
  const townships = [...new Set(codes.map(townshipOf).filter((c) => c && c.startsWith(root)))];
  const names: Record<string, string> = {};
  const withTownship = root.length < 9;
  const tnames: Record<string, string> = {};
  if (withTownship) {
    const counties = [...new Set(townships.map((c) => c.slice(0, 6)))];
    for (const list of await Promise.all(counties.map((c) => regionChildren(c).catch(() => [])))) {
      for (const r of list) tnames[r.code] = r.name;
    }
  }
  for (const list of await Promise.all(townships.map((c) => regionChildren(c).catch(() => [])))) {
    for (const r of list) names[r.code] = withTownship && tnames[townshipOf(r.code)] ? `${tnames[townshipOf(r.code)]} · ${r.name}` : r.name;
  }
  return names;
}
