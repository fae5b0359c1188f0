// A scripted day of Unity work (ops, failures, builds, previews, model usage) stored through the
// consumer's own path, and the dashboard numbers it must give, worked out by hand below.
import { sql } from 'drizzle-orm';
import type { EventQueueMessage, SparkEventV1 } from '../../contracts/event';
import type { Db } from '../../db/client';
import { persistEvents } from '../../workers/persist-events';

export interface ScriptedSessions {
  /** Two Spark sessions of the project (ids from POST …/sessions). */
  a: string;
  b: string;
}

/**
 * Today (UTC) unless noted, in session A then B:
 * - calls: c1 generate_script started, then succeeded in 100 ms (reported by the agent AND the
 *   edge: one call); c2 generate_script ok 300; c3 run_build failed 2000; c4 render_preview timeout
 *   5000; c5 generate_script started, never finished; in B d1 generate_script ok 200, d2
 *   render_preview ok 50.
 * - previews: completed ×2 and failed ×1 today, completed ×1 yesterday.
 * - usage: anthropic/claude-x 1000 in, 200 out, $0.012, twice today; openai/gpt-y 500 in, 50 out,
 *   $0.001 yesterday (in session B).
 * - builds: b1 started → completed, b2 started → failed, b3 started.
 * - queue: the edge accepted all 21 events 10 minutes ago (or at today's start, just past
 *   midnight); the n-th of them (1..21) waited n × 100 ms until stored.
 */
export async function scriptSession(db: Db, projectId: string, s: ScriptedSessions, nowMs = Date.now()): Promise<number> {
  const now = nowMs / 1000;
  // Yesterday noon, or today's start when "now" is just past midnight (keeps "today" events today).
  const dayStart = Math.floor(now / 86_400) * 86_400;
  const yesterday = dayStart - 12 * 3600;
  const t = (secondsAgo: number) => Math.max(dayStart + 1, now - secondsAgo);
  const receivedAt = Math.round(t(600) * 1000);
  const ev = (session: string, type: string, kind: SparkEventV1['kind'], ts: number, payload: Record<string, unknown>, source = 'agent'): EventQueueMessage => ({
    projectId,
    receivedAt,
    event: { v: 1, id: crypto.randomUUID(), type, kind, source, ts, session_id: session, payload: payload as SparkEventV1['payload'] },
  });
  const call = (session: string, callId: string, name: string, status: string, latency: number | null, at: number, source = 'agent') =>
    ev(session, 'tool.call', 'tool', at, {
      call_id: callId,
      name,
      status,
      ...(latency !== null ? { latency_ms: latency, completed_at: at } : { started_at: at }),
      ...(status === 'failed' ? { error: 'build_failed: compiler errors' } : {}),
    }, source);
  const usage = (session: string, ts: number, provider: string, model: string, input: number, output: number, cost: number) =>
    ev(session, 'usage.llm', 'system', ts, { provider, model, input_tokens: input, output_tokens: output, cost_usd: cost });
  // Build events in the shapes the agent sends (contracts/event-catalog.ts): others are stored but never projected.
  const buildCalls = new Map<string, string>();
  const buildCall = (key: string) => buildCalls.get(key) ?? buildCalls.set(key, crypto.randomUUID()).get(key)!;
  const buildPayload = (call_id: string, status: string) =>
    status === 'started'
      ? { call_id, target: 'StandaloneLinux64', development: false }
      : status === 'completed'
        ? { call_id, jobId: 'build-0123456789', target: 'StandaloneLinux64', artifact: null, duration_ms: 10_000 }
        : { call_id, jobId: 'build-0123456789', target: 'StandaloneLinux64', error: { code: 'build_failed', message: 'compiler errors' } };
  const build = (key: string, status: string, ts: number) => ev(s.a, `build.${status}`, 'system', ts, buildPayload(buildCall(key), status));

  const messages = [
    call(s.a, 'c1', 'generate_script', 'started', null, t(120)),
    call(s.a, 'c1', 'generate_script', 'succeeded', 100, t(119.9)),
    call(s.a, 'c1', 'generate_script', 'succeeded', 100, t(119.8), 'edge'),
    call(s.a, 'c2', 'generate_script', 'succeeded', 300, t(110)),
    call(s.a, 'c3', 'run_build', 'failed', 2000, t(100)),
    call(s.a, 'c4', 'render_preview', 'timeout', 5000, t(90)),
    call(s.a, 'c5', 'generate_script', 'started', null, t(60)),
    call(s.b, 'd1', 'generate_script', 'succeeded', 200, t(80)),
    call(s.b, 'd2', 'render_preview', 'succeeded', 50, t(70)),
    ev(s.a, 'preview.completed', 'system', t(50), { width: 640, height: 360 }),
    ev(s.a, 'preview.completed', 'system', t(49), { width: 640, height: 360 }),
    ev(s.b, 'preview.failed', 'system', t(48), { error: { code: 'unity_error', message: 'no camera' } }),
    ev(s.a, 'preview.completed', 'system', yesterday, { width: 320, height: 180 }),
    usage(s.a, t(40), 'anthropic', 'claude-x', 1000, 200, 0.012),
    usage(s.b, t(39), 'anthropic', 'claude-x', 1000, 200, 0.012),
    usage(s.b, yesterday + 1, 'openai', 'gpt-y', 500, 50, 0.001),
    build('b1', 'started', t(30)),
    build('b1', 'completed', t(20)),
    build('b2', 'started', t(29)),
    build('b2', 'failed', t(19)),
    build('b3', 'started', t(10)),
  ];
  const { inserted } = await persistEvents(db, messages);
  // The consumer stores the batch at one instant (Postgres's now()); known waits are set here, still
  // before now and before any rollup has read these rows.
  const waits = messages.map((m, i) => ({ id: m.event.id, wait_ms: (i + 1) * 100 }));
  await db.execute(sql`
    update spark_events e set stored_at = e.received_at + make_interval(secs => w.wait_ms / 1000.0)
    from jsonb_to_recordset(${JSON.stringify(waits)}::jsonb) as w(id uuid, wait_ms int)
    where e.project_id = ${projectId} and e.id = w.id`);
  return inserted;
}

