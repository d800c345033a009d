// Resident ID numbers (GB 11643): normalise, verify the ISO 7064 MOD 11-2 check digit and
// derive the birth date and sex, so the form can fill them in before the server confirms.

export type IdProblem = "length" | "format" | "checksum" | "birth_date";

export interface IdInfo {
  normalized: string;
  birthDate: string; // YYYY-MM-DD
  sex: "male" | "female";
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** Full-width digits and letters to ASCII, spaces removed, `x` upper-cased. */
export function normalizeIdNumber(raw: string): string {
  return raw
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/[\s\u3000]/g, "")
    .toUpperCase();
}

export function checkDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** Parse an 18-digit (or legacy 15-digit) number; `today` bounds the birth date. */
export function parseIdNumber(
  raw: string,
  today: Date = new Date(),
): { ok: true; info: IdInfo } | { ok: false; problem: IdProblem } {
  let n = normalizeIdNumber(raw);
  if (n.length === 15) {
    if (!/^\d{15}$/.test(n)) return { ok: false, problem: "format" };
    const body = `${n.slice(0, 6)}19${n.slice(6)}`;
    n = body + checkDigit(body);
  } else if (n.length !== 18) {
    return { ok: false, problem: "length" };
  }
  if (!/^\d{17}[\dX]$/.test(n)) return { ok: false, problem: "format" };
  const y = Number(n.slice(6, 10));
  const m = Number(n.slice(10, 12));
  const d = Number(n.slice(12, 14));
  const born = new Date(Date.UTC(y, m - 1, d));
  if (y < 1890 || !validDate(y, m, d) || born.getTime() > today.getTime()) {
    return { ok: false, problem: "birth_date" };
  }
  if (checkDigit(n.slice(0, 17)) !== n[17]) return { ok: false, problem: "checksum" };
  const birthDate = `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`;
  return { ok: true, info: { normalized: n, birthDate, sex: Number(n[16]) % 2 === 1 ? "male" : "female" } };
}

/** Whole years between a birth date and `today`. */
export function ageOn(birthDate: string, today: Date = new Date()): number {
  const [y, m, d] = birthDate.split("-").map(Number);
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
  return age;
}
