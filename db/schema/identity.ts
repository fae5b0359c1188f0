// Who may do what: users, projects, memberships and API tokens.
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { MEMBER_ROLES, TOKEN_SCOPES } from '../../contracts/enums';

export const membershipRole = pgEnum('membership_role', MEMBER_ROLES);
export const tokenScope = pgEnum('token_scope', TOKEN_SCOPES);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Stored lowercased (enforced by a check) so the unique key is case-insensitive.
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('users_email_lowercase', sql`${t.email} = lower(${t.email})`)],
);

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    // No cascade: deleting a user who still owns projects must be an explicit decision.
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // Session lifecycle, per project: idle minutes before a session sleeps, and the quotas.
    sessionIdleMinutes: integer('session_idle_minutes').notNull().default(120),
    maxActiveSessions: integer('max_active_sessions').notNull().default(10),
    maxSessions: integer('max_sessions').notNull().default(50),
  },
  (t) => [
    index('projects_owner_id_idx').on(t.ownerId),
    check('projects_session_limits_positive', sql`${t.sessionIdleMinutes} > 0 AND ${t.maxActiveSessions} > 0 AND ${t.maxSessions} > 0`),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: membershipRole('role').notNull().default('member'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    // "Which projects can this user see?" — the PK only serves project-first lookups.
    index('memberships_user_id_idx').on(t.userId),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scope: tokenScope('scope').notNull(),
    // Only a hash is kept; the clear token is shown once at creation.
    tokenHash: text('token_hash').notNull().unique(),
    // First characters of the token, so the UI can tell tokens apart.
    tokenPrefix: text('token_prefix').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('api_tokens_project_id_idx').on(t.projectId),
    index('api_tokens_created_by_idx').on(t.createdBy),
  ],
);

/**
 * Refresh tokens (the httpOnly cookie that keeps a person signed in). Only a hash is kept. Each use
 * rotates the token within its family (one sign-in); presenting a used one again means it was
 * stolen, and the whole family is revoked.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('refresh_tokens_user_id_idx').on(t.userId),
    index('refresh_tokens_family_id_idx').on(t.familyId),
    // A person's live sign-ins (listRefreshFamilies): the one unspent token of each family, not every token they ever had.
    index('refresh_tokens_user_live_idx')
      .on(t.userId, t.createdAt.desc().nullsFirst())
      .where(sql`${t.usedAt} is null and ${t.revokedAt} is null`),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Project = typeof projects.$inferSelect;
export type NewProject = typeof projects.$inferInsert;
export type Membership = typeof memberships.$inferSelect;
export type MembershipRole = (typeof membershipRole.enumValues)[number];
export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
export type TokenScope = (typeof tokenScope.enumValues)[number];
