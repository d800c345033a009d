// Dates and numbers as a caseworker reads them (local time, no seconds).

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `2026-03-05T08:00:00Z` → `2026-03-05` in local time; dates pass through. */
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `2026-03-05 16:00` in local time. */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${fmtDate(iso)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A share (0..1) as a percentage with one decimal; null as a dash. */
export function fmtPercent(x: number | null | undefined): string {
  if (x == null || Number.isNaN(x)) return "—";
  return `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
}

/** Today's local date as YYYY-MM-DD. */
export function todayLocal(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
