// Region names for the admin screens: looked up once per code and kept for the session.
import { reactive } from "vue";
import { api } from "../../api/client";

export const regionNames = reactive<Record<string, string>>({});
const pending = new Map<string, Promise<void>>();

/** The names of a region and its parents ("所城镇 南风坳村"), as far as the user may see. */
export function loadRegionName(code: string): Promise<void> {
  if (!code || code in regionNames) return Promise.resolve();
  const known = pending.get(code);
  if (known) return known;
  const p = (async () => {
    const r = await api.GET("/api/v1/regions/{code}", { params: { path: { code } } });
    if (!r.data) return;
    let name = r.data.name;
    // a village is told with its township; a township stands alone
    if (r.data.level === "village" && r.data.parent_code) {
      await loadRegionName(r.data.parent_code);
      name = `${regionNames[r.data.parent_code] ?? ""} ${name}`.trim();
    }
    regionNames[code] = name;
  })();
  pending.set(code, p);
  return p;
}
