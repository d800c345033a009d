import { describe, expect, it } from "vitest";
import { guard, homeFor, routes } from "./index";

describe("routing", () => {
  it("sends each role to its home", () => {
    expect(homeFor("village_worker")).toBe("/worklist");
    expect(homeFor("volunteer")).toBe("/worklist");
    expect(homeFor("township_officer")).toBe("/township");
    expect(homeFor("county_officer")).toBe("/dashboard");
    expect(homeFor("county_admin")).toBe("/dashboard");
  });
  it("asks for a login, then checks the route's roles", () => {
    const admin = { meta: { roles: ["county_admin" as const] }, fullPath: "/admin/users?x=1" };
    expect(guard(admin, null, false)).toBe("/login?redirect=%2Fadmin%2Fusers%3Fx%3D1");
    expect(guard(admin, "village_worker", true)).toBe("/worklist");
    expect(guard(admin, "county_admin", true)).toBe(true);
    expect(guard({ meta: { public: true }, fullPath: "/login" }, null, false)).toBe(true);
  });
  it("every screen but login and not-found names its roles", () => {
    const open = routes.filter((r) => !r.redirect && !r.meta?.public && !r.meta?.roles).map((r) => r.path);
    expect(open).toEqual([]);
  });
});
