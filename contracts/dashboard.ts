// The project dashboard: its query (a range of UTC days) and the panels it answers. The edge
// validates with these, the OpenAPI document and the web page's types come from them.
import { z } from 'zod';

/** The longest range one request may ask for, in days. */
export const MAX_DASHBOARD_DAYS = 400;
/** Days shown when the query names none: the last week, today included. */
export const DEFAULT_DASHBOARD_DAYS = 7;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const utcDay = (what: string) =>
  z
    .string()
    .regex(DAY, `${what} must be a day, YYYY-MM-DD`)
    .refine((s) => {
      const t = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
    }, `${what} must be a real calendar day`);

/** `from` and `to` are UTC days, both included; either may be left out. */
export const dashboardQuery = z
  .object({ from: utcDay('from').optional(), to: utcDay('to').optional() })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must not be after to' });
    if (q.from && q.to && daysBetween(q.from, q.to) + 1 > MAX_DASHBOARD_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range must be at most ${MAX_DASHBOARD_DAYS} days` });
    }
  });
export type DashboardQuery = z.infer<typeof dashboardQuery>;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The range a query means: missing ends default to the last DEFAULT_DASHBOARD_DAYS days up to `today`. */
export function dashboardRange(q: DashboardQuery, today: string): { from: string; to: string } {
  const to = q.to ?? (q.from && q.from > today ? q.from : today);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DASHBOARD_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/** A share in [0, 1], or null when there was nothing to divide. */
const rate = z.number().min(0).max(1).nullable();
const count = z.number().int().nonnegative();

const queueStats = z.object({ events: count, avg_waiting: z.number().nonnegative(), max_wait_ms: z.number().nonnegative() });

export const dashboardView = z.object({
  range: z.object({ from: z.string(), to: z.string() }),
  generated_at: z.string(),
  /** Rollup-backed panels count events stored before this instant (the rollup watermark). */
  rolled_up_to: z.string().nullable(),
  /** `preview.completed` against `preview.failed` events (rollups). */
  preview: z.object({
    completed: count,
    failed: count,
    success_rate: rate,
    days: z.array(z.object({ day: z.string(), completed: count, failed: count })),
  }),
  /** 95th percentile (nearest rank) of finished calls' latency, per tool (function calls finished in the range). */
  latency: z.array(z.object({ tool: z.string(), calls: count, p95_ms: z.number().int().nonnegative() })),
  /** Finished calls and failures (failed or timeout) per tool (rollups). */
  errors: z.array(z.object({ tool: z.string(), calls: count, failures: count, error_rate: rate })),
  /** Operations started and not yet finished at the end of each bucket. */
  in_flight: z.object({
    bucket: z.enum(['hour', 'day']),
    points: z.array(z.object({ at: z.string(), ops: count })),
  }),
  /**
   * The event queue (edge → consumer → Postgres), from the hourly rollup: per bucket (its start,
   * `at`) and over the whole range, the events the edge accepted, the average number waiting to be
   * stored (their total wait over the time that has passed: Little's law) and the longest wait.
   */
  queue_depth: z.object({
    bucket: z.enum(['hour', 'day']),
    points: z.array(queueStats.extend({ at: z.string() })),
    total: queueStats,
  }),
  /** The 10 sessions whose finished calls had the highest p95 latency. */
  slowest_sessions: z.array(
    z.object({ session_id: z.string(), name: z.string().nullable(), calls: count, p95_ms: count, max_ms: count }),
  ),
  /** Function calls by final status (started: not finished yet), and succeeded / finished. */
  function_calls: z.object({ succeeded: count, failed: count, timeout: count, started: count, success_rate: rate }),
  /** Tokens and cost per model (rollups of `usage.*` events). */
  usage: z.object({
    models: z.array(
      z.object({ provider: z.string(), model: z.string(), requests: count, input_tokens: count, output_tokens: count, cost_usd: z.number() }),
    ),
    days: z.array(z.object({ day: z.string(), input_tokens: count, output_tokens: count, cost_usd: z.number() })),
    total: z.object({ requests: count, input_tokens: count, output_tokens: count, cost_usd: z.number() }),
  }),
  /** Sessions with events on each day (rollups), and Spark sessions in state `active` now. */
  sessions: z.object({ active_now: count, days: z.array(z.object({ day: z.string(), sessions: count })) }),
  /** Build jobs created in the range, by status. */
  builds: z.array(z.object({ status: z.string(), jobs: count })),
});
export type DashboardView = z.infer<typeof dashboardView>;
