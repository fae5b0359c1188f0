// Activity digests: the period a digest covers, the facts computed from stored events (never by a
// model), the views the API answers, and the Markdown a digest is read and sent as. Rendering is
// pure, so it is tested without a database.
import { z } from 'zod';
import { DIGEST_HIGHLIGHTS_STATUSES, DIGEST_PERIODS, OUTGOING_DELIVERY_STATUSES, type DigestPeriod } from './enums';

export const digestPeriod = z.enum(DIGEST_PERIODS, { error: `period must be one of ${DIGEST_PERIODS.join(', ')}` });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isRealDay = (s: string) => {
  const t = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
};
export const utcDay = z.string({ error: 'date must be a day, YYYY-MM-DD' }).regex(DAY, 'date must be a day, YYYY-MM-DD').refine(isRealDay, 'date must be a real calendar day');

/** `date` is any day inside the period; it defaults to today (UTC). */
export const createDigestBody = z.strictObject({ period: digestPeriod, date: utcDay.optional() });
export type CreateDigestBody = z.infer<typeof createDigestBody>;

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The UTC days a period covers: `start` and `end` both included, `until` the exclusive bound. */
export interface DigestWindow {
  period: DigestPeriod;
  start: string;
  end: string;
  /** `end` + 1 day: events before midnight of that day belong to the period. */
  until: string;
}

