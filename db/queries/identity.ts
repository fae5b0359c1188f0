import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { apiTokens, memberships, projects, refreshTokens, users } from '../schema';
import type { MemberRole, TokenScope } from '../../contracts/api';

export async function insertUser(db: Db, email: string, passwordHash: string) {
  const rows = await db
    .insert(users)
    .values({ email, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email, createdAt: users.createdAt });
  return rows[0] ?? null; // null: the email is taken
}

export async function findUserByEmail(db: Db, email: string) {
  const rows = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return rows[0] ?? null;
}

export async function findUserById(db: Db, id: string) {
  const rows = await db.select({ id: users.id, email: users.email, createdAt: users.createdAt }).from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ?? null;
}

/**
 * Whether the user exists and, when they do, their role on the project (null: not a member), in
 * one round trip: what a project route asks before anything else. Null when the user is gone.
 */
export async function findUserWithRole(db: Db, userId: string, projectId: string): Promise<{ role: MemberRole | null } | null> {
  const rows = await db
    .select({ role: memberships.role })
    .from(users)
    .leftJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.projectId, projectId)))
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0] ? { role: rows[0].role ?? null } : null;
}

/** Creates the project and its owner membership in one statement, so neither exists without the other. */
export async function insertProjectWithOwner(db: Db, name: string, ownerId: string) {
  const rows = await db.execute<{ id: string; name: string; created_at: string }>(sql`
    with p as (
      insert into ${projects} (name, owner_id) values (${name}, ${ownerId})
      returning id, name, created_at
    ), m as (
      insert into ${memberships} (project_id, user_id, role) select id, ${ownerId}, 'owner' from p
    )
    select id, name, created_at from p`);
  const row = rowsOf<{ id: string; name: string; created_at: string }>(rows)[0];
  if (!row) throw new Error('project insert returned nothing');
  return { id: row.id, name: row.name, createdAt: new Date(row.created_at) };
}

export async function listProjectsForUser(db: Db, userId: string) {
  return db
    .select({ id: projects.id, name: projects.name, role: memberships.role, createdAt: projects.createdAt })
    .from(memberships)
    .innerJoin(projects, eq(projects.id, memberships.projectId))
    .where(eq(memberships.userId, userId))
    .orderBy(projects.createdAt);
}

export async function findProject(db: Db, projectId: string) {
  const rows = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  return rows[0] ?? null;
}

export async function findMembership(db: Db, projectId: string, userId: string) {
  const rows = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)))
    .limit(1);
  return rows[0]?.role ?? null;
}

/**
 * Adds a member or changes their role, in one statement that refuses to take the role of the
 * project's last owner away (a project always keeps an owner). False when it refused.
 */
export async function upsertMembership(db: Db, projectId: string, userId: string, role: MemberRole): Promise<boolean> {
  const rows = await db
    .insert(memberships)
    .values({ projectId, userId, role })
    .onConflictDoUpdate({
      target: [memberships.projectId, memberships.userId],
      set: { role },
      setWhere: sql`${memberships.role} <> 'owner' or excluded.role = 'owner' or exists (
        select 1 from ${memberships} other
        where other.project_id = ${projectId} and other.role = 'owner' and other.user_id <> ${userId})`,
    })
    .returning({ role: memberships.role });
  return rows.length > 0;
}

export async function insertApiToken(
  db: Db,
  t: { projectId: string; name: string; scope: TokenScope; tokenHash: string; tokenPrefix: string; createdBy: string | null },
) {
  const rows = await db.insert(apiTokens).values(t).returning();
  return rows[0]!;
}

export async function listApiTokens(db: Db, projectId: string) {
  return db.select().from(apiTokens).where(eq(apiTokens.projectId, projectId)).orderBy(apiTokens.createdAt);
}

export async function revokeApiToken(db: Db, projectId: string, tokenId: string) {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.projectId, projectId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/** An unrevoked token by its hash. */
export async function findActiveApiToken(db: Db, tokenHash: string) {
  const rows = await db
    .select({ id: apiTokens.id, projectId: apiTokens.projectId, scope: apiTokens.scope, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/** Last-used time, written at most once a minute per token to keep writes off the hot path. */
export async function touchApiToken(db: Db, tokenId: string) {
  await db.execute(sql`
    update ${apiTokens} set last_used_at = now()
    where id = ${tokenId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`);
}

// ── refresh tokens ─────────────────────────────────────────────────────────────────────────────

export async function insertRefreshToken(db: Db, t: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }) {
  await db.insert(refreshTokens).values(t);
}

export type RefreshOutcome =
  | { ok: true; userId: string; familyId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

/**
 * Spends a refresh token: marks it used (once: a concurrent second use loses) and reports its
 * family, for the caller to issue the next one. A token presented after it was used or revoked
 * means someone else holds a copy: the whole family is revoked.
 */
export async function spendRefreshToken(db: Db, tokenHash: string): Promise<RefreshOutcome> {
  const spent = await db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, sql`now()`)))
    .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
  if (spent[0]) return { ok: true, ...spent[0] };
  const rows = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  const row = rows[0];
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.usedAt || row.revokedAt) {
    await revokeRefreshFamily(db, row.familyId);
    return { ok: false, reason: 'reused' };
  }
  return { ok: false, reason: 'expired' };
}

/** The family a token belongs to (used or not), e.g. to log that sign-in out. */
export async function refreshFamilyOf(db: Db, tokenHash: string) {
  const rows = await db.select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  return rows[0] ?? null;
}

export async function revokeRefreshFamily(db: Db, familyId: string, userId?: string): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt), ...(userId ? [eq(refreshTokens.userId, userId)] : [])))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}

/** How long a refresh token is kept past its expiry: a replay in that time still revokes its family. */
export const REFRESH_KEEP_AFTER_EXPIRY_MS = 7 * 86_400_000;

/**
 * Deletes refresh tokens a week past their expiry (every rotation leaves one behind, ~100 a day
 * for a person signed in). Such a token can never be spent; presenting it later is answered as
 * unknown rather than as a reuse. Resolves with how many went.
 */
export async function pruneRefreshTokens(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - REFRESH_KEEP_AFTER_EXPIRY_MS).toISOString();
  const rows = await db.delete(refreshTokens).where(sql`${refreshTokens.expiresAt} < ${before}::timestamptz`).returning({ id: refreshTokens.id });
  return rows.length;
}

/** A person's live sign-ins (families with an unused, unrevoked, unexpired token), newest first. */
export async function listRefreshFamilies(db: Db, userId: string) {
  return db
    .select({ familyId: refreshTokens.familyId, lastUsedAt: refreshTokens.createdAt, expiresAt: refreshTokens.expiresAt })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, sql`now()`)))
    .orderBy(desc(refreshTokens.createdAt));
}
