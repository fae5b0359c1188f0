// Operational records: the audit log and messages that exhausted their queue retries.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { projects } from './identity';

// No foreign keys on purpose: the audit log is history and must outlive the users, tokens and
// projects it mentions (including the row recording a project's deletion).
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    projectId: uuid('project_id'),
    actorUserId: uuid('actor_user_id'),
    actorTokenId: uuid('actor_token_id'),
    action: text('action').notNull(),
    target: text('target'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Listed and paged newest first by id (the page cursor), so a page deep in the log is an index range.
    index('audit_log_project_id_idx').on(t.projectId, t.id.desc().nullsFirst()),
    index('audit_log_actor_user_created_idx').on(t.actorUserId, t.createdAt.desc().nullsFirst()),
  ],
);

export const deadLetters = pgTable(
  'dead_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    queue: text('queue').notNull(),
    // The project the message belonged to, when it could be told; scopes listing and replay.
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    // The queue's message id: the DLQ is at-least-once too, so the consumer should insert
    // with ON CONFLICT (queue, message_id) DO NOTHING.
    messageId: text('message_id').notNull(),
    // The original message body, exactly as it was sent, so it can be replayed: as jsonb when
    // Postgres can hold it, else (NUL, lone surrogates) as its JSON text in body_json, whose
    // escapes ("\u0000", "\udc00") are plain ASCII. Exactly one of the two is set.
    body: jsonb('body'),
    bodyJson: text('body_json'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
    replayCount: integer('replay_count').notNull().default(0),
  },
  (t) => [
    unique('dead_letters_queue_message_key').on(t.queue, t.messageId),
    check('dead_letters_one_body', sql`(${t.body} is null) <> (${t.bodyJson} is null)`),
    index('dead_letters_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
    // "What is waiting for replay?" — only unreplayed rows, oldest first.
    index('dead_letters_pending_idx')
      .on(t.projectId, t.createdAt)
      .where(sql`${t.replayedAt} is null`),
    // Retention sweeps across projects.
    index('dead_letters_created_idx').on(t.createdAt),
  ],
);

export type AuditLogEntry = typeof auditLog.$inferSelect;
export type NewAuditLogEntry = typeof auditLog.$inferInsert;
export type DeadLetter = typeof deadLetters.$inferSelect;
export type NewDeadLetter = typeof deadLetters.$inferInsert;
