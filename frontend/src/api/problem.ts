// RFC 9457 problem details from the API, turned into messages for the screen.

export interface ProblemError {
  loc?: (string | number)[];
  code?: string;
  message?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: ProblemError[];
  retry_after?: number;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

/** The message to show for an API failure (already in the user's language). */
export function problemMessage(p: unknown, fallback: string): string {
  if (p && typeof p === "object") {
    const pr = p as Problem;
    if (pr.errors?.length && pr.errors[0].message) return pr.errors.map((e) => e.message).join("；");
    if (pr.detail) return pr.detail;
    if (pr.title) return pr.title;
  }
  if (p instanceof Error && p.message) return p.message;
  return fallback;
}

/** Field errors by the last path element of `loc` (`body.id_number` → `id_number`). */
export function fieldErrors(p: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const errs = (p as Problem | undefined)?.errors ?? [];
  for (const e of errs) {
    const loc = (e.loc ?? []).filter((x) => x !== "body");
    const key = loc.length ? String(loc[0]) : "_";
    if (!out[key]) out[key] = e.message ?? e.code ?? "";
  }
  return out;
}

/** Field errors inside a list field, by row and field (`body.supporters.1.age` → `1.age`). */
export function rowErrors(p: unknown, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (p as Problem | undefined)?.errors ?? []) {
    const loc = (e.loc ?? []).filter((x) => x !== "body");
    if (loc[0] !== field || loc.length < 2) continue;
    const key = loc.slice(1, 3).join(".");
    if (!out[key]) out[key] = e.message ?? e.code ?? "";
  }
  return out;
}

/** Throw an ApiError unless the openapi-fetch result has data. */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    throw new ApiError(r.response.status, (r.error ?? {}) as Problem);
  }
  return r.data as T;
}

/** The If-Match header for a version last read (the API's ETag is the quoted version). */
export function ifMatch(version: number | null | undefined): Record<string, string> {
  return version == null ? {} : { "If-Match": `"${version}"` };
}

/**
 * What a failed save shows: on 412 the record changed since it was read (`stale`), else the
 * server's message; field messages go under their fields. `network` when nothing answered.
 */
export function saveFailure(e: unknown, text: { stale: string; network: string; fallback: string }): { message: string; fields: Record<string, string> } {
  if (!(e instanceof ApiError)) return { message: text.network, fields: {} };
  if (e.status === 412) return { message: text.stale, fields: {} };
  const fields = fieldErrors(e.problem);
  const message = e.problem.errors?.length ? problemMessage({ ...e.problem, errors: undefined }, text.fallback) : problemMessage(e.problem, text.fallback);
  return { message, fields };
}
