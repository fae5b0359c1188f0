// The person's sign-in. The access token lives in memory only (never in localStorage, where any
// injected script could read it); the refresh token is an httpOnly cookie the page cannot see.
// On load, before the access token runs out, and after a 401, the page trades the cookie for a
// new access token (POST /api/auth/refresh), one tab at a time.

import type { AuthResponse } from '../../../contracts/api';

export interface Auth {
  token: string;
  email: string;
  /** Epoch ms when the access token stops working. */
  expiresAt: number;
}

type Listener = (a: Auth | null) => void;
const listeners = new Set<Listener>();
let current: Auth | null = null;
let restoring = true;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<Auth | null> | null = null;
/** A message for the login page (why the person was sent there). */
let flash: string | null = null;

/** The current token, unless it has expired. */
export function getAuth(): Auth | null {
  return current && current.expiresAt > Date.now() ? current : null;
}

/** True until the first refresh on load has answered: not yet known whether the person is in. */
export function isRestoring(): boolean {
  return restoring;
}

/** What login and refresh answer. */
export type SignInAnswer = AuthResponse;

export function setAuthFrom(res: SignInAnswer) {
  // The token's exp counts whole seconds from when the edge signed it (so up to 1 s less than
  // expires_in), and the answer took a moment to arrive: count its life from a second before now,
  // so that neither the timer below nor getAuth() trusts a token the edge already refuses.
  const lifetimeMs = Math.max(0, res.expires_in * 1000 - 1_000);
  const a: Auth = { token: res.token, email: res.user.email, expiresAt: Date.now() + lifetimeMs };
  current = a;
  restoring = false;
  flash = null;
  // Refresh at 80 % of the lifetime: early enough for a slow network, late enough to be rare.
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshAuth(), Math.max(1_000, lifetimeMs * 0.8));
  listeners.forEach((l) => l(a));
}

export function clearAuth(message?: string) {
  current = null;
  restoring = false;
  clearTimeout(refreshTimer);
  if (message) flash = message;
  listeners.forEach((l) => l(null));
}

/**
 * A new access token from the refresh cookie, or null (signed out: the cookie is gone, expired or
 * revoked). Concurrent callers share one request; tabs take turns (a refresh token works once).
 */
export function refreshAuth(): Promise<Auth | null> {
  inFlight ??= withTabLock(async () => {
    try {
      const res = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
      if (res.ok) {
        setAuthFrom((await res.json()) as SignInAnswer);
        return current;
      }
      if (res.status === 401) {
        // No cookie at all is simply "not signed in"; one that stopped working deserves a word.
        const code = ((await res.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code;
        clearAuth(current || code === 'sign_in_ended' ? EXPIRED_MESSAGE : undefined);
      } else restoring = false;
      return null;
    } catch {
      // Offline: keep what we have; the next call tries again.
      restoring = false;
      return getAuth();
    }
  }).finally(() => {
    inFlight = null;
    listeners.forEach((l) => l(getAuth()));
  });
  return inFlight;
}

/** A token that works now: the current one, or a refreshed one. */
export async function currentAuth(): Promise<Auth | null> {
  return getAuth() ?? (await refreshAuth());
}

/** Ends this sign-in on the server (revokes the refresh cookie) and forgets the token. */
export async function logout() {
  try {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
  } finally {
    clearAuth();
  }
}

/** Reads (and forgets) the message for the login page. */
export function takeFlash(): string | null {
  const f = flash;
  flash = null;
  return f;
}

export function onAuthChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

function withTabLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as { locks?: { request(name: string, cb: () => Promise<unknown>): Promise<unknown> } }).locks;
  return locks ? (locks.request('spark-auth-refresh', fn) as Promise<T>) : fn();
}

export const EXPIRED_MESSAGE = 'Your sign-in has expired or was ended. Log in again to carry on where you were.';
