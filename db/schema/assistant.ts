// The assistant: a project's settings, its runs (one request each) and the messages kept with the session.
import { bigserial, boolean, index, integer, jsonb, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { AssistantRunState } from '../../contracts/assistant';
import { projects } from './identity';
import { projectRef } from './columns';
import { sessions } from './sessions';

export const assistantSettings = pgTable('assistant_settings', {
  projectId: uuid('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(true),
  monthlyBudgetUsd: numeric('monthly_budget_usd', { mode: 'number' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const assistantRuns = pgTable(
  'assistant_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    state: text('state').$type<AssistantRunState>().notNull().default('running'),
    /** Set by POST …/stop; the run reads it between steps and while it waits. */
    stopRequested: boolean('stop_requested').notNull().default(false),
    /** The destructive tool call waiting for the person, and their answer once given. */
    pendingToolCallId: text('pending_tool_call_id'),
    decision: boolean('decision'),
    steps: integer('steps').notNull().default(0),
    costUsd: numeric('cost_usd', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('assistant_runs_project_created_idx').on(t.projectId, t.createdAt), index('assistant_runs_session_idx').on(t.sessionId)],
);

export const assistantMessages = pgTable(
  'assistant_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => assistantRuns.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    role: text('role').$type<'user' | 'assistant' | 'tool'>().notNull(),
    content: text('content'),
    toolCalls: jsonb('tool_calls').$type<{ id: string; name: string; arguments: string }[]>(),
    toolCallId: text('tool_call_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('assistant_messages_session_idx').on(t.sessionId, t.id), index('assistant_messages_run_idx').on(t.runId)],
);
