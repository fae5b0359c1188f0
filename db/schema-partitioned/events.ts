// spark_events: the event stream, PARTITIONED BY RANGE (occurred_at), one partition per UTC month.
//
// drizzle-kit cannot express partitioning, so this file sits outside drizzle.config's `schema`
// and the real DDL lives in the custom migration drizzle/0001_spark_events_partitions.sql.
// This pgTable exists for typed queries only; keep it in sync with that SQL by hand.
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { EventKind } from '../../contracts/event';
import { projects } from '../schema/identity';

export const sparkEvents = pgTable(
  'spark_events',
  {
    // Producer-made UUID: the idempotency key.
    id: uuid('id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    // Free text (≤256): producers outside Spark may use any session id.
    sessionId: text('session_id').notNull(),
    source: text('source').notNull(),
    kind: text('kind').$type<EventKind>().notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    traceId: text('trace_id'),
    // The edge's clock when it accepted the event (from the queue message).
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    // Postgres's clock when the row was stored (never set by the insert): the rollup watermark (drizzle/0007).
    storedAt: timestamp('stored_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Ids are unique per project (another tenant must not be able to take yours), and a unique
    // key on a partitioned table must include the partition key (drizzle/0004).
    primaryKey({ name: 'spark_events_pkey', columns: [t.projectId, t.id, t.occurredAt] }),
    check('spark_events_session_id_len', sql`char_length(${t.sessionId}) <= 256`),
    check('spark_events_source_len', sql`char_length(${t.source}) <= 256`),
    index('spark_events_project_occurred_idx').on(t.projectId, t.occurredAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('spark_events_project_session_occurred_idx').on(t.projectId, t.sessionId, t.occurredAt.desc().nullsFirst()),
    index('spark_events_project_type_occurred_idx').on(t.projectId, t.type, t.occurredAt.desc().nullsFirst()),
    index('spark_events_stored_at_idx').on(t.storedAt),
    index('spark_events_tool_call_idx').on(t.projectId, t.sessionId, sql`(${t.payload}->>'call_id')`).where(sql`${t.kind} = 'tool'`),
  ],
);

export type SparkEventRow = typeof sparkEvents.$inferSelect;
export type NewSparkEventRow = typeof sparkEvents.$inferInsert;
