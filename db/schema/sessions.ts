// Spark sessions: one browser/agent working session on a project.
import { sql } from 'drizzle-orm';
import { index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { SESSION_STATES } from '../../contracts/enums';
import { users } from './identity';
import { projectRef } from './columns';

export const sessionState = pgEnum('session_state', SESSION_STATES);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    name: text('name').notNull(),
    state: sessionState('state').notNull().default('active'),
    // Null when a token (agent) opened the session, or the user was deleted.
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    // When the `session.expiring` warning went out; expiry and deletion wait for it.
    expiryWarnedAt: timestamp('expiry_warned_at', { withTimezone: true }),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    // Every `.desc()` index column here and elsewhere is `.nullsFirst()`: drizzle-kit otherwise
    // emits DESC NULLS LAST, which cannot serve a plain `ORDER BY x DESC` (= NULLS FIRST).
    index('sessions_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
    // The lifecycle cron scans by state and idleness.
    index('sessions_state_last_active_idx').on(t.state, t.lastActiveAt),
    index('sessions_created_by_idx').on(t.createdBy),
    // The TTL cron scans the sessions that have an expiry.
    index('sessions_expires_at_idx').on(t.expiresAt).where(sql`${t.expiresAt} IS NOT NULL`),
  ],
);

export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
export type SessionState = (typeof sessionState.enumValues)[number];

/** The session a row belongs to (the row goes with it). */
export const sessionRef = () =>
  uuid('session_id')
    .notNull()
    .references(() => sessions.id, { onDelete: 'cascade' });
