import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

// Response headers that tell the browser what this origin may do. The page (web/dist, served as
// static assets) gets them from the `_headers` file scripts/build-web.ts writes; everything the
// Worker answers gets them from `securityHeaders()`.

/** The app: its own script and stylesheet only; frames are blob: URLs, the favicon a data: URL. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** API answers are data, never documents. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export const COMMON_SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // A WebSocket upgrade's response cannot take headers (and needs none).
    if (c.res.status === 101) return;
    const wanted = Object.entries({ ...COMMON_SECURITY_HEADERS, 'Content-Security-Policy': API_CSP }).filter(([k]) => !c.res.headers.has(k));
    if (wanted.length === 0) return;
    try {
      for (const [k, v] of wanted) c.res.headers.set(k, v);
    } catch {
      // A response passed through from elsewhere (a Durable Object, a fetch) has frozen headers.
      const res = new Response(c.res.body, c.res);
      for (const [k, v] of wanted) res.headers.set(k, v);
      c.res = res;
    }
  };
}

/** The `_headers` file for the static assets (Cloudflare's format; workerd's local assets read it too). */
export function assetHeadersFile(): string {
  const lines = Object.entries({ ...COMMON_SECURITY_HEADERS, 'Content-Security-Policy': PAGE_CSP }).map(([k, v]) => `  ${k}: ${v}`);
  return ['/*', ...lines, ''].join('\n');
}
