// Daily (and one hourly) rollups written by the rollup cron (workers/rollups.ts). Natural primary keys so each run
// can add its sums with an upsert; a watermark says which events are already counted.
import { bigint, date, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { projectRef } from './columns';

// Days are UTC calendar days of when the event happened, kept as 'YYYY-MM-DD' strings.
const day = () => date('day', { mode: 'string' }).notNull();
const counter = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Tokens and cost per model, from `usage.*` events. */
export const usageDaily = pgTable(
  'usage_daily',
  {
    projectId: projectRef(),
    day: day(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    requests: counter('requests'),
    inputTokens: counter('input_tokens'),
    outputTokens: counter('output_tokens'),
    // Unbounded numeric: sums are exact whatever order the runs add them in.
    costUsd: numeric('cost_usd', { mode: 'number' }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.provider, t.model] })],
);

/** Finished function calls and how many of them failed, per tool (the call's `name`). */
export const errorsDaily = pgTable(
  'errors_daily',
  {
    projectId: projectRef(),
    day: day(),
    tool: text('tool').notNull(),
    calls: counter('calls'),
    // Of `calls`, those that ended `failed` or `timeout`.
    failures: counter('failures'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.tool] })],
);

/** Events per type and source. */
export const eventsDaily = pgTable(
  'events_daily',
  {
    projectId: projectRef(),
    day: day(),
    type: text('type').notNull(),
    source: text('source').notNull(),
    count: counter('count'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.type, t.source] })],
);

/** The sessions that had events on a day: a set, so "sessions per day" is a count without a scan of the events. */
export const sessionsDaily = pgTable(
  'sessions_daily',
  {
    projectId: projectRef(),
    day: day(),
    // Free text, like spark_events.session_id.
    sessionId: text('session_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.sessionId] })],
);

/**
 * The event queue (edge → consumer → Postgres), per UTC hour of received_at: an event waits from
 * received_at (the edge's clock) until stored_at (Postgres's). Little's law gives the time-averaged
 * number waiting in an hour: wait_ms_sum / 3_600_000. Waits are clamped to 0 (clock skew).
 */
export const queueHourly = pgTable(
  'queue_hourly',
  {
    projectId: projectRef(),
    // The start of the UTC hour the edge accepted the events in.
    hour: timestamp('hour', { withTimezone: true, mode: 'string' }).notNull(),
    events: counter('events'),
    // Unbounded numeric: microsecond waits in ms sum exactly whatever order the runs add them in.
    waitMsSum: numeric('wait_ms_sum', { mode: 'number' }).notNull().default(0),
    waitMsMax: numeric('wait_ms_max', { mode: 'number' }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.hour] })],
);

/**
 * How far each rollup has read: every event stored (spark_events.stored_at) before
 * `stored_before` is counted in the tables above, none after. Moved in the same statement as the sums.
 */
export const rollupWatermarks = pgTable('rollup_watermarks', {
  name: text('name').primaryKey(),
  storedBefore: timestamp('stored_before', { withTimezone: true }).notNull(),
  updatedAt: updatedAt(),
});

export type UsageDaily = typeof usageDaily.$inferSelect;
export type ErrorsDaily = typeof errorsDaily.$inferSelect;
export type EventsDaily = typeof eventsDaily.$inferSelect;
export type QueueHourly = typeof queueHourly.$inferSelect;
