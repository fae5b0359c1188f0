import type { Context, MiddlewareHandler } from 'hono';
import { createDbFromEnv, type DbHandle } from '../../db/client';
import type { Env } from '../env';
import { HttpError } from './errors';
import { bearerToken, callerKey, resolveCaller } from '../services/caller';
import type { AppEnv } from '../types';
import { logWarn } from '../../workers/safe-log';

export type OpenDb = (env: Env) => DbHandle;
export const defaultOpenDb: OpenDb = (env) => createDbFromEnv(env);

/** One database client per request (Workers cannot share sockets across requests), closed after the response. */
export function withDb(openDb: OpenDb): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const handle = openDb(c.env);
    c.set('db', handle.db);
    c.set('readDb', handle.readDb ?? handle.db);
    try {
      await next();
    } finally {
      defer(c, handle.close());
    }
  };
}

/** Resolves the caller from the bearer token (401 otherwise), then applies its rate limit. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const caller = await resolveCaller(c.var.db, tokenOf(c), jwtSecret(c.env), (p) => defer(c, p), projectOfPath(c.req.path));
    c.set('caller', caller);
    await enforceRateLimit(c.env.API_RATE_LIMIT, callerKey(caller), 'too many requests for this token; slow down');
    await next();
  };
}

/** The project a /api/projects/:projectId/… request is about, read before the route matches. */
export function projectOfPath(path: string): string | undefined {
  return /^\/api\/projects\/([^/]+)/.exec(path)?.[1];
}

/** The bearer token, from the Authorization header only: a token in a URL ends up in logs. */
function tokenOf(c: Context<AppEnv>): string | null {
  return bearerToken(c.req.header('authorization'));
}

/** Rate limit for unauthenticated routes (sign-up, login), keyed by client address. */
export function rateLimitByAddress(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'local';
    await enforceRateLimit(c.env.AUTH_RATE_LIMIT, `ip:${ip}`, 'too many sign-in attempts from this address; wait a minute');
    await next();
  };
}

export async function enforceRateLimit(limiter: RateLimit | undefined, key: string, message: string) {
  if (!limiter) return; // a host without the binding (plain Node) has no limit
  const { success } = await limiter.limit({ key });
  // The bindings count in windows of 60 s (wrangler.toml); waiting one window is always enough.
  if (!success) throw new HttpError(429, 'rate_limited', message, undefined, { 'Retry-After': '60' });
}

export function jwtSecret(env: Env): string {
  if (!env.JWT_SECRET || env.JWT_SECRET.length < 16) throw new Error('JWT_SECRET must be set (at least 16 characters); see .dev.vars.example');
  return env.JWT_SECRET;
}

/** waitUntil on Workers; a plain fire-and-forget elsewhere (tests, a Node host). */
export function defer(c: Context, p: Promise<unknown>) {
  const guarded = p.catch((err) => logWarn('deferred work failed', err));
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    void guarded;
  }
}