/** What the dashboard must show for the script above (range: the default last 7 days). */
export const expectedPanels = {
  preview: { completed: 3, failed: 1, success_rate: 0.75, today: { completed: 2, failed: 1 }, yesterday: { completed: 1, failed: 0 } },
  // percentile_disc(0.95): generate_script [100, 200, 300] → 300; render_preview [50, 5000] → 5000.
  latency: [
    { tool: 'render_preview', calls: 2, p95_ms: 5000 },
    { tool: 'run_build', calls: 1, p95_ms: 2000 },
    { tool: 'generate_script', calls: 3, p95_ms: 300 },
  ],
  // c1's two end reports are one call; a timeout is a failure.
  errors: [
    { tool: 'render_preview', calls: 2, failures: 1, error_rate: 0.5 },
    { tool: 'run_build', calls: 1, failures: 1, error_rate: 1 },
    { tool: 'generate_script', calls: 3, failures: 0, error_rate: 0 },
  ],
  inFlightNow: 1, // c5
  slowest: [
    { session: 'a', calls: 4, p95_ms: 5000, max_ms: 5000 },
    { session: 'b', calls: 2, p95_ms: 200, max_ms: 200 },
  ],
  functionCalls: { succeeded: 4, failed: 1, timeout: 1, started: 1, success_rate: 4 / 6 },
  usage: {
    models: [
      { provider: 'anthropic', model: 'claude-x', requests: 2, input_tokens: 2000, output_tokens: 400, cost_usd: 0.024 },
      { provider: 'openai', model: 'gpt-y', requests: 1, input_tokens: 500, output_tokens: 50, cost_usd: 0.001 },
    ],
    total: { requests: 3, input_tokens: 2500, output_tokens: 450, cost_usd: 0.025 },
  },
  sessions: { activeNow: 2, today: 2, yesterday: 2 },
  builds: [
    { status: 'completed', jobs: 1 },
    { status: 'failed', jobs: 1 },
    { status: 'started', jobs: 1 },
  ],
  // 100 + 200 + … + 2100 ms, all received today.
  queue: { events: 21, waitMsSum: 23_100, maxWaitMs: 2_100 },
};
