import { describe, expect, it } from "vitest";
import { fmtDate, fmtPercent, todayLocal } from "./format";

describe("formatting", () => {
  it("shows shares as percentages and null as a dash", () => {
    expect(fmtPercent(0.5849)).toBe("58.5%");
    expect(fmtPercent(1)).toBe("100.0%");
    expect(fmtPercent(null)).toBe("—");
  });
  it("passes plain dates through and formats datetimes locally", () => {
    expect(fmtDate("2026-03-05")).toBe("2026-03-05");
    const d = new Date(2026, 2, 5, 23, 30);
    expect(fmtDate(d.toISOString())).toBe("2026-03-05");
    expect(fmtDate(null)).toBe("");
    expect(todayLocal(d)).toBe("2026-03-05");
  });
});
