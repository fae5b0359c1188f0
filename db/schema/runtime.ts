// What happens inside a session: tool calls, telemetry, token usage, previews, scripts, builds.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { BUILD_STATUSES } from '../../contracts/enums';
import type { FunctionCallStatus } from '../../contracts/event';
import { sessionRef } from './sessions';
import { projectRef } from './columns';

export const buildStatus = pgEnum('build_status', BUILD_STATUSES);

export type PreviewStatus = 'pending' | 'completed' | 'failed';

export const functionCalls = pgTable(
  'function_calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    // Free text, like spark_events.session_id: producers outside Spark pick their own ids.
    sessionId: text('session_id').notNull(),
    callId: text('call_id').notNull(),
    name: text('name').notNull(),
    status: text('status').$type<FunctionCallStatus>().notNull(),
    args: jsonb('args'),
    result: jsonb('result'),
    error: text('error'),
    latencyMs: integer('latency_ms'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The consumer upserts on this. project_id is part of it because session/call ids are
    // producer-chosen free text: two projects may both use "default"/"1", and one project must
    // never overwrite another's row.
    unique('function_calls_project_session_call_key').on(t.projectId, t.sessionId, t.callId),
    index('function_calls_project_started_idx').on(t.projectId, t.startedAt.desc().nullsFirst()),
    // The dashboard (and every /metrics scrape) reads a range of days: latency and the slowest
    // sessions by when calls finished, the calls panel by their last timestamp, and the in-flight
    // series starts from the calls still open. Each is a range of an index, not the project's history.
    index('function_calls_project_completed_idx').on(t.projectId, t.completedAt),
    index('function_calls_project_touched_idx').on(t.projectId, sql`coalesce(${t.completedAt}, ${t.startedAt}, ${t.createdAt})`),
    index('function_calls_project_open_idx').on(t.projectId, t.startedAt).where(sql`${t.completedAt} is null`),
  ],
);

export const telemetry = pgTable(
  'telemetry',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: text('session_id'),
    source: text('source').notNull(),
    // Metric name, e.g. "unity.fps", "agent.queue_depth".
    name: text('name').notNull(),
    value: doublePrecision('value').notNull(),
    unit: text('unit'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('telemetry_project_name_recorded_idx').on(t.projectId, t.name, t.recordedAt.desc().nullsFirst()),
    index('telemetry_project_session_recorded_idx').on(t.projectId, t.sessionId, t.recordedAt.desc().nullsFirst()),
  ],
);

export const usage = pgTable(
  'usage',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: text('session_id'),
    callId: text('call_id'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('usage_project_recorded_idx').on(t.projectId, t.recordedAt.desc().nullsFirst()),
    // Rollups scan a day at a time across projects.
    index('usage_recorded_idx').on(t.recordedAt),
    check('usage_tokens_nonnegative', sql`${t.inputTokens} >= 0 and ${t.outputTokens} >= 0`),
  ],
);

export const previews = pgTable(
  'previews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: sessionRef(),
    callId: text('call_id'),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    // Set once the frame is stored in R2.
    r2Key: text('r2_key'),
    contentType: text('content_type'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    status: text('status').$type<PreviewStatus>().notNull().default('pending'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('previews_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('previews_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
  ],
);

export const generatedScripts = pgTable(
  'generated_scripts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: sessionRef(),
    callId: text('call_id'),
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('generated_scripts_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('generated_scripts_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
  ],
);

export const buildJobs = pgTable(
  'build_jobs',
  {
    // The build status operation looks jobs up by this UUID.
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: sessionRef(),
    callId: text('call_id'),
    target: text('target').notNull(),
    status: buildStatus('status').notNull().default('queued'),
    progress: real('progress').notNull().default(0),
    artifactR2Key: text('artifact_r2_key'),
    error: text('error'),
    // Size of the artifact, when known; bigint since builds can exceed 2 GiB.
    artifactBytes: bigint('artifact_bytes', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    check('build_jobs_progress_range', sql`${t.progress} >= 0 and ${t.progress} <= 1`),
    // One job per run_build call: the consumer upserts build events on it.
    uniqueIndex('build_jobs_session_call_key').on(t.sessionId, t.callId),
    index('build_jobs_session_created_idx').on(t.sessionId, t.createdAt.desc().nullsFirst()),
    index('build_jobs_project_created_idx').on(t.projectId, t.createdAt.desc().nullsFirst()),
    // The timeout cron looks only at unfinished jobs.
    index('build_jobs_unfinished_updated_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} in ('queued', 'started', 'progress')`),
  ],
);

export type FunctionCall = typeof functionCalls.$inferSelect;
export type NewFunctionCall = typeof functionCalls.$inferInsert;
export type Telemetry = typeof telemetry.$inferSelect;
export type NewTelemetry = typeof telemetry.$inferInsert;
export type Usage = typeof usage.$inferSelect;
export type NewUsage = typeof usage.$inferInsert;
export type Preview = typeof previews.$inferSelect;
export type NewPreview = typeof previews.$inferInsert;
export type GeneratedScript = typeof generatedScripts.$inferSelect;
export type NewGeneratedScript = typeof generatedScripts.$inferInsert;
export type BuildJob = typeof buildJobs.$inferSelect;
export type NewBuildJob = typeof buildJobs.$inferInsert;
export type BuildStatus = (typeof buildStatus.enumValues)[number];
