import { describe, expect, it } from "vitest";
import { childrenOf, loadDivisions, regionLabel, regionScope } from "./workRegion";

// 南风坳村 in 蓝山县, 永州市, 湖南省 (the same cases as the server's region_scope tests)
const VILLAGE = "431127104230";

describe("how far a place of work is from the elder", () => {
  it.each([
    [null, null],
    ["44", "outside_province"],
    ["4403", "outside_province"],
    ["440305", "outside_province"],
    ["43", null],
    ["4311", null],
    ["4301", "outside_county"],
    ["431102", "outside_county"],
    ["431127", "in_county"],
    ["431127100", "in_county"],
    ["431127104", "in_township"],
    ["431127104204", "in_township"],
    ["431127104230", "local"],
  ])("%s → %s", (code, scope) => {
    expect(regionScope(code, VILLAGE)).toBe(scope);
  });
});

describe("the national list", () => {
  it("has every province, 深圳 under 广东 and its districts under 深圳", async () => {
    const d = await loadDivisions();
    const provinces = childrenOf(d, "");
    expect(provinces).toHaveLength(34);
    expect(provinces.find((p) => p.code === "44")?.name).toBe("广东省");
    expect(childrenOf(d, "44").find((c) => c.name === "深圳市")?.code).toBe("4403");
    expect(childrenOf(d, "4403").map((c) => c.name)).toContain("南山区");
    expect(childrenOf(d, "4311").map((c) => c.code)).toContain("431127");
    expect(childrenOf(d, "4419")).toEqual([]); // 东莞: no counties
    expect(regionLabel(d, "440305")).toBe("广东省 深圳市 南山区");
    expect(regionLabel(d, "110101")).toBe("北京市 东城区");
  });
});
