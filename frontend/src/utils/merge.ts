// Merging two records of the same elder: the fields the API lets a merge take from the
// merged record (the rest stays the survivor's: birth date and sex follow the ID number,
// village and status are changed by moving or a status change), and how to show them.
import type { components } from "../api/schema";

export type ElderOut = components["schemas"]["ElderOut"];
export type MergeIn = components["schemas"]["MergeIn"];

/** The fields a merge can take from the merged record, in the order shown. */
export const MERGE_FIELDS = [
  "name", "id_number", "phone", "address", "hukou_address", "ethnicity", "marital_status",
  "living_arrangement", "self_care", "health_conditions", "disability_grade", "disability_type",
  "income_sources", "family_doctor_signed", "care_situation", "notes", "manual_categories",
] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

export const DUPLICATE_REASONS = ["same_birth_date", "same_village", "same_name", "same_pinyin", "same_initials", "same_id_number"] as const;

type Translate = (key: string) => string;
// Label namespaces of enumerated fields (the values are codes).
const ENUMS: Partial<Record<MergeField, string>> = { living_arrangement: "living", self_care: "selfCare", health_conditions: "health", marital_status: "marital", income_sources: "incomeSource", disability_type: "disabilityType" };

function empty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

/** One field's value as text (codes as their labels when known; "" when empty). */
export function showValue(field: MergeField, value: unknown, t: Translate, te: (key: string) => boolean = () => true): string {
  if (empty(value)) return "";
  const label = (code: string): string => {
    const ns = ENUMS[field];
    return ns && te(`${ns}.${code}`) ? t(`${ns}.${code}`) : code;
  };
  if (field === "manual_categories" && Array.isArray(value)) {
    return value.map((c) => { const m = c as { code: string; reason?: string }; return te(`category.${m.code}`) ? t(`category.${m.code}`) : m.code; }).join("、");
  }
  if (Array.isArray(value)) return value.map((v) => label(String(v))).join("、");
  if (typeof value === "boolean") return value ? t("common.yes") : t("common.no");
  return label(String(value));
}

function same(a: unknown, b: unknown): boolean {
  if (empty(a) && empty(b)) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields whose values differ between the two records (only these can be chosen). */
export function differingFields(survivor: ElderOut, merged: ElderOut): MergeField[] {
  return MERGE_FIELDS.filter((f) => !same((survivor as Record<string, unknown>)[f], (merged as Record<string, unknown>)[f]));
}

/**
 * Fields worth taking by default: where the survivor has nothing and the merged record has
 * a value (nothing is overwritten unless chosen).
 */
export function suggestedFields(survivor: ElderOut, merged: ElderOut): MergeField[] {
  return differingFields(survivor, merged).filter((f) => f !== "id_number" && empty((survivor as Record<string, unknown>)[f]));
}

/**
 * Fields where the survivor has a value and the merged record has none: taking "nothing"
 * would erase, so these are offered only as an explicit "clear" (never as "take"). The name
 * and the ID number cannot be cleared.
 */
export function clearableFields(survivor: ElderOut, merged: ElderOut): MergeField[] {
  return differingFields(survivor, merged).filter(
    (f) => f !== "name" && f !== "id_number" && empty((merged as Record<string, unknown>)[f]) && !empty((survivor as Record<string, unknown>)[f]),
  );
}

/** Fields whose merged value may be taken (differing, and not an empty value over a filled one). */
export function takeableFields(survivor: ElderOut, merged: ElderOut): MergeField[] {
  const erase = (f: MergeField) => empty((merged as Record<string, unknown>)[f]) && !empty((survivor as Record<string, unknown>)[f]);
  return differingFields(survivor, merged).filter((f) => !erase(f));
}

/** The POST body: only takeable / clearable fields, in the API's order, reason trimmed. */
export function mergeBody(survivor: ElderOut, merged: ElderOut, take: string[], reason: string, clear: string[] = []): MergeIn {
  const takeable = takeableFields(survivor, merged);
  const clearable = clearableFields(survivor, merged);
  return {
    survivor_id: survivor.id,
    merged_id: merged.id,
    take_from_merged: takeable.filter((f) => take.includes(f)),
    clear_fields: clearable.filter((f) => clear.includes(f)),
    reason: reason.trim(),
  };
}
