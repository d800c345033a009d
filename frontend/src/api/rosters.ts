// Roster uploads: the file goes as the body with its media type; a 202 answer is a job
// polled (GET /rosters/{id}) until it ends.
import type { components } from "./schema";
import { authFetch } from "./authFetch";
import { ApiError, type Problem } from "./problem";
import { mediaTypeFor } from "./imports";

export type RosterOut = components["schemas"]["RosterOut"];
export type RosterKind = RosterOut["kind"];
export const ROSTER_KINDS: RosterKind[] = ["deaths", "hukou_out", "dibao", "tekun", "disability"];

/** The Content-Type of a roster file (CSV or XLSX only), or null. */
export function rosterMediaType(filename: string): string | null {
  const type = mediaTypeFor(filename);
  return type === "text/csv" || (type && type.includes("spreadsheetml")) ? type : null;
}

async function problemOf(res: Response): Promise<ApiError> {
  return new ApiError(res.status, (await res.json().catch(() => ({}))) as Problem);
}

export async function uploadRoster(kind: RosterKind, file: Blob & { name: string }, dryRun: boolean): Promise<RosterOut> {
  const q = new URLSearchParams({ kind, dry_run: String(dryRun), file_name: file.name.slice(0, 200) });
  const res = await authFetch(
    new Request(`/api/v1/rosters?${q}`, { method: "POST", body: file, headers: { "Content-Type": rosterMediaType(file.name) ?? file.type } }),
  );
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as RosterOut;
}

export async function getRoster(id: string): Promise<RosterOut> {
  const res = await authFetch(new Request(`/api/v1/rosters/${encodeURIComponent(id)}`));
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as RosterOut;
}

export function rosterFinished(r: Pick<RosterOut, "status">): boolean {
  return r.status !== "queued" && r.status !== "running";
}

/** Poll until the roster's job ends (or the signal aborts), reporting each state. */
export async function pollRoster(
  first: RosterOut,
  onProgress: (r: RosterOut) => void,
  opt: { signal?: { aborted: boolean }; sleep?: (ms: number) => Promise<void>; fetchRoster?: (id: string) => Promise<RosterOut> } = {},
): Promise<RosterOut> {
  const sleep = opt.sleep ?? ((ms: number) => new Promise<void>((ok) => setTimeout(ok, ms)));
  const fetchRoster = opt.fetchRoster ?? getRoster;
  let r = first;
  let wait = 1000;
  while (!rosterFinished(r) && !opt.signal?.aborted) {
    await sleep(wait);
    if (opt.signal?.aborted) break;
    r = await fetchRoster(r.id);
    onProgress(r);
    wait = Math.min(wait * 1.5, 5000);
  }
  return r;
}
