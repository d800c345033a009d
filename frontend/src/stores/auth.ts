import { defineStore } from "pinia";
import type { components } from "../api/schema";
import { ApiError, type Problem } from "../api/problem";
import { currentLocale } from "../i18n";

export type Me = components["schemas"]["MeOut"];
export type Role = components["schemas"]["Role"];

const KEY = "eldercare.session";
/** Refresh this long before the access token expires, so a request never races expiry. */
export const REFRESH_MARGIN_MS = 30_000;

interface Saved {
  access: string;
  accessExp: number;
  refresh: string;
  me: Me | null;
}

function load(): Saved | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}

let inflight: Promise<boolean> | null = null;
let onExpired: (() => void) | null = null;

/** Called once when a session ends by itself (refresh refused): the router sends to login. */
export function setExpiredHandler(fn: () => void): void {
  onExpired = fn;
}

async function tokenRequest(form: Record<string, string>): Promise<Response> {
  return fetch("/api/v1/auth/token", {
    method: "POST",
    body: new URLSearchParams(form),
    headers: { "Accept-Language": currentLocale() },
  });
}

export const useAuthStore = defineStore("auth", {
  state: () => {
    const s = load();
    return {
      access: s?.access ?? "",
      accessExp: s?.accessExp ?? 0,
      refresh: s?.refresh ?? "",
      me: (s?.me ?? null) as Me | null,
      expired: false,
    };
  },
  getters: {
    loggedIn: (s) => Boolean(s.refresh || s.access),
    role: (s): Role | null => s.me?.role ?? null,
    regionCode: (s) => s.me?.region.code ?? "",
  },
  actions: {
    persist(): void {
      try {
        if (!this.access && !this.refresh) localStorage.removeItem(KEY);
        else
          localStorage.setItem(
            KEY,
            JSON.stringify({ access: this.access, accessExp: this.accessExp, refresh: this.refresh, me: this.me }),
          );
      } catch {
        /* storage unavailable: the session lives in memory only */
      }
    },
    setTokens(t: { access_token: string; expires_in: number; refresh_token?: string | null }): void {
      this.access = t.access_token;
      this.accessExp = Date.now() + t.expires_in * 1000;
      if (t.refresh_token) this.refresh = t.refresh_token;
      this.expired = false;
      this.persist();
    },
    clear(): void {
      this.access = "";
      this.accessExp = 0;
      this.refresh = "";
      this.me = null;
      this.persist();
      // what the session kept of its work (recent merges, with elders' names) ends with it
      try {
        sessionStorage.removeItem("eldercare.merges");
      } catch {
        /* storage blocked */
      }
    },
    /** Password login; throws ApiError (429 carries `retry_after` seconds). */
    async login(username: string, password: string): Promise<Me> {
      const res = await tokenRequest({ grant_type: "password", username, password });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        const p = body as Problem;
        const retry = Number(res.headers.get("Retry-After") ?? p.retry_after ?? 0);
        throw new ApiError(res.status, { ...p, retry_after: retry || p.retry_after });
      }
      this.setTokens(body);
      return this.loadMe();
    },
    async loadMe(): Promise<Me> {
      const token = await this.validToken();
      const res = await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });
      if (res.status === 401) this.expire();
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
      this.me = (await res.json()) as Me;
      this.persist();
      return this.me;
    },
    /** Exchange the refresh token (rotated on every use); concurrent callers share one request. */
    refreshTokens(): Promise<boolean> {
      if (!this.refresh) return Promise.resolve(false);
      if (inflight) return inflight;
      const sent = this.refresh;
      inflight = (async () => {
        try {
          const res = await tokenRequest({ grant_type: "refresh_token", refresh_token: sent });
          if (!res.ok) {
            if (res.status === 400 || res.status === 401) this.expire();
            return false;
          }
          this.setTokens(await res.json());
          return true;
        } catch {
          return false; // offline: keep the session, the caller sees the network error
        } finally {
          inflight = null;
        }
      })();
      return inflight;
    },
    /** An access token valid for at least REFRESH_MARGIN_MS, refreshing first if needed. */
    async validToken(): Promise<string> {
      if (this.access && this.accessExp - Date.now() > REFRESH_MARGIN_MS) return this.access;
      if (this.refresh && (await this.refreshTokens())) return this.access;
      return this.access;
    },
    expire(): void {
      const had = this.loggedIn;
      this.clear();
      this.expired = true;
      if (had && onExpired) onExpired();
    },
    async logout(): Promise<void> {
      const token = this.access;
      const refresh = this.refresh;
      this.clear();
      this.expired = false;
      if (token) {
        await fetch("/api/v1/auth/logout", {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refresh || null }),
        }).catch(() => undefined);
      }
    },
    /** Whether the server lists `METHOD /path` among this principal's permissions. */
    can(permission: string): boolean {
      return this.me?.permissions.includes(permission) ?? false;
    },
  },
});
