// Daily rollups written by cron. Natural primary keys so the cron can upsert (idempotent re-runs).
import { bigint, date, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './identity';

const projectRef = () =>
  uuid('project_id')
    .notNull()
    .references(() => projects.id, { onDelete: 'cascade' });

// Days are UTC calendar days, kept as 'YYYY-MM-DD' strings (no timezone surprises in JS).
const day = () => date('day', { mode: 'string' }).notNull();
const counter = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

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
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.provider, t.model] })],
);

export const errorsDaily = pgTable(
  'errors_daily',
  {
    projectId: projectRef(),
    day: day(),
    // Event type of the failure, e.g. "unity.build_failed".
    type: text('type').notNull(),
    count: counter('count'),
    // One recent message, so a dashboard can show what went wrong without a second query.
    sampleError: text('sample_error'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.type] })],
);

export const eventsDaily = pgTable(
  'events_daily',
  {
    projectId: projectRef(),
    day: day(),
    type: text('type').notNull(),
    count: counter('count'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.type] })],
);

export type UsageDaily = typeof usageDaily.$inferSelect;
export type ErrorsDaily = typeof errorsDaily.$inferSelect;
export type EventsDaily = typeof eventsDaily.$inferSelect;
