// The typed API client: hono's `hc` over the edge's app type (types only: no server code is
// bundled), plus one place that turns failures into messages for the person and 401s into a
// trip back to the login page.
import { hc } from 'hono/client';
import type { SparkApp } from '../../../edge/app';
import { clearAuth, currentAuth, EXPIRED_MESSAGE, refreshAuth, type Auth } from './auth';
import { navigate } from './nav';
import { paths } from './routes';
import { toastError } from './toast';

// Sign-in routes use the cookie or credentials, never the access token.
const COOKIE_ROUTES = /\/api\/auth\/(login|signup|refresh|logout)$/;

/**
 * fetch with the access token: refreshed first when it has run out, and once more after a 401
 * (it may have been revoked or expired on the way), before the 401 is believed.
 */
export async function authedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (COOKIE_ROUTES.test(new URL(url, location.origin).pathname)) return fetch(input, init);
  const send = (a: Auth | null) => {
    const headers = new Headers(init.headers);
    if (a) headers.set('authorization', `Bearer ${a.token}`);
    return fetch(input, { ...init, headers });
  };
  const res = await send(await currentAuth());
  if (res.status !== 401) return res;
  const again = await refreshAuth();
  return again ? send(again) : res;
}

export const api = hc<SparkApp>(location.origin, { fetch: authedFetch });
export const projectsApi = api.api.projects;
export type SessionParam = { param: { projectId: string; sessionId: string } };

export class ApiError extends Error {
  /** Already dealt with (e.g. the person was sent to log in): do not toast it again. */
  handled = false;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Sends the person to log in, remembering where they were. */
export function sendToLogin(message = EXPIRED_MESSAGE) {
  clearAuth(message);
  const here = location.pathname + location.search;
  navigate(paths.login(here.startsWith('/login') || here.startsWith('/signup') ? null : here), { replace: true });
}

/** The body of a call's successful answers (the client types its error answers too). */
type JsonOf<R> = R extends { ok: false } ? never : R extends { json(): Promise<infer T> } ? T : never;

/** Awaits a client call: the typed body when it succeeded, an ApiError otherwise. */
export async function unwrap<R extends Response | { ok: boolean; status: number; json(): Promise<unknown> }>(call: Promise<R>, opts: { authRoute?: boolean } = {}): Promise<JsonOf<R>> {
  let res: R;
  try {
    res = await call;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, 'network', 'Could not reach Spark. Check your connection and try again.');
  }
  if (res.ok) {
    if (res.status === 204) return undefined as JsonOf<R>;
    return (await res.json()) as JsonOf<R>;
  }
  throw await toApiError(res as unknown as Response, opts.authRoute ?? false);
}

async function toApiError(res: Response, authRoute: boolean): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || `request failed (${res.status})`;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; path?: string } };
    if (body?.error?.message) {
      code = body.error.code ?? code;
      message = body.error.message;
      field = body.error.path;
    }
  } catch {
    // not JSON (a proxy's error page): keep the status text
  }
  if (res.status === 429) message = `${capitalise(message)}.`;
  else if (res.status >= 500 && code === 'internal') message = 'Spark had a problem on its side. Try again in a moment.';
  const err = new ApiError(res.status, code, capitalise(message), field);
  if (res.status === 401 && !authRoute) {
    sendToLogin();
    err.handled = true;
  }
  return err;
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** A GET with the person's token that is not JSON (frames, the history export). */
export async function authFetch(path: string): Promise<Response> {
  let res: Response;
  try {
    res = await authedFetch(path);
  } catch {
    throw new ApiError(0, 'network', 'Could not reach Spark. Check your connection and try again.');
  }
  if (!res.ok) throw await toApiError(res, false);
  return res;
}

/** A message for the person from anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

/** Shows an error as a toast (unless it was already dealt with). */
export function reportError(err: unknown, prefix?: string) {
  if (err instanceof ApiError && err.handled) return;
  const msg = errorMessage(err);
  toastError(prefix ? `${prefix}: ${msg}` : msg);
}
