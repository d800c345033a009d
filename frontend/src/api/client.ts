import createClient from "openapi-fetch";
import type { paths } from "./schema";

// Typed API client; the bearer token is added per request by the caller.
export const api = createClient<paths>({ baseUrl: "" });

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
