// Chips (rules evaluated by replaying events), their evaluation runs, and periodic digests.
import { date, index, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { DIGEST_PERIODS } from '../../contracts/enums';
import type { ChipDefinition, ChipReport } from '../../contracts/chips';
import type { DigestFacts, DigestHighlights } from '../../contracts/digests';
import { users } from './identity';
import { projectRef } from './columns';

export const digestPeriod = pgEnum('digest_period', DIGEST_PERIODS);

export type ChipEvaluationStatus = 'queued' | 'running' | 'completed' | 'failed';

export const chips = pgTable(
  'chips',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    // The chip's own id (`chip.id` in its YAML) and version: one row per version.
    chipKey: text('chip_key').notNull(),
    version: text('version').notNull(),
    name: text('name').notNull(),
    definition: jsonb('definition').$type<ChipDefinition>().notNull(),
    // The YAML as sent, so a version can be read back as written.
    source: text('source').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('chips_project_key_version_key').on(t.projectId, t.chipKey, t.version),
    index('chips_created_by_idx').on(t.createdBy),
  ],
);

export const chipEvaluations = pgTable(
  'chip_evaluations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    chipId: uuid('chip_id')
      .notNull()
      .references(() => chips.id, { onDelete: 'cascade' }),
    // Denormalised so project-scoped reads need no join.
    projectId: projectRef(),
    // The request's window and labels (since, until, session_id, labels).
    params: jsonb('params').notNull().default({}),
    status: text('status').$type<ChipEvaluationStatus>().notNull().default('queued'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    result: jsonb('result').$type<ChipReport>(),
    error: text('error'),
  },
  (t) => [
    index('chip_evaluations_chip_started_idx').on(t.chipId, t.startedAt.desc().nullsFirst()),
    index('chip_evaluations_project_started_idx').on(t.projectId, t.startedAt.desc().nullsFirst()),
  ],
);

export const digests = pgTable(
  'digests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    period: digestPeriod('period').notNull(),
    // First day (UTC) of the period, 'YYYY-MM-DD'.
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    // Last day of the period, included.
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    // The facts, counted from events (contracts/digests.ts `digestFacts`).
    facts: jsonb('content').$type<DigestFacts>().notNull(),
    highlights: jsonb('highlights').$type<DigestHighlights>().notNull(),
    markdown: text('markdown').notNull(),
    trigger: text('trigger').$type<'cron' | 'manual'>().notNull().default('cron'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Also the cron's upsert target: one digest per project, period and start.
  (t) => [unique('digests_project_period_start_key').on(t.projectId, t.period, t.periodStart)],
);

export type Chip = typeof chips.$inferSelect;
export type NewChip = typeof chips.$inferInsert;
export type ChipEvaluation = typeof chipEvaluations.$inferSelect;
export type NewChipEvaluation = typeof chipEvaluations.$inferInsert;
export type Digest = typeof digests.$inferSelect;
export type NewDigest = typeof digests.$inferInsert;
