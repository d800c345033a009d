import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";
import { REFRESH_MARGIN_MS, setExpiredHandler, useAuthStore } from "./auth";
import { authFetch } from "../api/authFetch";
import { i18n } from "../i18n";

type Handler = (url: string, init: RequestInit | undefined, req: Request | undefined) => Response | Promise<Response>;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

let calls: { url: string; form?: URLSearchParams; auth?: string | null; lang?: string | null }[];
function mockFetch(handler: Handler): void {
  calls = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : undefined;
    const url = req ? new URL(req.url).pathname : String(input);
    const form = init?.body instanceof URLSearchParams ? init.body : undefined;
    const auth = req ? req.headers.get("Authorization") : new Headers(init?.headers).get("Authorization");
    const lang = req ? req.headers.get("Accept-Language") : new Headers(init?.headers).get("Accept-Language");
    calls.push({ url, form, auth, lang });
    return handler(url, init, req);
  });
}

const ME = { kind: "user", id: "u1", username: "v", display_name: "村干部", role: "village_worker", region: { code: "431127104230", name: "南风坳村", level: "village" }, scopes: [], permissions: ["POST /api/v1/visits"] };

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});
afterEach(() => vi.unstubAllGlobals());

describe("auth store", () => {
  it("logs in, loads who the user is and keeps the session across reloads", async () => {
    mockFetch((url) => (url === "/api/v1/auth/token" ? json({ access_token: "a1", expires_in: 900, refresh_token: "r1" }) : json(ME)));
    const auth = useAuthStore();
    const me = await auth.login("v", "pw");
    expect(me.role).toBe("village_worker");
    expect(calls[0].form?.get("grant_type")).toBe("password");
    expect(calls[1].auth).toBe("Bearer a1");
    expect(auth.can("POST /api/v1/visits")).toBe(true);
    expect(auth.can("POST /api/v1/users")).toBe(false);
    setActivePinia(createPinia());
    const again = useAuthStore();
    expect(again.access).toBe("a1");
    expect(again.refresh).toBe("r1");
    expect(again.me?.username).toBe("v");
  });

  it("reports throttling with the wait from Retry-After", async () => {
    mockFetch(() => json({ code: "auth.throttled", detail: "尝试次数过多" }, 429, { "Retry-After": "42" }));
    const auth = useAuthStore();
    await expect(auth.login("v", "bad")).rejects.toMatchObject({ status: 429, problem: { retry_after: 42 } });
    expect(auth.loggedIn).toBe(false);
  });

  it("refreshes ahead of expiry, rotating the refresh token", async () => {
    mockFetch(() => json({ access_token: "a2", expires_in: 900, refresh_token: "r2" }));
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: REFRESH_MARGIN_MS / 1000 - 1, refresh_token: "r1" });
    expect(await auth.validToken()).toBe("a2");
    expect(calls).toHaveLength(1);
    expect(calls[0].form?.get("grant_type")).toBe("refresh_token");
    expect(calls[0].form?.get("refresh_token")).toBe("r1");
    expect(auth.refresh).toBe("r2");
    expect(await auth.validToken()).toBe("a2");
    expect(calls).toHaveLength(1); // still fresh: no second refresh
  });

  it("shares one refresh between concurrent callers (a rotated token is used once)", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    mockFetch(async () => {
      await gate;
      return json({ access_token: "a2", expires_in: 900, refresh_token: "r2" });
    });
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 0, refresh_token: "r1" });
    const all = Promise.all([auth.validToken(), auth.validToken(), auth.validToken()]);
    release();
    expect(await all).toEqual(["a2", "a2", "a2"]);
    expect(calls).toHaveLength(1);
  });

  it("ends the session when the refresh token is refused, and says so", async () => {
    mockFetch(() => json({ code: "auth.invalid_refresh_token" }, 400));
    const expired = vi.fn();
    setExpiredHandler(expired);
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 0, refresh_token: "r1" });
    expect(await auth.refreshTokens()).toBe(false);
    expect(auth.loggedIn).toBe(false);
    expect(auth.expired).toBe(true);
    expect(expired).toHaveBeenCalledOnce();
    expect(localStorage.getItem("eldercare.session")).toBeNull();
  });

  it("keeps the session when the network fails during a refresh", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("offline");
    });
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 0, refresh_token: "r1" });
    expect(await auth.refreshTokens()).toBe(false);
    expect(auth.refresh).toBe("r1");
    expect(auth.expired).toBe(false);
  });

  it("logout revokes the refresh token and forgets the session", async () => {
    mockFetch(() => new Response(null, { status: 204 }));
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 900, refresh_token: "r1" });
    await auth.logout();
    expect(calls[0].url).toBe("/api/v1/auth/logout");
    expect(calls[0].auth).toBe("Bearer a1");
    expect(auth.loggedIn).toBe(false);
  });
});

describe("authFetch", () => {
  it("adds the bearer token and the language", async () => {
    mockFetch(() => json({}));
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 900, refresh_token: "r1" });
    await authFetch(new Request("http://x/api/v1/elders"));
    expect(calls[0].auth).toBe("Bearer a1");
    expect(calls[0].lang).toBe("zh-CN");
  });

  it("asks in the chosen language before its messages have loaded", async () => {
    // A reload in English: the locale is known at once, the page's lang attribute only after
    // the English messages arrive, and the first screen's requests must already ask in English.
    mockFetch(() => json({}));
    document.documentElement.lang = "zh-CN";
    i18n.global.locale.value = "en";
    try {
      const auth = useAuthStore();
      auth.setTokens({ access_token: "a1", expires_in: 900, refresh_token: "r1" });
      await authFetch(new Request("http://x/api/v1/worklist"));
      expect(calls[0].lang).toBe("en");
    } finally {
      i18n.global.locale.value = "zh-CN";
    }
  });

  it("on a 401 refreshes once and retries the request with the new token", async () => {
    mockFetch((url, _init, req) => {
      if (url === "/api/v1/auth/token") return json({ access_token: "a2", expires_in: 900, refresh_token: "r2" });
      return req?.headers.get("Authorization") === "Bearer a2" ? json({ ok: true }) : json({ code: "auth.invalid_token" }, 401);
    });
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 900, refresh_token: "r1" });
    const res = await authFetch(new Request("http://x/api/v1/visits", { method: "POST", body: JSON.stringify({ a: 1 }) }));
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/visits", "/api/v1/auth/token", "/api/v1/visits"]);
  });

  it("expires the session when the retry is refused too", async () => {
    mockFetch((url) => (url === "/api/v1/auth/token" ? json({}, 400) : json({}, 401)));
    const expired = vi.fn();
    setExpiredHandler(expired);
    const auth = useAuthStore();
    auth.setTokens({ access_token: "a1", expires_in: 900, refresh_token: "r1" });
    const res = await authFetch(new Request("http://x/api/v1/elders"));
    expect(res.status).toBe(401);
    expect(auth.loggedIn).toBe(false);
    expect(expired).toHaveBeenCalledOnce();
  });
});
