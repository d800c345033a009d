import { useAuthStore } from "../stores/auth";
import { currentLocale } from "../i18n";

// The chosen language, known from the first request on (the page's lang attribute is set only
// once the English messages have loaded, after the first screen's requests went out).
function lang(): string {
  return currentLocale();
}

function withAuth(req: Request, token: string): Request {
  const headers = new Headers(req.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  headers.set("Accept-Language", lang());
  return new Request(req, { headers });
}

/**
 * fetch for the API client: adds the bearer token (refreshed ahead of expiry) and the UI
 * language; on a 401 refreshes once and retries; if that fails the session ends (the
 * expired handler sends the user to the login screen).
 */
export async function authFetch(input: Request): Promise<Response> {
  const auth = useAuthStore();
  const spare = input.clone();
  const res = await fetch(withAuth(input, await auth.validToken()));
  if (res.status !== 401) return res;
  if (auth.refresh && (await auth.refreshTokens())) {
    const again = await fetch(withAuth(spare, auth.access));
    if (again.status !== 401) return again;
  }
  auth.expire();
  return res;
}
