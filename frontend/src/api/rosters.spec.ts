import { describe, expect, it } from "vitest";
import { pollRoster, rosterMediaType, type RosterOut } from "./rosters";

describe("rosters", () => {
  it("takes CSV and XLSX only", () => {
    expect(rosterMediaType("死亡名单.CSV")).toBe("text/csv");
    expect(rosterMediaType("低保.xlsx")).toContain("spreadsheetml");
    expect(rosterMediaType("a.json")).toBeNull();
    expect(rosterMediaType("a.xls")).toBeNull();
  });
  it("polls a queued roster until it ends", async () => {
    const states = ["running", "succeeded"] as const;
    let i = 0;
    const seen: string[] = [];
    const first = { id: "r1", status: "queued" } as RosterOut;
    const last = await pollRoster(first, (r) => seen.push(r.status), {
      sleep: async () => undefined,
      fetchRoster: async () => ({ id: "r1", status: states[i++] }) as RosterOut,
    });
    expect(last.status).toBe("succeeded");
    expect(seen).toEqual(["running", "succeeded"]);
  });
});
