import { describe, expect, it } from "vitest";
import { ageOn, checkDigit, normalizeIdNumber, parseIdNumber } from "./idNumber";

const TODAY = new Date(2026, 10, 29);

describe("resident ID numbers", () => {
  it("computes the MOD 11-2 check digit (GB 11643 example)", () => {
    expect(checkDigit("11010519491231002")).toBe("X");
    expect(checkDigit("43112719450101123")).toBe("X");
  });

  it("derives sex and birth date from a valid number", () => {
    const r = parseIdNumber("11010519491231002X", TODAY);
    expect(r).toEqual({ ok: true, info: { normalized: "11010519491231002X", birthDate: "1949-12-31", sex: "female" } });
    const m = parseIdNumber("43112719450101123X", TODAY);
    expect(m.ok && m.info.sex).toBe("male");
    expect(m.ok && m.info.birthDate).toBe("1945-01-01");
  });

  it("normalises full-width characters, spaces and a lowercase x", () => {
    expect(normalizeIdNumber("１１０１０５ 19491231002x")).toBe("11010519491231002X");
    expect(parseIdNumber("１１０１０５ 19491231002x", TODAY).ok).toBe(true);
  });

  it("upgrades a 15-digit number", () => {
    const r = parseIdNumber("110105491231002", TODAY);
    expect(r.ok && r.info).toEqual({ normalized: "11010519491231002X", birthDate: "1949-12-31", sex: "female" });
  });

  it.each([
    ["431127194501011234", "checksum"],
    ["43112719450101123", "length"],
    ["4311271945010112AX", "format"],
    ["431127194502301234", "birth_date"],
    ["431127209901011234", "birth_date"],
  ])("rejects %s (%s)", (raw, problem) => {
    expect(parseIdNumber(raw, TODAY)).toEqual({ ok: false, problem });
  });

  it("counts whole years", () => {
    expect(ageOn("1945-11-29", TODAY)).toBe(81);
    expect(ageOn("1945-11-30", TODAY)).toBe(80);
  });
});
