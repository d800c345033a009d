// Bulk imports and file downloads: the file goes as the request body with its media type,
// a 202 answer is a job polled until it ends, and downloads carry the bearer token (fetched
// as a blob and saved, since a plain link would not send it).
import type { components } from "./schema";
import { authFetch } from "./authFetch";
import { ApiError, type Problem } from "./problem";

export type ImportReport = components["schemas"]["ImportReport"];
export type ImportResource = "elders" | "guardians" | "volunteers" | "pairings" | "visits";
export type ImportMode = "atomic" | "per_row";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The Content-Type the API reads a file as, from its name (null: not a format it takes). */
export function mediaTypeFor(filename: string): string | null {
  const ext = filename.toLowerCase().split(".").pop() ?? "";
  if (ext === "csv") return "text/csv";
  if (ext === "xlsx") return XLSX;
  if (ext === "ndjson" || ext === "jsonl") return "application/x-ndjson";
  if (ext === "json") return "application/json";
  return null;
}

/** Whether a report is final (no more polling). */
export function isFinished(r: Pick<ImportReport, "status">): boolean {
  return r.status !== "queued" && r.status !== "running";
}

/** A fresh Idempotency-Key: one per upload, reused only when the same upload is retried. */
export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return `web-${crypto.randomUUID()}`;
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** The file name of a Content-Disposition header (RFC 6266 `filename*` first), or the fallback. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? "").trim();
  return name || fallback;
}

async function problemOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as Problem;
  return new ApiError(res.status, body);
}

export interface UploadOptions {
  dryRun: boolean;
  mode: ImportMode;
  key: string;
}

/** POST the file; answers the report (200) or the job's first report (202). */
export async function uploadImport(resource: ImportResource, file: Blob & { name?: string }, opt: UploadOptions): Promise<ImportReport> {
  const type = mediaTypeFor(file.name ?? "") ?? file.type;
  const q = new URLSearchParams({ dry_run: String(opt.dryRun), mode: opt.mode });
  const res = await authFetch(
    new Request(`/api/v1/imports/${resource}?${q}`, {
      method: "POST",
      body: file,
      headers: { "Content-Type": type, "Idempotency-Key": opt.key },
    }),
  );
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as ImportReport;
}

export async function getImport(jobId: string): Promise<ImportReport> {
  const res = await authFetch(new Request(`/api/v1/imports/${encodeURIComponent(jobId)}`));
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as ImportReport;
}

export interface PollOptions {
  intervalMs?: number;
  signal?: { aborted: boolean };
  sleep?: (ms: number) => Promise<void>;
  fetchReport?: (jobId: string) => Promise<ImportReport>;
}

/** Poll a job until it ends (or the signal aborts), reporting each state on the way. */
export async function pollImport(first: ImportReport, onProgress: (r: ImportReport) => void, opt: PollOptions = {}): Promise<ImportReport> {
  const sleep = opt.sleep ?? ((ms: number) => new Promise<void>((ok) => setTimeout(ok, ms)));
  const fetchReport = opt.fetchReport ?? getImport;
  let report = first;
  let wait = opt.intervalMs ?? 1000;
  while (!isFinished(report) && !opt.signal?.aborted) {
    await sleep(wait);
    if (opt.signal?.aborted) break;
    report = await fetchReport(report.id);
    onProgress(report);
    wait = Math.min(wait * 1.5, 5000);
  }
  return report;
}

/** GET an API file with the bearer token and save it under the server's file name. */
export async function downloadApiFile(url: string, fallbackName: string): Promise<string> {
  const res = await authFetch(new Request(url));
  if (!res.ok) throw await problemOf(res);
  const blob = await res.blob();
  const name = filenameFromDisposition(res.headers.get("Content-Disposition"), fallbackName);
  saveBlob(blob, name);
  return name;
}

/** Save a blob as a file through a temporary object URL. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
