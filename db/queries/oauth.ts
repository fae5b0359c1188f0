import { and, desc, eq, gt, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { memberships, oauthClients, oauthCodes, oauthGrants, projects } from '../schema';

// Roles that may write in a project: the ones an MCP grant may be given by (and stays valid for).
const WRITERS = ['owner', 'member'] as const;

export async function insertOauthClient(db: Db, name: string, redirectUris: string[]) {
  const [row] = await db.insert(oauthClients).values({ name, redirectUris }).returning();
  return row!;
}

export async function findOauthClient(db: Db, id: string) {
  const rows = await db.select().from(oauthClients).where(eq(oauthClients.id, id)).limit(1);
  return rows[0] ?? null;
}

/** The projects a person may hand to an MCP client: those they can write in. */
export async function writableProjects(db: Db, userId: string) {
  return db
    .select({ id: projects.id, name: projects.name })
    .from(memberships)
    .innerJoin(projects, eq(projects.id, memberships.projectId))
    .where(and(eq(memberships.userId, userId), inArray(memberships.role, [...WRITERS])))
    .orderBy(projects.createdAt);
}

/** A new grant and its first code, in one statement. */
export async function insertGrantWithCode(
  db: Db,
  g: { clientId: string; userId: string; projectId: string },
  code: { codeHash: string; redirectUri: string; codeChallenge: string; resource: string | null; expiresAt: Date },
) {
  // One statement (neon-http has no interactive transactions): no grant without its code.
  const rows = await db.execute<{ id: string }>(sql`
    with g as (
      insert into ${oauthGrants} (client_id, user_id, project_id) values (${g.clientId}, ${g.userId}, ${g.projectId})
      returning id
    ), c as (
      insert into ${oauthCodes} (code_hash, grant_id, redirect_uri, code_challenge, resource, expires_at)
      select ${code.codeHash}, id, ${code.redirectUri}, ${code.codeChallenge}, ${code.resource}, ${code.expiresAt.toISOString()}::timestamptz from g
    )
    select id from g`);
  const id = rowsOf<{ id: string }>(rows)[0]?.id;
  if (!id) throw new Error('grant insert returned nothing');
  return id;
}

/**
 * Spends a code: marks it used and returns it with its grant, or says why not. A code presented
 * again revokes its grant (it may have been stolen).
 */
export async function spendCode(db: Db, codeHash: string) {
  const spent = await db
    .update(oauthCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.usedAt), gt(oauthCodes.expiresAt, sql`now()`)))
    .returning();
  const code = spent[0];
  if (code) {
    const grant = (await db.select().from(oauthGrants).where(and(eq(oauthGrants.id, code.grantId), isNull(oauthGrants.revokedAt))).limit(1))[0];
    return grant ? { code, grant } : null;
  }
  const reused = (await db.select({ grantId: oauthCodes.grantId, usedAt: oauthCodes.usedAt }).from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash)).limit(1))[0];
  if (reused?.usedAt) await revokeGrant(db, reused.grantId);
  return null;
}

/** Sets the grant's current tokens (the previous ones stop working, the refresh token remembered). False when it was revoked. */
export async function setGrantTokens(db: Db, grantId: string, t: { accessTokenHash: string; accessExpiresAt: Date; refreshTokenHash: string }) {
  const rows = await db
    .update(oauthGrants)
    .set({ ...t, previousRefreshTokenHash: sql`${oauthGrants.refreshTokenHash}` })
    .where(and(eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt))).returning({ id: oauthGrants.id });
  return rows.length > 0;
}

