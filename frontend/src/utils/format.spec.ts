import { describe, expect, it } from "vitest";
import { fmtDate, fmtPercent, toCsv, todayLocal } from "./format";

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
  it("quotes CSV fields that need it and starts with a BOM", () => {
    const csv = toCsv(["姓名", "地址"], [["张三", '1组, "东"'], ["李四", null]]);
    expect(csv).toBe('\uFEFF姓名,地址\r\n张三,"1组, ""东"""\r\n李四,\r\n');
  });
});
