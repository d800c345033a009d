import { describe, expect, it } from "vitest";
import { MERGE_FIELDS, clearableFields, differingFields, mergeBody, showValue, suggestedFields, takeableFields, type ElderOut } from "./merge";

const base = {
  id: "a", name: "张秀英", id_number: "431127********0021", phone: "138****5678", address: "1组", hukou_address: "",
  ethnicity: null, marital_status: "widowed", living_arrangement: "alone", self_care: "independent", health_conditions: ["hypertension"],
  disability_grade: null, disability_type: null, income_sources: [], family_doctor_signed: null, care_situation: "", notes: "",
  manual_categories: [], village_code: "431127104230",
} as unknown as ElderOut;
const other = { ...base, id: "b", name: "章秀英", address: "1组", notes: "另一份登记", phone: null, health_conditions: ["hypertension", "diabetes"], family_doctor_signed: true, hukou_address: null } as unknown as ElderOut;
const labels: Record<string, string> = { "living.alone": "独居", "health.hypertension": "高血压", "health.diabetes": "糖尿病", "common.yes": "是", "common.no": "否", "category.low_income": "低保" };
const t = (k: string): string => labels[k] ?? k;
const te = (k: string): boolean => k in labels;

describe("merging duplicates", () => {
  it("compares only the fields a merge can take, treating empty values alike", () => {
    expect(differingFields(base, other)).toEqual(["name", "phone", "health_conditions", "family_doctor_signed", "notes"]);
    expect(differingFields(base, base)).toEqual([]);
    expect(MERGE_FIELDS).not.toContain("village_code");
  });

  it("suggests what the survivor lacks, never the ID number or what it has", () => {
    expect(suggestedFields(base, other)).toEqual(["family_doctor_signed", "notes"]);
    expect(suggestedFields(other, base)).toEqual(["phone"]);
  });

  it("sends only differing fields, in order, with the reason trimmed", () => {
    expect(mergeBody(base, other, ["notes", "address", "name"], "  同一人重复登记 ")).toEqual({
      survivor_id: "a", merged_id: "b", take_from_merged: ["name", "notes"], clear_fields: [], reason: "同一人重复登记",
    });
  });

  it("never takes an empty value over a filled one: that is an explicit clear", () => {
    // the survivor has a phone, the merged record none
    expect(takeableFields(base, other)).not.toContain("phone");
    expect(clearableFields(base, other)).toEqual(["phone"]);
    expect(mergeBody(base, other, ["phone", "notes"], "重复").take_from_merged).toEqual(["notes"]);
    expect(mergeBody(base, other, ["notes"], "重复", ["phone", "notes"]).clear_fields).toEqual(["phone"]);
    // the other way round the phone is a value to take, not to clear
    expect(takeableFields(other, base)).toContain("phone");
    expect(clearableFields(other, base)).toEqual(["family_doctor_signed", "notes"]);
  });

  it("shows values as labels", () => {
    expect(showValue("living_arrangement", "alone", t, te)).toBe("独居");
    expect(showValue("health_conditions", ["hypertension", "diabetes"], t, te)).toBe("高血压、糖尿病");
    expect(showValue("family_doctor_signed", false, t, te)).toBe("否");
    expect(showValue("notes", "", t, te)).toBe("");
    expect(showValue("manual_categories", [{ code: "low_income", reason: "x" }], t, te)).toBe("低保");
    expect(showValue("ethnicity", "汉族", t, te)).toBe("汉族");
  });
});
