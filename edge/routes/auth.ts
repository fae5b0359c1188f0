import { Hono, type Context } from 'hono';
import { credentials, signupBody } from '../../contracts/api';
import {
  findUserByEmail,
  findUserById,
  insertRefreshToken,
  insertUser,
  listRefreshFamilies,
  refreshFamilyOf,
  revokeRefreshFamily,
  spendRefreshToken,
} from '../../db/queries/identity';
import { issueAccessToken } from '../auth/access-token';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/password';
import {
  clearRefreshCookie,
  generateRefreshToken,
  hashRefreshToken,
  readRefreshCookie,
  REFRESH_TTL_SECONDS,
  setRefreshCookie,
} from '../auth/refresh-token';
import { HttpError, notFound } from '../http/errors';
import { authenticate, jwtSecret, rateLimitByAddress } from '../http/middleware';
import { validate } from '../http/validate';
import { isUuid, requireUser } from '../services/access';
import type { AppEnv } from '../types';
import type { Env } from '../env';

const ttl = (env: Env) => Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);

type User = { id: string; email: string; createdAt: Date };

/** A fresh access token in the body, and the next refresh token of `familyId` in the cookie. */
async function signIn(c: Context<AppEnv>, user: User, familyId: string = crypto.randomUUID()) {
  const refresh = generateRefreshToken();
  await insertRefreshToken(c.var.db, {
    userId: user.id,
    familyId,
    tokenHash: await hashRefreshToken(refresh),
    expiresAt: new Date(Date.now() + REFRESH_TTL_SECONDS * 1000),
  });
  setRefreshCookie(c, refresh);
  const token = await issueAccessToken({ sub: user.id, email: user.email }, jwtSecret(c.env), ttl(c.env));
  return { token, token_type: 'Bearer' as const, expires_in: ttl(c.env), user: { id: user.id, email: user.email, created_at: user.createdAt.toISOString() } };
}

/** The cookie is SameSite=Strict already; a cross-site Origin on these POSTs is refused too. */
function requireSameOrigin(c: Context<AppEnv>) {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) throw new HttpError(403, 'forbidden', 'cross-site requests cannot use the sign-in cookie');
}

const SIGNUP_ANSWER = { status: 'accepted' as const, message: 'If this email can be used, the account is ready: log in with it.' };

export const authRoutes = new Hono<AppEnv>()
  // Answers alike whether or not the email was taken, and does the same work in both cases, so
  // sign-up tells nobody which emails have accounts. The person then logs in.
  .post('/signup', rateLimitByAddress(), validate('json', signupBody), async (c) => {
    const { email, password } = c.req.valid('json');
    await insertUser(c.var.db, email, await hashPassword(password));
    return c.json(SIGNUP_ANSWER, 202);
  })
  .post('/login', rateLimitByAddress(), validate('json', credentials), async (c) => {
    const { email, password } = c.req.valid('json');
    const user = await findUserByEmail(c.var.db, email);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
    if (!user || !ok) throw new HttpError(401, 'invalid_credentials', 'email or password is wrong');
    return c.json(await signIn(c, user), 200);
  })
  // Trades the refresh cookie for a new access token and the next refresh token.
  .post('/refresh', rateLimitByAddress(), async (c) => {
    requireSameOrigin(c);
    const presented = readRefreshCookie(c);
    if (!presented) throw new HttpError(401, 'not_signed_in', 'not signed in');
    const outcome = await spendRefreshToken(c.var.db, await hashRefreshToken(presented));
    const user = outcome.ok ? await findUserById(c.var.db, outcome.userId) : null;
    if (!outcome.ok || !user) {
      clearRefreshCookie(c);
      // A different code from "no cookie at all", so the page can say why the person must log in.
      const why = outcome.ok || outcome.reason !== 'reused' ? 'your sign-in has expired or was ended; log in again' : 'this sign-in was used elsewhere and has been ended; log in again';
      throw new HttpError(401, 'sign_in_ended', why);
    }
    return c.json(await signIn(c, user, outcome.familyId), 200);
  })
  .post('/logout', async (c) => {
    requireSameOrigin(c);
    const presented = readRefreshCookie(c);
    const family = presented ? await refreshFamilyOf(c.var.db, await hashRefreshToken(presented)) : null;
    if (family) await revokeRefreshFamily(c.var.db, family.familyId);
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .get('/me', authenticate(), async (c) => {
    const me = requireUser(c.var.caller);
    const user = await findUserById(c.var.db, me.userId);
    if (!user) throw notFound('user');
    return c.json({ id: user.id, email: user.email, created_at: user.createdAt.toISOString() });
  })
  // Where the person is signed in (one entry per login), and signing one of them out.
  .get('/sessions', authenticate(), async (c) => {
    const me = requireUser(c.var.caller);
    const rows = await listRefreshFamilies(c.var.db, me.userId);
    return c.json({ items: rows.map((r) => ({ id: r.familyId, last_used_at: r.lastUsedAt.toISOString(), expires_at: r.expiresAt.toISOString() })) });
  })
  .delete('/sessions/:familyId', authenticate(), async (c) => {
    const me = requireUser(c.var.caller);
    const familyId = c.req.param('familyId');
    if (!isUuid(familyId) || !(await revokeRefreshFamily(c.var.db, familyId, me.userId))) throw notFound('sign-in');
    return c.body(null, 204);
  });
