// Undo history: every file change the agent makes, and named snapshots to return to.
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
    // Newest first with the id as tie-break, as listChanges orders and pruneHistory ranks them (no sort).
    index('patches_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
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
    // The manifest: paths with the sha-256 of their text (the texts themselves are in
    // snapshot_texts, stored once per project and content), the history's sha-256, and the
    // session's settings.
    data: jsonb('data').$type<SnapshotManifest>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('snapshots_has_content', sql`${t.r2Key} is not null or ${t.data} is not null`),
    index('snapshots_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('snapshots_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
  ],
);

/**
 * The texts snapshots point at (a script's content, a history export), once per project and
 * sha-256. In Postgres, not R2, so a project's backup holds its snapshots whole and a deleted
 * project takes them along. Snapshots taken before this table kept their texts in R2 under
 * projects/<id>/blobs/sha256/<sha>; a read that finds one there copies it here.
 */
export const snapshotTexts = pgTable(
  'snapshot_texts',
  {
    projectId: projectRef(),
    sha256: text('sha256').notNull(),
    content: text('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.sha256] }), check('snapshot_texts_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`)],
);

export type Patch = typeof patches.$inferSelect;
export type NewPatch = typeof patches.$inferInsert;
export type Snapshot = typeof snapshots.$inferSelect;
export type NewSnapshot = typeof snapshots.$inferInsert;
