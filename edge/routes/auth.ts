import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authResponse, credentials, signInList, signupBody, signupResponse, userView as userViewSchema, type AuthResponse } from '../../contracts/api';
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
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, PUBLIC, publicErrorResponses, type AppRouteHandler } from '../http/router';
import { isUuid, requireUser } from '../services/access';
import type { AppEnv } from '../types';
import type { Env } from '../env';
import { signInView, userView } from '../views';

const ttl = (env: Env) => Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);

type User = { id: string; email: string; createdAt: Date };

/** A fresh access token in the body, and the next refresh token of `familyId` in the cookie. */
async function signIn(c: Context<AppEnv>, user: User, familyId: string = crypto.randomUUID()): Promise<AuthResponse> {
  const refresh = generateRefreshToken();
  await insertRefreshToken(c.var.db, {
    userId: user.id,
    familyId,
    tokenHash: await hashRefreshToken(refresh),
    expiresAt: new Date(Date.now() + REFRESH_TTL_SECONDS * 1000),
  });
  setRefreshCookie(c, refresh);
  const token = await issueAccessToken({ sub: user.id, email: user.email }, jwtSecret(c.env), ttl(c.env));
  return { token, token_type: 'Bearer', expires_in: ttl(c.env), user: userView(user) };
}

/** The cookie is SameSite=Strict already; a cross-site Origin on these POSTs is refused too. */
function requireSameOrigin(c: Context<AppEnv>) {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) throw new HttpError(403, 'forbidden', 'cross-site requests cannot use the sign-in cookie');
}

const SIGNUP_ANSWER: z.infer<typeof signupResponse> = { status: 'accepted', message: 'If this email can be used, the account is ready: log in with it.' };

const refreshCookie = 'The refresh token, in the httpOnly `spark_refresh` cookie';
const signInAnswers = {
  200: jsonContent(authResponse, 'An access token; the next refresh token is set as an httpOnly cookie'),
  ...publicErrorResponses,
};

// Answers alike whether or not the email was taken, and does the same work in both cases, so
// sign-up tells nobody which emails have accounts. The person then logs in.
export const signupRoute = createRoute({
  method: 'post',
  path: '/signup',
  summary: 'Create an account (answers alike for taken emails; then log in)',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: jsonBody(signupBody) },
  responses: { 202: jsonContent(signupResponse, 'Accepted'), ...publicErrorResponses },
});

export const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  summary: 'Log in: an access token, and the refresh token as an httpOnly cookie',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: jsonBody(credentials) },
  responses: { ...signInAnswers, 401: errorResponse('Email or password is wrong') },
});

export const refreshRoute = createRoute({
  method: 'post',
  path: '/refresh',
  summary: 'Trade the refresh cookie for a new access token (the cookie rotates)',
  description: refreshCookie,
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  responses: {
    ...signInAnswers,
    401: errorResponse('No cookie (`not_signed_in`), or a sign-in that expired, was ended or was used elsewhere (`sign_in_ended`)'),
    403: errorResponse('A cross-site request'),
  },
});

export const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  summary: 'End this sign-in (revokes the refresh cookie)',
  description: refreshCookie,
  ...PUBLIC,
  responses: { 204: { description: 'Signed out' }, 403: errorResponse('A cross-site request') },
});

export const meRoute = createRoute({
  method: 'get',
  path: '/me',
  summary: 'The signed-in user',
  middleware: [authenticate()] as const,
  responses: { 200: jsonContent(userViewSchema, 'The user'), ...errorResponses },
});

// Where the person is signed in (one entry per login), and signing one of them out.
export const signInsRoute = createRoute({
  method: 'get',
  path: '/sessions',
  summary: 'Where you are signed in',
  middleware: [authenticate()] as const,
  responses: { 200: jsonContent(signInList, 'Sign-ins, one per login'), ...errorResponses },
});

export const endSignInRoute = createRoute({
  method: 'delete',
  path: '/sessions/{familyId}',
  summary: 'End one sign-in',
  middleware: [authenticate()] as const,
  request: { params: z.object({ familyId: z.string() }) },
  responses: { 204: { description: 'Ended' }, ...errorResponses },
});

const signup: AppRouteHandler<typeof signupRoute> = async (c) => {
  const { email, password } = c.req.valid('json');
  await insertUser(c.var.db, email, await hashPassword(password));
  return c.json(SIGNUP_ANSWER, 202);
};

const login: AppRouteHandler<typeof loginRoute> = async (c) => {
  const { email, password } = c.req.valid('json');
  const user = await findUserByEmail(c.var.db, email);
  const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
  if (!user || !ok) throw new HttpError(401, 'invalid_credentials', 'email or password is wrong');
  return c.json(await signIn(c, user), 200);
};

// Trades the refresh cookie for a new access token and the next refresh token.
const refresh: AppRouteHandler<typeof refreshRoute> = async (c) => {
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
};

const logout: AppRouteHandler<typeof logoutRoute> = async (c) => {
  requireSameOrigin(c);
  const presented = readRefreshCookie(c);
  const family = presented ? await refreshFamilyOf(c.var.db, await hashRefreshToken(presented)) : null;
  if (family) await revokeRefreshFamily(c.var.db, family.familyId);
  clearRefreshCookie(c);
  return c.body(null, 204);
};

const me: AppRouteHandler<typeof meRoute> = async (c) => {
  const caller = requireUser(c.var.caller);
  const user = await findUserById(c.var.db, caller.userId);
  if (!user) throw notFound('user');
  return c.json(userView(user), 200);
};

const signIns: AppRouteHandler<typeof signInsRoute> = async (c) => {
  const caller = requireUser(c.var.caller);
  return c.json({ items: (await listRefreshFamilies(c.var.db, caller.userId)).map(signInView) }, 200);
};

const endSignIn: AppRouteHandler<typeof endSignInRoute> = async (c) => {
  const caller = requireUser(c.var.caller);
  const { familyId } = c.req.valid('param');
  if (!isUuid(familyId) || !(await revokeRefreshFamily(c.var.db, familyId, caller.userId))) throw notFound('sign-in');
  return c.body(null, 204);
};

export const authRoutes = createRouter()
  .openapi(signupRoute, signup)
  .openapi(loginRoute, login)
  .openapi(refreshRoute, refresh)
  .openapi(logoutRoute, logout)
  .openapi(meRoute, me)
  .openapi(signInsRoute, signIns)
  .openapi(endSignInRoute, endSignIn);
