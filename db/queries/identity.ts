import { and, eq, isNull, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { apiTokens, memberships, projects, users } from '../schema';
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

export async function upsertMembership(db: Db, projectId: string, userId: string, role: MemberRole) {
  await db
    .insert(memberships)
    .values({ projectId, userId, role })
    .onConflictDoUpdate({ target: [memberships.projectId, memberships.userId], set: { role } });
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
