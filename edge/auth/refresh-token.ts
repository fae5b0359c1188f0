import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { base64urlEncode } from '../../contracts/bytes';
import { hashApiToken } from './api-token';

// Refresh tokens: 32 random bytes in an httpOnly cookie that only /api/auth/* ever sees. Stored
// as a SHA-256 (like API tokens: random tokens need no slow hash). They rotate on every use.
export const REFRESH_COOKIE = 'spark_refresh';
export const REFRESH_TTL_SECONDS = 30 * 86400;
const COOKIE_PATH = '/api/auth';

export function generateRefreshToken(): string {
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

export const hashRefreshToken = hashApiToken;

export function readRefreshCookie(c: Context): string | null {
  const v = getCookie(c, REFRESH_COOKIE);
  return v && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : null;
}

export function setRefreshCookie(c: Context, token: string) {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: !isLocalHttp(c.req.url),
    path: COOKIE_PATH,
    maxAge: REFRESH_TTL_SECONDS,
  });
}

export function clearRefreshCookie(c: Context) {
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: !isLocalHttp(c.req.url), httpOnly: true, sameSite: 'Strict' });
}

/** Plain http is only allowed for a stack on this machine (Secure cookies need https elsewhere). */
function isLocalHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}
