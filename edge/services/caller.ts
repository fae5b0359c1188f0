import type { MemberRole, TokenScope } from '../../contracts/api';
import { isUuid } from '../../contracts/uuid';
import type { Db } from '../../db/client';
import { findActiveApiToken, findUserById, findUserWithRole, touchApiToken } from '../../db/queries/identity';
import { readAccessToken } from '../auth/access-token';
import { hashApiToken, looksLikeApiToken } from '../auth/api-token';
import { unauthorized } from '../http/errors';
import { cachedApiToken } from './token-cache';

/** Who is calling: a person with an access token, or a machine with a project API token. */
export type Caller =
  | { kind: 'user'; userId: string; email: string; membership?: Membership }
  | { kind: 'token'; tokenId: string; projectId: string; scope: TokenScope };

/** A user's role on one project (null: not a member), read with their account (see userCaller). */
export interface Membership {
  projectId: string;
  role: MemberRole | null;
}

export function bearerToken(header: string | undefined | null): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

/**
 * Resolves the caller or throws 401. `onTouch` lets the host defer the last-used write;
 * `projectId`, the project the request is about, lets a person's role on it come with the check
 * that their account exists.
 */
export async function resolveCaller(
  db: Db,
  token: string | null,
  jwtSecret: string,
  onTouch: (p: Promise<unknown>) => void,
  projectId?: string,
): Promise<Caller> {
  if (!token) throw unauthorized('missing bearer token');
  if (looksLikeApiToken(token)) {
    const hash = await hashApiToken(token);
    const found = await cachedApiToken(hash, async () => {
      const row = await findActiveApiToken(db, hash);
      return row ? { tokenId: row.id, projectId: row.projectId, scope: row.scope } : null;
    });
    if (!found) throw unauthorized('API token is invalid or revoked');
    // last_used_at is as precise as the cache: written when the token is looked up again.
    if (found.fresh) onTouch(touchApiToken(db, found.token.tokenId));
    return { kind: 'token', ...found.token };
  }
  const claims = await readAccessToken(token, jwtSecret);
  if (!claims) throw unauthorized('access token is invalid or expired');
  return userCaller(db, claims.sub, claims.email, projectId);
}

/**
 * A person whose account still exists: a signed token outlives a deleted account otherwise. With
 * a project id, the same query reads their role on it, which requireProject then uses instead of
 * asking again: one round trip fewer on every project route.
 */
export async function userCaller(db: Db, userId: string, email: string, projectId?: string): Promise<Caller> {
  if (projectId !== undefined && isUuid(projectId)) {
    const found = await findUserWithRole(db, userId, projectId);
    if (!found) throw unauthorized('this account no longer exists');
    return { kind: 'user', userId, email, membership: { projectId, role: found.role } };
  }
  if (!(await findUserById(db, userId))) throw unauthorized('this account no longer exists');
  return { kind: 'user', userId, email };
}

export function callerKey(caller: Caller): string {
  return caller.kind === 'user' ? `user:${caller.userId}` : `token:${caller.tokenId}`;
}
