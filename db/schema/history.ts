// Undo history: every file change the agent makes, and named snapshots to return to.
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sessionRef, sessions } from './sessions';
import { projectRef } from './columns';

import type { ChangeOp } from '../../contracts/enums';
import type { SnapshotManifest } from '../../contracts/snapshots';

export const patches = pgTable(
  'patches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: sessionRef(),
    callId: text('call_id'),
    path: text('path').notNull(),
    // Null before = the file did not exist (create); null after = it was deleted.
    beforeContent: text('before_content'),
    afterContent: text('after_content'),
    beforeSha256: text('before_sha256'),
    afterSha256: text('after_sha256'),
    op: text('op').$type<ChangeOp>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revertedAt: timestamp('reverted_at', { withTimezone: true }),
    // The operation that put this change back (an undo or a rollback). Changes made BY such an
    // operation carry its id in call_id, which is how history tells undos from edits.
    revertCallId: text('revert_call_id'),
  },
  (t) => [
    index('patches_revert_call_idx').on(t.revertCallId),
    // A write over MCP waits until its change is here (edge/mcp/history-wait.ts): found by call, not by scanning.
    index('patches_session_call_idx').on(t.sessionId, t.callId),
    index('patches_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('patches_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
  ],
);

export const snapshots = pgTable(
  'snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    // The session it was taken of. A snapshot outlives its session (that is what it is for: a
    // session past its TTL is deleted, and a new one can start from the snapshot).
    sessionId: uuid('session_id').references(() => sessions.id, { onDelete: 'set null' }),
    label: text('label').notNull(),
    r2Key: text('r2_key'),
    // The manifest: paths with the sha-256 of their text (the texts themselves are in R2, stored
    // once per project and content), the history's sha-256, and the session's settings.
    data: jsonb('data').$type<SnapshotManifest>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('snapshots_has_content', sql`${t.r2Key} is not null or ${t.data} is not null`),
    index('snapshots_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('snapshots_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
  ],
);

export type Patch = typeof patches.$inferSelect;
export type NewPatch = typeof patches.$inferInsert;
export type Snapshot = typeof snapshots.$inferSelect;
export type NewSnapshot = typeof snapshots.$inferInsert;