/** The live grant whose refresh token rotated away from this one: its reuse means a copy. */
export async function findGrantByPreviousRefresh(db: Db, refreshTokenHash: string) {
  const rows = await db
    .select({ id: oauthGrants.id })
    .from(oauthGrants)
    .where(and(eq(oauthGrants.previousRefreshTokenHash, refreshTokenHash), isNull(oauthGrants.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

export async function findGrantByRefresh(db: Db, refreshTokenHash: string) {
  const rows = await db
    .select()
    .from(oauthGrants)
    .where(and(eq(oauthGrants.refreshTokenHash, refreshTokenHash), isNull(oauthGrants.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The grant an access token stands for, while it is live and its person may still write in the
 * project (a member turned viewer, or removed, loses their clients' access with it).
 */
export async function findLiveGrantByAccess(db: Db, accessTokenHash: string) {
  const rows = await db
    .select({ id: oauthGrants.id, projectId: oauthGrants.projectId, userId: oauthGrants.userId })
    .from(oauthGrants)
    .innerJoin(memberships, and(eq(memberships.projectId, oauthGrants.projectId), eq(memberships.userId, oauthGrants.userId)))
    .where(
      and(
        eq(oauthGrants.accessTokenHash, accessTokenHash),
        isNull(oauthGrants.revokedAt),
        gt(oauthGrants.accessExpiresAt, sql`now()`),
        inArray(memberships.role, [...WRITERS]),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

export async function touchGrant(db: Db, grantId: string) {
  await db.update(oauthGrants).set({ lastUsedAt: sql`now()` }).where(eq(oauthGrants.id, grantId));
}

/** Revokes a grant (its tokens with it); with `userId`, only that person's. False when there was none to revoke. */
export async function revokeGrant(db: Db, grantId: string, userId?: string) {
  const rows = await db
    .update(oauthGrants)
    .set({ revokedAt: sql`now()`, accessTokenHash: null, refreshTokenHash: null, previousRefreshTokenHash: null })
    .where(and(eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt), userId ? eq(oauthGrants.userId, userId) : undefined))
    .returning({ id: oauthGrants.id });
  return rows.length > 0;
}

/** A person's live grants whose code was exchanged (a client holds tokens), newest first; with `projectId`, those of that project. */
export async function listGrants(db: Db, userId: string, projectId?: string) {
  return db
    .select({
      id: oauthGrants.id,
      clientName: oauthClients.name,
      projectId: oauthGrants.projectId,
      projectName: projects.name,
      createdAt: oauthGrants.createdAt,
      lastUsedAt: oauthGrants.lastUsedAt,
    })
    .from(oauthGrants)
    .innerJoin(oauthClients, eq(oauthClients.id, oauthGrants.clientId))
    .innerJoin(projects, eq(projects.id, oauthGrants.projectId))
    .where(
      and(
        eq(oauthGrants.userId, userId),
        isNull(oauthGrants.revokedAt),
        isNotNull(oauthGrants.refreshTokenHash),
        projectId ? eq(oauthGrants.projectId, projectId) : undefined,
      ),
    )
    .orderBy(desc(oauthGrants.createdAt));
}

/** How long a spent or expired code is kept: presented again within it, it still revokes its grant. */
export const OAUTH_CODE_KEEP_MS = 24 * 3600_000;

/**
 * The daily clean-up: codes past their keep, and grants whose consent was never finished (no
 * token was ever issued and their codes are gone). Revoked grants stay, for the person's list.
 */
export async function pruneOauth(db: Db, now: Date) {
  const before = new Date(now.getTime() - OAUTH_CODE_KEEP_MS).toISOString();
  const codes = await db.delete(oauthCodes).where(sql`${oauthCodes.expiresAt} < ${before}::timestamptz`).returning({ grantId: oauthCodes.grantId });
  const grants = await db
    .delete(oauthGrants)
    .where(
      and(
        isNull(oauthGrants.accessTokenHash),
        isNull(oauthGrants.refreshTokenHash),
        isNull(oauthGrants.revokedAt),
        sql`${oauthGrants.createdAt} < ${before}::timestamptz`,
        sql`not exists (select 1 from ${oauthCodes} where ${oauthCodes.grantId} = ${oauthGrants.id})`,
      ),
    )
    .returning({ id: oauthGrants.id });
  return { codes: codes.length, unfinishedGrants: grants.length };
}
