import { describe, expect, it } from "vitest";
import { exportQuery, filterQuery, type ElderFilterForm } from "./elderFilters";

const empty: ElderFilterForm = { q: "", region: "", category: "", risk_level: "", status: "", age_min: undefined, age_max: undefined, overdue: false };

describe("elder filters", () => {
  it("leaves out what is not chosen", () => {
    expect(filterQuery(empty)).toEqual({});
    expect(filterQuery({ ...empty, q: "   ", age_min: "" as unknown as number })).toEqual({});
  });

  it("takes every filter of the list, trimmed, with ages as numbers", () => {
    const f = { q: " li ", region: "431127104", category: "advanced_age", risk_level: "high", status: "active", age_min: "70", age_max: 85, overdue: true };
    expect(filterQuery(f)).toEqual({ q: "li", region: "431127104", category: ["advanced_age"], risk_level: "high", status: "active", age_min: 70, age_max: 85, overdue: true });
    expect(filterQuery({ ...empty, age_min: 0 })).toEqual({ age_min: 0 });
  });

  it("exports with exactly the list's filters", () => {
    expect(exportQuery("csv", {})).toBe("format=csv");
    const query = filterQuery({ q: "王", region: "431127104230", category: "living_alone", risk_level: "key", status: "active", age_min: 60, age_max: 80, overdue: true });
    const params = new URLSearchParams(exportQuery("xlsx", query));
    expect(params.get("format")).toBe("xlsx");
    expect(params.get("q")).toBe("王");
    expect(params.get("region")).toBe("431127104230");
    expect(params.getAll("category")).toEqual(["living_alone"]);
    expect(params.get("risk_level")).toBe("key");
    expect(params.get("status")).toBe("active");
    expect(params.get("age_min")).toBe("60");
    expect(params.get("age_max")).toBe("80");
    expect(params.get("overdue")).toBe("true");
    expect(exportQuery("csv", { category: ["advanced_age", "living_alone"] as never })).toBe("format=csv&category=advanced_age&category=living_alone");
  });
});