/** The period of `period` that contains `day`: that day, its ISO week (from Monday) or its month. */
export function digestWindow(period: DigestPeriod, day: string): DigestWindow {
  const t = msOf(day);
  let start: number;
  let until: number;
  if (period === 'daily') {
    start = t;
    until = t + DAY_MS;
  } else if (period === 'weekly') {
    const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
    start = t - weekday * DAY_MS;
    until = start + 7 * DAY_MS;
  } else {
    const d = new Date(t);
    start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    until = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return { period, start: dayOf(start), end: dayOf(until - DAY_MS), until: dayOf(until) };
}

/**
 * The periods that ended at the last midnight before `now` and that the daily cron makes: always
 * yesterday; last week on Mondays; last month on the 1st.
 */
export function duePeriods(now: Date): DigestWindow[] {
  const yesterday = dayOf(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - DAY_MS);
  const due = [digestWindow('daily', yesterday)];
  if (now.getUTCDay() === 1) due.push(digestWindow('weekly', yesterday));
  if (now.getUTCDate() === 1) due.push(digestWindow('monthly', yesterday));
  return due;
}

/** Every day of a window, in order. */
export function daysOfWindow(w: Pick<DigestWindow, 'start' | 'until'>): string[] {
  const out: string[] = [];
  for (let t = msOf(w.start); t < msOf(w.until); t += DAY_MS) out.push(dayOf(t));
  return out;
}

const count = z.int().nonnegative();

/** What happened in the period, each number counted from stored events (see db/queries/digests.ts). */
export const digestFacts = z.object({
  events: count,
  commits: z.object({ total: count, per_day: z.array(z.object({ day: z.string(), commits: count })) }),
  contributors: z.array(z.object({ name: z.string(), commits: count })),
  pull_requests: z.object({ opened: count, merged: count }),
  ci_runs: z.object({ total: count, by_conclusion: z.array(z.object({ conclusion: z.string(), runs: count })) }),
  deploys: z.object({ total: count, by_outcome: z.array(z.object({ outcome: z.string(), deploys: count })) }),
  spark_operations: z.object({ total: count, failed: count, by_type: z.array(z.object({ op: z.string(), total: count, failed: count })) }),
  builds: z.object({ total: count, by_status: z.array(z.object({ status: z.string(), builds: count })) }),
  most_changed_files: z.array(z.object({ path: z.string(), changes: count })),
  active_sessions: z.object({ total: count, sessions: z.array(z.object({ id: z.string(), name: z.string().nullable(), events: count })) }),
});
export type DigestFacts = z.infer<typeof digestFacts>;

/** The optional model-written paragraph; a digest always says which of the three it got. */
export const digestHighlights = z.object({
  status: z.enum(DIGEST_HIGHLIGHTS_STATUSES),
  text: z.string().nullable(),
  model: z.string().nullable(),
  /** Why there is none (the model was slow or down), for `unavailable`. */
  reason: z.string().nullable(),
});
export type DigestHighlights = z.infer<typeof digestHighlights>;

export const digestSummary = z.object({
  id: z.uuid(),
  period: digestPeriod,
  start: z.string(),
  end: z.string(),
  trigger: z.enum(['cron', 'manual']),
  created_at: z.string(),
  updated_at: z.string(),
});
export const digestView = digestSummary.extend({
  project_id: z.uuid(),
  facts: digestFacts,
  highlights: digestHighlights,
  markdown: z.string(),
});
export type DigestView = z.infer<typeof digestView>;

// ── outgoing webhooks ──────────────────────────────────────────────────────────────────────────
export const MAX_OUTGOING_URL_LEN = 2048;
export const MAX_OUTGOING_WEBHOOKS = 10;
export const createOutgoingWebhookBody = z.strictObject({
  url: z.string({ error: 'url is required' }).max(MAX_OUTGOING_URL_LEN, `url must be at most ${MAX_OUTGOING_URL_LEN} characters`),
});
export const outgoingWebhookView = z.object({ id: z.uuid(), url: z.string(), created_at: z.string() });
/** Answered once, at creation: the receiver's verifying secret is never shown again. */
export const createdOutgoingWebhookView = outgoingWebhookView.extend({ secret: z.string() });

export const deliveryAttemptView = z.object({
  attempt: z.int().positive(),
  at: z.string(),
  status_code: z.int().nullable(),
  error: z.string().nullable(),
  duration_ms: count,
});
export const digestDeliveryView = z.object({
  id: z.uuid(),
  digest_id: z.uuid(),
  webhook_id: z.uuid(),
  url: z.string(),
  status: z.enum(OUTGOING_DELIVERY_STATUSES),
  next_attempt_at: z.string().nullable(),
  attempts: z.array(deliveryAttemptView),
});

/** The event type a digest is sent as, and its body (Standard Webhooks' recommended envelope). */
export const DIGEST_WEBHOOK_TYPE = 'spark.digest.created';
export function digestWebhookBody(d: DigestView, sentAt: Date) {
  return { type: DIGEST_WEBHOOK_TYPE, timestamp: sentAt.toISOString(), data: d };
}

// ── Markdown ───────────────────────────────────────────────────────────────────────────────────
const PERIOD_TITLE: Record<DigestPeriod, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' };
/** Table cells: pipes and line breaks would break a row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const table = (head: string[], rows: (string | number)[][]) =>
  rows.length === 0 ? [] : [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((v) => cell(String(v))).join(' | ')} |`), ''];
const none = (what: string) => [`No ${what}.`, ''];

/** The digest as Markdown: every fact stated, then the Highlights paragraph or why there is none. */
export function renderDigestMarkdown(d: { projectName: string; window: Pick<DigestWindow, 'period' | 'start' | 'end'>; facts: DigestFacts; highlights: DigestHighlights }): string {
  const { facts: f, window: w, highlights: h } = d;
  const range = w.start === w.end ? w.start : `${w.start} to ${w.end}`;
  const out: string[] = [`# ${PERIOD_TITLE[w.period]} digest: ${cell(d.projectName)}`, '', `${range} (UTC). ${f.events} events.`, ''];

  out.push('## Highlights', '');
  if (h.status === 'written' && h.text) out.push(h.text.trim(), '', `_Written by ${h.model ?? 'a model'} from the facts below._`, '');
  else if (h.status === 'unavailable') out.push(`Highlights unavailable: ${h.reason ?? 'the model did not answer'}.`, '');
  else out.push('Highlights not configured (no DIGEST_LLM_URL / DIGEST_LLM_MODEL).', '');

  out.push('## Commits', '', `Commits: ${f.commits.total}`, '');
  if (f.commits.total > 0) out.push(...table(['Day', 'Commits'], f.commits.per_day.map((p) => [p.day, p.commits])));
  out.push('### Contributors', '');
  out.push(...(f.contributors.length ? table(['Contributor', 'Commits'], f.contributors.map((c) => [c.name, c.commits])) : none('commits')));

  out.push('## Pull requests', '', `Opened: ${f.pull_requests.opened}`, `Merged: ${f.pull_requests.merged}`, '');

  out.push('## CI runs', '', `CI runs: ${f.ci_runs.total}`, '');
  out.push(...table(['Conclusion', 'Runs'], f.ci_runs.by_conclusion.map((c) => [c.conclusion, c.runs])));

  out.push('## Deploys', '', `Deploys: ${f.deploys.total}`, '');
  out.push(...table(['Outcome', 'Deploys'], f.deploys.by_outcome.map((c) => [c.outcome, c.deploys])));

  out.push('## Spark operations', '', `Operations: ${f.spark_operations.total} (failed: ${f.spark_operations.failed})`, '');
  out.push(...table(['Operation', 'Total', 'Failed'], f.spark_operations.by_type.map((o) => [o.op, o.total, o.failed])));

  out.push('## Builds', '', `Builds: ${f.builds.total}`, '');
  out.push(...table(['Status', 'Builds'], f.builds.by_status.map((b) => [b.status, b.builds])));

  out.push('## Most-changed files', '');
  out.push(...(f.most_changed_files.length ? table(['File', 'Changes'], f.most_changed_files.map((x) => [`\`${x.path}\``, x.changes])) : none('file changes')));

  out.push('## Active sessions', '', `Active sessions: ${f.active_sessions.total}`, '');
  out.push(...table(['Session', 'Events'], f.active_sessions.sessions.map((s) => [s.name ?? s.id, s.events])));

  return `${out.join('\n').trimEnd()}\n`;
}

/** What the model is told: the facts alone, and to invent nothing. */
export function highlightsPrompt(d: { projectName: string; window: Pick<DigestWindow, 'period' | 'start' | 'end'>; facts: DigestFacts }) {
  return [
    {
      role: 'system' as const,
      content:
        'You write the "Highlights" paragraph of a software project activity digest. Use only the facts given as JSON; do not invent numbers, names or causes. One paragraph of at most 120 words, plain prose, no headings or lists.',
    },
    { role: 'user' as const, content: JSON.stringify({ project: d.projectName, period: d.window.period, start: d.window.start, end: d.window.end, facts: d.facts }) },
  ];
}
