import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { authFetch } from "./authFetch";

export type Schemas = components["schemas"];

// Typed API client: every call carries the bearer token and the UI language, and a 401
// refreshes the session once before giving up (see authFetch).
export const api = createClient<paths>({ baseUrl: "", fetch: authFetch });

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
