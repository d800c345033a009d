import { describe, expect, it } from "vitest";
import { regionPath, townshipOf } from "./regions";

describe("regionPath", () => {
  it("gives the levels below the root down to the code", () => {
    expect(regionPath("431127104230", "431127")).toEqual(["431127104", "431127104230"]);
    expect(regionPath("431127104", "431127")).toEqual(["431127104"]);
    expect(regionPath("431127104230", "431127104")).toEqual(["431127104230"]);
  });
  it("is empty for no code, the root itself, or a code outside the root", () => {
    expect(regionPath("", "431127")).toEqual([]);
    expect(regionPath("431127", "431127")).toEqual([]);
    expect(regionPath("621027100200", "431127")).toEqual([]);
  });
  it("names the township of a village", () => {
    expect(townshipOf("431127104230")).toBe("431127104");
    expect(townshipOf("431127")).toBe("");
  });
});
