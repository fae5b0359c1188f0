import { randomUUID } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import examples from '@octokit/webhooks-examples';
import postgres from 'postgres';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { CRON_DAILY, runCron } from '../../workers/cron';
import { eventually, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';
import type { TestDatabase } from '../support/test-db';

// Issue 10 items 1-3, end to end: the real Worker in workerd, real Postgres, real local queue.
// Deliveries are signed with the senders' own libraries over GitHub's published example payloads.
const example = (name: string, action?: string) => {
  const group = examples.find((e) => e.name === name)!;
  return (action ? group.examples.find((x) => (x as { action?: string }).action === action) : group.examples[0]) as Record<string, any>;
};

describe('webhooks', () => {
  let h: WorkerWithDb;
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    h = await startWorkerWithDb('webhooks');
    ({ worker, sql, db } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  async function source(provider: 'github' | 'gitlab' | 'standard', secret?: string) {
    const u = await userWithProject(worker.url, provider);
    const created = await u.api.post(`/api/projects/${u.projectId}/webhooks`, { name: `${provider} hook`, provider, ...(secret ? { secret } : {}) });
    expect(created.status).toBe(201);
    return { ...u, hook: created.body as { id: string; url: string; secret: string; provider: string } };
  }
  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const json = async (r: Response) => (await r.json()) as any;
  const eventsOf = (projectId: string) => sql`select id, type, source, session_id, payload from spark_events where project_id = ${projectId} order by type, id`;
  const deliveriesOf = (hookId: string) => sql`select status, reason, body, delivery_key, event_count, redeliveries from webhook_deliveries where source_id = ${hookId} order by received_at`;

  async function githubDelivery(url: string, secret: string, event: string, payload: object, id = randomUUID()) {
    const body = JSON.stringify(payload);
    const res = await post(url, body, { 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': await githubSign(secret, body) });
    return { res, id, body };
  }

  it('creates a source whose secret is shown once and stored sealed; lists without secrets; 400 names a bad field', async () => {
    const s = await source('github');
    expect(s.hook.url).toBe(`${worker.url}/hooks/${s.hook.id}`);
    expect(s.hook.secret).toMatch(/^[0-9a-f]{64}$/);
    const listed = await s.api.get(`/api/projects/${s.projectId}/webhooks`);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(s.hook.secret);
    const [row] = await sql`select secret_sealed from webhook_sources where id = ${s.hook.id}`;
    expect(row!.secret_sealed).toMatch(/^v1\./);
    expect(row!.secret_sealed).not.toContain(s.hook.secret);

    const std = await s.api.post(`/api/projects/${s.projectId}/webhooks`, { name: 'std', provider: 'standard' });
    expect(std.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const bad = await s.api.post(`/api/projects/${s.projectId}/webhooks`, { name: 'x', provider: 'standard', secret: 'not-a-whsec-secret-at-all' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.path).toBe('secret');
    const badProvider = await s.api.post(`/api/projects/${s.projectId}/webhooks`, { name: 'x', provider: 'bitbucket' });
    expect(badProvider.status).toBe(400);
    expect(badProvider.body.error.path).toBe('provider');
  });

  it('github: a signed push becomes one github.push event; a redelivery answers duplicate and stores nothing twice', async () => {
    const s = await source('github');
    const push = example('push');
    const first = await githubDelivery(s.hook.url, s.hook.secret, 'push', push);
    expect(first.res.status).toBe(202);
    expect(await json(first.res)).toMatchObject({ events: 1 });
    const [event] = await eventually(async () => {
      const rows = await eventsOf(s.projectId);
      return rows.length === 1 && rows;
    });
    expect(event).toMatchObject({ type: 'github.push', source: 'github', session_id: push.repository.full_name });
    expect(event!.payload.ref).toBe(push.ref);
    expect(event!.payload.commits.map((c: { id: string }) => c.id)).toEqual(push.commits.map((c: { id: string }) => c.id));

    // GitHub's "Redeliver" sends the same GUID: 200, no second delivery row, no second event.
    const again = await post(s.hook.url, first.body, { 'x-github-event': 'push', 'x-github-delivery': first.id, 'x-hub-signature-256': await githubSign(s.hook.secret, first.body) });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ duplicate: true });
    const deliveries = await deliveriesOf(s.hook.id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'accepted', event_count: 1, redeliveries: 1 });
    // A later, unrelated event proves the queue has drained past the redelivery.
    const later = await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'));
    expect(later.res.status).toBe(202);
    await eventually(async () => (await eventsOf(s.projectId)).length === 2);
    expect((await eventsOf(s.projectId)).map((e) => e.type)).toEqual(['github.push', 'github.star']);
  });

  it('github: a tampered byte, a wrong secret or no signature answer 401 and store no event and no body', async () => {
    const s = await source('github');
    const body = JSON.stringify(example('push'));
    const signature = await githubSign(s.hook.secret, body);
    const tampered = body.replace('"ref":"', '"ref":"X');
    expect(tampered).not.toBe(body);
    const r1 = await post(s.hook.url, tampered, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature });
    expect(r1.status).toBe(401);
    expect((await json(r1)).error.code).toBe('bad_signature');
    const r2 = await post(s.hook.url, body, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign('some-other-secret-entirely', body) });
    expect(r2.status).toBe(401);
    const r3 = await post(s.hook.url, body, { 'x-github-event': 'push', 'x-github-delivery': randomUUID() });
    expect(r3.status).toBe(401);
    // A forged delivery cannot claim a real one's identity: the rejected rows hold no key.
    const deliveries = await deliveriesOf(s.hook.id);
    expect(deliveries.map((d) => [d.status, d.reason, d.body, d.delivery_key])).toEqual([
      ['rejected', 'bad_signature', null, null],
      ['rejected', 'bad_signature', null, null],
      ['rejected', 'bad_signature', null, null],
    ]);
    // Then a good one goes through, so the absence of events above is not a broken pipeline.
    const good = await githubDelivery(s.hook.url, s.hook.secret, 'push', example('push'));
    expect(good.res.status).toBe(202);
    await eventually(async () => (await eventsOf(s.projectId)).length === 1);
  });

  it('github: ping answers 200; a signed body that is not JSON answers 400; over 1 MiB answers 413', async () => {
    const s = await source('github');
    const ping = await githubDelivery(s.hook.url, s.hook.secret, 'ping', example('ping'));
    expect(ping.res.status).toBe(200);
    expect(await json(ping.res)).toMatchObject({ ping: true });

    const notJson = 'this is { not json';
    const bad = await post(s.hook.url, notJson, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign(s.hook.secret, notJson) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('invalid_json');

    const huge = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
    const big = await post(s.hook.url, huge, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign(s.hook.secret, huge) });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('payload_too_large');
    // Streamed, with no Content-Length: counted as it is read, refused all the same.
    const bytes = new TextEncoder().encode(huge);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
        c.close();
      },
    });
    const streamed = await fetch(s.hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign(s.hook.secret, huge) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const list = await s.api.get(`/api/projects/${s.projectId}/webhooks/${s.hook.id}/deliveries`);
    expect(list.body.items.map((d: { status: string; reason: string | null }) => [d.status, d.reason])).toEqual([
      ['rejected', 'invalid_json'],
      ['accepted', null],
    ]);
  });

  it('github: pull_request, workflow_run, deployment_status and issues normalise to their Spark types', async () => {
    const s = await source('github');
    const sends: [string, Record<string, any>][] = [
      ['pull_request', example('pull_request', 'opened')],
      ['workflow_run', example('workflow_run', 'completed')],
      ['deployment_status', example('deployment_status')],
      ['issues', example('issues', 'opened')],
      ['release', example('release', 'published')],
    ];
    for (const [event, payload] of sends) expect((await githubDelivery(s.hook.url, s.hook.secret, event, payload)).res.status).toBe(202);
    const rows = await eventually(async () => {
      const r = await eventsOf(s.projectId);
      return r.length === sends.length && r;
    });
    const deployState = example('deployment_status').deployment_status.state as string;
    expect(rows.map((e) => e.type).sort()).toEqual(
      ['github.pull_request.opened', 'ci.run.completed', deployState === 'success' ? 'deploy.succeeded' : `deploy.${deployState === 'failure' ? 'failed' : deployState}`, 'github.issues.opened', 'github.release.published'].sort(),
    );
    const ci = rows.find((e) => e.type === 'ci.run.completed')!;
    expect(ci.payload.conclusion).toBe(example('workflow_run', 'completed').workflow_run.conclusion);
  });

  it('gitlab: X-Gitlab-Token verifies; the event UUID dedupes; a wrong token is refused', async () => {
    const s = await source('gitlab');
    const body = JSON.stringify({
      object_kind: 'pipeline',
      object_attributes: { id: 31, ref: 'main', sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2', status: 'failed', created_at: '2026-11-30 10:00:00 UTC' },
      project: { path_with_namespace: 'studio/game' },
    });
    const uuid = randomUUID();
    const headers = { 'x-gitlab-event': 'Pipeline Hook', 'x-gitlab-event-uuid': uuid };
    const wrong = await post(s.hook.url, body, { ...headers, 'x-gitlab-token': 'not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    const ok = await post(s.hook.url, body, { ...headers, 'x-gitlab-token': s.hook.secret });
    expect(ok.status).toBe(202);
    const dup = await post(s.hook.url, body, { ...headers, 'x-gitlab-token': s.hook.secret });
    expect(dup.status).toBe(200);
    const [event] = await eventually(async () => {
      const r = await eventsOf(s.projectId);
      return r.length === 1 && r;
    });
    expect(event).toMatchObject({ type: 'ci.run.completed', source: 'gitlab', session_id: 'studio/game' });
    expect(event!.payload.conclusion).toBe('failure');
  });

  it('standard: signed by the standardwebhooks library (webhook-* and svix-* headers); stale or tampered refused', async () => {
    const s = await source('standard');
    const wh = new Webhook(s.hook.secret);
    const deliver = async (id: string, at: Date, body: string, prefix = 'webhook', signature?: string) =>
      post(s.hook.url, body, { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)), [`${prefix}-signature`]: signature ?? wh.sign(id, at, body) });
    const body = JSON.stringify({ type: 'deploy.succeeded', timestamp: new Date().toISOString(), data: { repository: 'studio/game', environment: 'production' } });

    const ok = await deliver('msg_1', new Date(), body);
    expect(ok.status).toBe(202);
    // Two signatures, as during a sender's key rotation: one valid is enough.
    const other = new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64'));
    const now = new Date();
    const both = await deliver('msg_2', now, JSON.stringify({ type: 'build.finished', data: { n: 2 } }), 'svix', `${other.sign('msg_2', now, 'x')} ${wh.sign('msg_2', now, JSON.stringify({ type: 'build.finished', data: { n: 2 } }))}`);
    expect(both.status).toBe(202);

    const stale = await deliver('msg_3', new Date(Date.now() - 6 * 60 * 1000), body);
    expect(stale.status).toBe(401);
    expect((await json(stale)).error.code).toBe('stale_timestamp');
    const at = new Date();
    const tampered = await deliver('msg_4', at, body.replace('production', 'productiom'), 'webhook', wh.sign('msg_4', at, body));
    expect(tampered.status).toBe(401);
    expect((await json(tampered)).error.code).toBe('bad_signature');
    expect((await deliver('msg_1', new Date(), body)).status).toBe(200);

    const rows = await eventually(async () => {
      const r = await eventsOf(s.projectId);
      return r.length === 2 && r;
    });
    expect(rows.map((e) => [e.type, e.source])).toEqual([
      ['deploy.succeeded', 'standard-webhooks'],
      ['webhook.build.finished', 'standard-webhooks'],
    ]);
    expect(rows[0]!.session_id).toBe('studio/game');
  });

  it('rotation: the old secret keeps working for its window and not after; the new one works at once', async () => {
    const s = await source('github');
    const rotated = await s.api.post(`/api/projects/${s.projectId}/webhooks/${s.hook.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(s.hook.secret);
    const until = Date.parse(rotated.body.previous_secret_expires_at);
    expect(until - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect((await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'))).res.status).toBe(202);
    expect((await githubDelivery(s.hook.url, rotated.body.secret, 'star', example('star'))).res.status).toBe(202);
    // The window ends (moved into the past rather than waited for).
    await sql`update webhook_sources set previous_secret_expires_at = now() - interval '1 second' where id = ${s.hook.id}`;
    expect((await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'))).res.status).toBe(401);
    expect((await githubDelivery(s.hook.url, rotated.body.secret, 'star', example('star'))).res.status).toBe(202);
  });

  it('replay runs a stored delivery again without a second event; delete removes the source; others cannot see it', async () => {
    const s = await source('github');
    const d = await githubDelivery(s.hook.url, s.hook.secret, 'issues', example('issues', 'opened'));
    expect(d.res.status).toBe(202);
    const { delivery } = (await json(d.res)) as { delivery: string };
    await eventually(async () => (await eventsOf(s.projectId)).length === 1);
    const replay = await s.api.post(`/api/projects/${s.projectId}/webhooks/${s.hook.id}/deliveries/${delivery}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: delivery, status: 'accepted', events: 1, body_kept: true });
    const marker = await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'));
    expect(marker.res.status).toBe(202);
    await eventually(async () => (await eventsOf(s.projectId)).length === 2);
    expect((await eventsOf(s.projectId)).map((e) => e.type)).toEqual(['github.issues.opened', 'github.star']);

    const stranger = await userWithProject(worker.url, 'stranger');
    expect((await stranger.api.get(`/api/projects/${s.projectId}/webhooks`)).status).toBe(404);
    expect((await stranger.api.delete(`/api/projects/${stranger.projectId}/webhooks/${s.hook.id}`)).status).toBe(404);

    expect((await s.api.delete(`/api/projects/${s.projectId}/webhooks/${s.hook.id}`)).status).toBe(204);
    expect((await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'))).res.status).toBe(404);
    expect(await deliveriesOf(s.hook.id)).toEqual([]);
  });

  it('audit: creating, rotating and deleting a webhook are logged with who and from where, listed for owners only', async () => {
    const s = await source('github');
    await s.api.post(`/api/projects/${s.projectId}/webhooks/${s.hook.id}/rotate`);
    await s.api.delete(`/api/projects/${s.projectId}/webhooks/${s.hook.id}`);
    const log = await s.api.get(`/api/projects/${s.projectId}/audit`);
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
      ['webhook.deleted', s.hook.id],
      ['webhook.rotated', s.hook.id],
      ['webhook.created', s.hook.id],
    ]);
    for (const e of log.body.items) {
      expect(e.actor).toEqual({ user_id: s.userId, token_id: null });
      expect(e.meta).toHaveProperty('ip');
      expect(JSON.stringify(e)).not.toContain(s.hook.secret);
    }
    const reader = await s.api.post(`/api/projects/${s.projectId}/tokens`, { name: 'r', scope: 'read' });
    expect((await s.api.as(reader.body.token).get(`/api/projects/${s.projectId}/audit`)).status).toBe(403);

    // Tokens: creating and revoking one are logged too, with its id, never its secret.
    expect((await s.api.delete(`/api/projects/${s.projectId}/tokens/${reader.body.id}`)).status).toBe(204);
    const after = await s.api.get(`/api/projects/${s.projectId}/audit`);
    const tokenEntries = after.body.items.filter((e: { action: string }) => e.action.startsWith('token.'));
    expect(tokenEntries.map((e: { action: string; target: string; meta: Record<string, unknown> }) => [e.action, e.target, e.meta.scope ?? null])).toEqual([
      ['token.revoked', reader.body.id, null],
      ['token.created', reader.body.id, 'read'],
    ]);
    for (const e of tokenEntries) {
      expect(e.actor).toEqual({ user_id: s.userId, token_id: null });
      expect(JSON.stringify(e)).not.toContain(reader.body.token);
    }
    expect(after.body.items.length).toBe(5);
  });

  it('the daily cron clears bodies older than 30 days (then replay says so); the OpenAPI document lists the routes', async () => {
    const s = await source('github');
    const old = await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'));
    const fresh = await githubDelivery(s.hook.url, s.hook.secret, 'star', example('star'));
    const oldId = ((await json(old.res)) as { delivery: string }).delivery;
    const freshId = ((await json(fresh.res)) as { delivery: string }).delivery;
    await sql`update webhook_deliveries set received_at = now() - interval '31 days' where id = ${oldId}`;
    const handle = createDb({ url: db.url, max: 1 });
    try {
      expect(await runCron(CRON_DAILY, handle.db)).toMatchObject({ webhookBodiesCleared: 1 });
    } finally {
      await handle.close();
    }
    const kept = await sql`select id, body is not null as kept from webhook_deliveries where source_id = ${s.hook.id}`;
    expect(Object.fromEntries(kept.map((r) => [r.id, r.kept]))).toEqual({ [oldId]: false, [freshId]: true });
    const replay = await s.api.post(`/api/projects/${s.projectId}/webhooks/${s.hook.id}/deliveries/${oldId}/replay`);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('body_expired');

    const doc = (await (await worker.fetch('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/hooks/{webhookId}']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/projects/{projectId}/webhooks']!).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/ingest']).toBeDefined();
    expect(doc.paths['/api/projects/{projectId}/events/export']).toBeDefined();
  });
});
