import { Hono } from 'hono';
import { credentials } from '../../contracts/api';
import { findUserByEmail, findUserById, insertUser } from '../../db/queries/identity';
import { issueAccessToken } from '../auth/access-token';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/password';
import { HttpError, notFound } from '../http/errors';
import { authenticate, jwtSecret, rateLimitByAddress } from '../http/middleware';
import { validate } from '../http/validate';
import { requireUser } from '../services/access';
import type { AppEnv } from '../types';
import type { Env } from '../env';

const ttl = (env: Env) => Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);

async function session(env: Env, user: { id: string; email: string; createdAt: Date }) {
  const token = await issueAccessToken({ sub: user.id, email: user.email }, jwtSecret(env), ttl(env));
  return { token, token_type: 'Bearer' as const, expires_in: ttl(env), user: { id: user.id, email: user.email, created_at: user.createdAt.toISOString() } };
}

export const authRoutes = new Hono<AppEnv>()
  .post('/signup', rateLimitByAddress(), validate('json', credentials), async (c) => {
    const { email, password } = c.req.valid('json');
    const user = await insertUser(c.var.db, email, await hashPassword(password));
    if (!user) throw new HttpError(409, 'email_taken', 'an account with this email already exists', 'email');
    return c.json(await session(c.env, user), 201);
  })
  .post('/login', rateLimitByAddress(), validate('json', credentials), async (c) => {
    const { email, password } = c.req.valid('json');
    const user = await findUserByEmail(c.var.db, email);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
    if (!user || !ok) throw new HttpError(401, 'invalid_credentials', 'email or password is wrong');
    return c.json(await session(c.env, user), 200);
  })
  .get('/me', authenticate(), async (c) => {
    const me = requireUser(c.var.caller);
    const user = await findUserById(c.var.db, me.userId);
    if (!user) throw notFound('user');
    return c.json({ id: user.id, email: user.email, created_at: user.createdAt.toISOString() });
  });
