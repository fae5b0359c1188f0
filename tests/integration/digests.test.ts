// Issue 11, digests: a week of repository and Spark activity with known totals → the weekly
// digest's facts equal them and its Markdown states them; a model behind an OpenAI-compatible
// endpoint writes the Highlights, and without it the digest still comes out (and says so);
// outgoing webhooks get the digest signed (verified here by the `standardwebhooks` library),
// retried after a failure, with every attempt listed; the daily cron makes due digests once.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRON_DAILY, CRON_FREQUENT } from '../../workers/cron';
import { eventually, userWithProject } from '../support/api';
import { aroundTheWeek, WEEK, weekOfActivity } from '../support/repo-activity';
import { startScriptedLlm } from '../support/scripted-llm';
import { startTcpProxy } from '../support/tcp-proxy';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

const HIGHLIGHTS = 'A busy week: 57 commits from four people, six pull requests opened and four merged.';

interface Received {
  headers: Record<string, string>;
  body: string;
  answered: number;
}

/** A receiver of digests: answers `answers` in turn (then 204), keeping what it got. */
async function startReceiver(answers: number[]) {
  const got: Received[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    for await (const chunk of req) body += chunk;
    const answered = answers.shift() ?? 204;
    got.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, answered });
    res.writeHead(answered).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/digests`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('digests', () => {
  let env: WorkerWithDb;
  let llm: Awaited<ReturnType<typeof startScriptedLlm>>;
  let llmProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let activity: ReturnType<typeof weekOfActivity>;

  beforeAll(async () => {
    llm = await startScriptedLlm(() => ({ text: HIGHLIGHTS, usage: { prompt_tokens: 100, completion_tokens: 20 } }));
    const llmPort = Number(new URL(llm.url).port);
    // The model is reached through a proxy the test can take down: a stopped model server.
    llmProxy = await startTcpProxy({ host: '127.0.0.1', port: llmPort }, { whenDown: 'refuse' });
    receiver = await startReceiver([500]);
    env = await startWorkerWithDb('digests', {
      vars: {
        DIGEST_LLM_URL: `http://127.0.0.1:${llmProxy.port}`,
        DIGEST_LLM_MODEL: 'digest-model',
        DIGEST_LLM_TIMEOUT_SECONDS: '5',
        OUTGOING_WEBHOOKS_ALLOW_LOOPBACK: 'on',
        OUTGOING_WEBHOOK_RETRY_BASE_SECONDS: '1',
      },
    });
    user = await userWithProject(env.worker.url, 'digests');
    const sessions = await Promise.all(['level-1', 'level-2'].map((name) => user.api.post(`/api/projects/${user.projectId}/sessions`, { name })));
    const [a, b] = sessions.map((s) => ({ id: s.body.id as string, name: s.body.name as string }));
    activity = weekOfActivity([a!, b!]);
    const ndjson = [...activity.events, ...aroundTheWeek()].map((e) => JSON.stringify(e)).join('\n');
    const res = await fetch(`${env.worker.url}/api/projects/${user.projectId}/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/x-ndjson' },
      body: ndjson,
    });
    const report = (await res.json()) as { imported: number; rejected: number };
    expect(res.status, JSON.stringify(report)).toBe(200);
    expect(report).toMatchObject({ imported: activity.events.length + 2, rejected: 0 });
  }, 120_000);

  afterAll(async () => {
    await env?.dispose();
    await receiver?.close();
    await llmProxy?.close();
    await llm?.close();
  });

  const digestsPath = () => `/api/projects/${user.projectId}/digests`;

  it('refuses a bad period, date or receiver URL, naming the field, and stores nothing', async () => {
    const cases: [string, unknown, string][] = [
      [digestsPath(), { period: 'hourly', date: '2026-11-18' }, 'period'],
      [digestsPath(), { period: 'weekly', date: '2026-02-30' }, 'date'],
      [digestsPath(), { period: 'weekly', date: '18/11/2026' }, 'date'],
      [digestsPath(), { period: 'daily', date: '2999-01-01' }, 'date'],
      [`/api/projects/${user.projectId}/outgoing-webhooks`, { url: 'ftp://example.com/x' }, 'url'],
      [`/api/projects/${user.projectId}/outgoing-webhooks`, { url: 'not a url' }, 'url'],
      [`/api/projects/${user.projectId}/outgoing-webhooks`, { url: 'http://10.0.0.8/hook' }, 'url'],
      [`/api/projects/${user.projectId}/outgoing-webhooks`, { url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
    ];
    for (const [path, body, field] of cases) {
      const res = await user.api.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.path, JSON.stringify(res.body)).toBe(field);
      expect(res.body.error.message).toMatch(new RegExp(field));
    }
    expect((await env.sql`select count(*)::int as n from digests`)[0]!.n).toBe(0);
    expect((await env.sql`select count(*)::int as n from outgoing_webhooks`)[0]!.n).toBe(0);
    expect((await user.api.get(`${digestsPath()}/not-a-digest`)).status).toBe(404);
  });

  let secret: string;
  let webhookId: string;

  it('registers a receiver and shows its whsec_ secret once', async () => {
    const created = await user.api.post(`/api/projects/${user.projectId}/outgoing-webhooks`, { url: receiver.url });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    secret = created.body.secret;
    webhookId = created.body.id;
    const list = await user.api.get(`/api/projects/${user.projectId}/outgoing-webhooks`);
    expect(list.body.items).toEqual([{ id: webhookId, url: receiver.url, created_at: created.body.created_at }]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const [row] = await env.sql`select secret_sealed from outgoing_webhooks where id = ${webhookId}`;
    expect(row!.secret_sealed).not.toContain(secret.slice(6));
  });

  let weeklyId: string;

  it("the weekly digest's facts equal the week's known totals, its Markdown states them, and the model wrote its Highlights", async () => {
    const res = await user.api.post(digestsPath(), { period: 'weekly', date: '2026-11-18' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const d = res.body;
    weeklyId = d.id;
    expect(d).toMatchObject({ period: 'weekly', start: WEEK.start, end: WEEK.end, trigger: 'manual' });
    expect(d.facts).toEqual(activity.expected);
    expect(d.highlights).toEqual({ status: 'written', text: HIGHLIGHTS, model: 'digest-model', reason: null });

    const f = activity.expected;
    const md: string = d.markdown;
    expect(md).toContain(`# Weekly digest: digests's game`);
    expect(md).toContain(`${WEEK.start} to ${WEEK.end} (UTC). ${f.events} events.`);
    expect(md).toContain(`## Highlights\n\n${HIGHLIGHTS}`);
    expect(md).toContain('Commits: 57');
    for (const day of f.commits.per_day) expect(md).toContain(`| ${day.day} | ${day.commits} |`);
    for (const c of f.contributors) expect(md).toContain(`| ${c.name} | ${c.commits} |`);
    expect(md).toContain('Opened: 6\nMerged: 4');
    expect(md).toContain('CI runs: 13');
    expect(md).toContain('| success | 9 |\n| failure | 3 |\n| cancelled | 1 |');
    expect(md).toContain('Deploys: 3');
    expect(md).toContain('| succeeded | 2 |\n| failed | 1 |');
    expect(md).toContain('Operations: 10 (failed: 3)');
    expect(md).toContain('| apply_patch | 5 | 2 |');
    expect(md).toContain('Builds: 4');
    expect(md).toContain('| `src/game.ts` | 57 |');
    expect(md).toContain('| `Assets/Scripts/Player.cs` | 3 |');
    expect(md).toContain('Active sessions: 2');
    expect(md).toContain('| level-1 | 9 |');

    // The model was given the facts and nothing else.
    const asked = llm.requests.at(-1)!.body;
    expect(asked.model).toBe('digest-model');
    expect(JSON.parse(asked.messages.at(-1)!.content!)).toEqual({ project: "digests's game", period: 'weekly', start: WEEK.start, end: WEEK.end, facts: f });

    const got = await user.api.get(`${digestsPath()}/${weeklyId}`);
    expect(got.body).toEqual(d);
    const list = await user.api.get(digestsPath());
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([weeklyId]);
  });

  it('downloads the digest as Markdown', async () => {
    const res = await fetch(`${env.worker.url}${digestsPath()}/${weeklyId}?format=markdown`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="spark-weekly-digest-${WEEK.start}.md"`);
    expect(await res.text()).toBe((await user.api.get(`${digestsPath()}/${weeklyId}`)).body.markdown);
  });

  it('sends the digest signed with Standard Webhooks; a receiver that failed first gets it again, every attempt listed', async () => {
    const deliveries = () => user.api.get(`${digestsPath()}/${weeklyId}/deliveries`);
    // The first attempt (after the answer) got a 500; the frequent cron retries once the backoff is over.
    await eventually(async () => (await deliveries()).body.items[0]?.attempts.length >= 1);
    const w = await env.worker.mf.getWorker();
    const delivered = await eventually(async () => {
      await w.scheduled({ cron: CRON_FREQUENT, scheduledTime: new Date() });
      const items = (await deliveries()).body.items;
      return items[0]?.status === 'delivered' ? items : null;
    }, 30_000, 500);
    expect(delivered).toHaveLength(1);
    const [delivery] = delivered;
    expect(delivery).toMatchObject({ webhook_id: webhookId, url: receiver.url, status: 'delivered', next_attempt_at: null });
    expect(delivery.attempts.map((a: { attempt: number; status_code: number; error: string | null }) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 500, null],
      [2, 204, null],
    ]);

    expect(receiver.got.map((g) => g.answered)).toEqual([500, 204]);
    const hook = new Webhook(secret);
    for (const g of receiver.got) {
      const verified = hook.verify(g.body, g.headers) as { type: string; data: { id: string; facts: unknown; markdown: string } };
      expect(verified.type).toBe('spark.digest.created');
      expect(verified.data.id).toBe(weeklyId);
      expect(verified.data.facts).toEqual(activity.expected);
    }
    // One message, retried: the same webhook-id both times, the delivery's id.
    expect(new Set(receiver.got.map((g) => g.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    // A body changed on the way is refused by the receiver's library.
    expect(() => hook.verify(receiver.got[1]!.body.replace('"weekly"', '"daily"'), receiver.got[1]!.headers)).toThrow();
  });

  it('with the model server stopped the digest still comes out and arrives, saying the highlights are unavailable', async () => {
    llmProxy.down();
    const before = receiver.got.length;
    const res = await user.api.post(digestsPath(), { period: 'daily', date: '2026-11-20' });
    expect(res.status).toBe(201);
    expect(res.body.highlights).toMatchObject({ status: 'unavailable', text: null, model: 'digest-model' });
    expect(res.body.highlights.reason).toMatch(/could not be reached|did not answer/);
    expect(res.body.markdown).toContain('Highlights unavailable:');
    expect(res.body.facts.commits.total).toBe(10); // Friday: five pushes of two
    const arrived = await eventually(async () => receiver.got.slice(before).find((g) => g.answered === 204));
    const verified = new Webhook(secret).verify(arrived.body, arrived.headers) as { data: { id: string; highlights: { status: string } } };
    expect(verified.data).toMatchObject({ id: res.body.id, highlights: { status: 'unavailable' } });
    await llmProxy.up();
  });

  it('the daily cron makes the digests due that day once; a rerun makes none again', async () => {
    const w = await env.worker.mf.getWorker();
    // The 1st of December: yesterday (no events) and November (the week and the two events around it).
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date('2026-12-01T03:17:00Z') });
    const monthly = await env.sql`select id, period_start::text, period_end::text, trigger, content from digests where period = 'monthly'`;
    expect(monthly).toHaveLength(1);
    expect(monthly[0]).toMatchObject({ period_start: '2026-11-01', period_end: '2026-11-30', trigger: 'cron' });
    expect(monthly[0]!.content.commits.total).toBe(57 + 2);
    const count = async () => (await env.sql`select count(*)::int as n from digests`)[0]!.n as number;
    const afterDecember = await count();
    // Monday 23 November: the week's digest exists already (made on request) and is kept; Sunday's daily is new.
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date('2026-11-23T03:17:00Z') });
    expect(await count()).toBe(afterDecember + 1);
    expect(await env.sql`select 1 from digests where period = 'daily' and period_start = '2026-11-22' and trigger = 'cron'`).toHaveLength(1);
    expect((await env.sql`select trigger from digests where period = 'weekly'`)[0]!.trigger).toBe('manual');
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date('2026-11-23T03:17:00Z') });
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date('2026-12-01T03:17:00Z') });
    expect(await count()).toBe(afterDecember + 1);
    // Each digest reached the receiver once (its deliveries are not queued twice).
    const dup = await env.sql`select digest_id, count(*)::int as n from digest_deliveries group by digest_id having count(*) > 1`;
    expect(dup).toHaveLength(0);
  });

  it('removes a receiver', async () => {
    expect((await user.api.delete(`/api/projects/${user.projectId}/outgoing-webhooks/${webhookId}`)).status).toBe(204);
    expect((await user.api.get(`/api/projects/${user.projectId}/outgoing-webhooks`)).body.items).toEqual([]);
    expect((await user.api.delete(`/api/projects/${user.projectId}/outgoing-webhooks/${webhookId}`)).status).toBe(404);
    const trail = await env.sql`select action, target from audit_log where project_id = ${user.projectId} and action like 'outgoing_webhook.%' order by created_at`;
    expect(trail.map((r) => [r.action, r.target])).toEqual([
      ['outgoing_webhook.created', webhookId],
      ['outgoing_webhook.deleted', webhookId],
    ]);
  });
});
