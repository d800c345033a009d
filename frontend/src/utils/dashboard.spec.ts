import { describe, expect, it } from "vitest";
import { childLevel, monthHasData, pyramidBands } from "./dashboard";

describe("dashboard helpers", () => {
  it("says a month without visits has no data, and a month with visits has a rate", () => {
    expect(monthHasData({ elders_visited: 0, special_difficulty: 40, monthly_visit_rate: 0 })).toBe(false);
    expect(monthHasData({ elders_visited: 3, special_difficulty: 0, monthly_visit_rate: null })).toBe(false);
    expect(monthHasData({ elders_visited: 12, special_difficulty: 40, monthly_visit_rate: 0 })).toBe(true);
    expect(monthHasData({ elders_visited: 12, special_difficulty: 40, monthly_visit_rate: 0.5 })).toBe(true);
  });
  it("leaves out an empty under-60 band only", () => {
    expect(pyramidBands({ male_60_69: 3, female_under_60: 0 })).toEqual(["60_69", "70_79", "80_89", "90_plus"]);
    expect(pyramidBands({ female_under_60: 2 })).toEqual(["under_60", "60_69", "70_79", "80_89", "90_plus"]);
    expect(pyramidBands(null)).toEqual(["60_69", "70_79", "80_89", "90_plus"]);
  });
  it("knows the level below a region", () => {
    expect(childLevel("431127")).toBe("township");
    expect(childLevel("431127104")).toBe("village");
    expect(childLevel("43")).toBe("county");
  });
});
