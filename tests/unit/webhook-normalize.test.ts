import examples from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { sparkEventV1 } from '../../contracts/event';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../contracts/limits';
import { deliveryEventId, nameBasedUuid } from '../../edge/webhooks/event-id';
import { normalizers } from '../../edge/webhooks/normalize';
import { fitPayload } from '../../edge/webhooks/normalize/shared';

const receivedAt = Date.parse('2026-11-30T12:00:00Z');
const github = (event: string, body: unknown) => normalizers.github({ event, body, receivedAt, sourceName: 'gh' });
const asEvent = (d: ReturnType<typeof github>[number], i: number) =>
  sparkEventV1.safeParse({ v: 1, id: `6f1c2d3e-4a5b-5c6d-8e7f-${String(i).padStart(12, '0')}`, kind: 'system', ...d });

describe('GitHub normalisation over every published example payload', () => {
  it('gives valid SparkEventV1 for every example of every event (unknown ones as github.<event>)', () => {
    let count = 0;
    for (const group of examples) {
      for (const body of group.examples) {
        for (const draft of github(group.name, body)) {
          const parsed = asEvent(draft, count++);
          expect(parsed.success, `${group.name}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
          expect(draft.ts).toBe(receivedAt / 1000);
        }
      }
    }
    expect(count).toBeGreaterThan(300);
  });

  it('push: repository, ref, each commit with id, author, message, time and changed files; session is the full name', () => {
    const body = examples.find((e) => e.name === 'push')!.examples.find((x: any) => x.commits.length > 0) as any;
    const [draft] = github('push', body);
    expect(draft).toMatchObject({ type: 'github.push', source: 'github', session_id: body.repository.full_name });
    expect(draft!.payload).toMatchObject({ repository: body.repository.full_name, ref: body.ref, commit_count: body.commits.length });
    expect(draft!.payload.commits).toEqual(
      body.commits.map((c: any) => ({ id: c.id, author: { name: c.author.name, email: c.author.email, username: c.author.username ?? null }, message: c.message, timestamp: c.timestamp, url: c.url, added: c.added, modified: c.modified, removed: c.removed })),
    );
  });

  it('pull_request closed carries merged; check_suite completed is ci.run.completed with its conclusion; deployment_status maps to deploy.*', () => {
    const closed = examples.find((e) => e.name === 'pull_request')!.examples.filter((x: any) => x.action === 'closed') as any[];
    for (const body of closed) {
      const [d] = github('pull_request', body);
      expect(d).toMatchObject({ type: 'github.pull_request.closed', payload: { merged: body.pull_request.merged === true } });
    }
    const suite = examples.find((e) => e.name === 'check_suite')!.examples.find((x: any) => x.action === 'completed') as any;
    expect(github('check_suite', suite)[0]).toMatchObject({ type: 'ci.run.completed', payload: { conclusion: suite.check_suite.conclusion, kind: 'check_suite' } });
    const base = examples.find((e) => e.name === 'deployment_status')!.examples[0] as any;
    const withState = (state: string) => github('deployment_status', { ...base, deployment_status: { ...base.deployment_status, state } })[0]!.type;
    expect([withState('success'), withState('failure'), withState('error'), withState('in_progress')]).toEqual(['deploy.succeeded', 'deploy.failed', 'deploy.failed', 'deploy.in_progress']);
  });
});

describe('GitLab normalisation', () => {
  const gitlab = (body: unknown, event = 'Push Hook') => normalizers.gitlab({ event, body, receivedAt, sourceName: 'gl' });
  const project = { path_with_namespace: 'studio/game' };

  it('push, merge request (merged), pipeline and deployment map like GitHub\'s', () => {
    const push = gitlab({ object_kind: 'push', ref: 'refs/heads/main', project, total_commits_count: 1, commits: [{ id: 'abc', message: 'fix', timestamp: '2026-11-30T10:00:00Z', author: { name: 'A', email: 'a@x' } }] });
    expect(push[0]).toMatchObject({ type: 'gitlab.push', session_id: 'studio/game', payload: { ref: 'refs/heads/main', commits: [{ id: 'abc', message: 'fix' }] } });
    const mr = gitlab({ object_kind: 'merge_request', project, object_attributes: { action: 'merge', iid: 7, state: 'merged' } }, 'Merge Request Hook');
    expect(mr[0]).toMatchObject({ type: 'gitlab.merge_request.merged', payload: { merged: true, number: 7 } });
    expect(gitlab({ object_kind: 'pipeline', project, object_attributes: { status: 'success' } })[0]).toMatchObject({ type: 'ci.run.completed', payload: { conclusion: 'success' } });
    expect(gitlab({ object_kind: 'pipeline', project, object_attributes: { status: 'running' } })[0]!.type).toBe('ci.run.running');
    expect(gitlab({ object_kind: 'deployment', project, status: 'failed' })[0]!.type).toBe('deploy.failed');
    expect(gitlab({ object_kind: 'Wiki Page', project })[0]!.type).toBe('gitlab.wiki_page');
  });
});

describe('Standard Webhooks normalisation', () => {
  const standard = (body: unknown) => normalizers.standard({ event: null, body, receivedAt, sourceName: 'my-ci' })[0]!;
  it('keeps ci.* and deploy.* types, prefixes any other type with webhook., and never passes a Spark type through', () => {
    expect(standard({ type: 'ci.run.completed', data: { conclusion: 'success' } })).toMatchObject({ type: 'ci.run.completed', session_id: 'my-ci', payload: { conclusion: 'success' } });
    expect(standard({ type: 'Invoice.Paid', data: {} }).type).toBe('webhook.invoice.paid');
    expect(standard({ type: 'unity.script_generated', data: {} }).type).toBe('webhook.unity.script_generated');
    expect(standard({ data: [1, 2] })).toMatchObject({ type: 'webhook.event', payload: { data: [1, 2] } });
  });
});

describe('derived ids and trimmed payloads', () => {
  it('an id is a UUID v5 that depends on source, delivery and index only', async () => {
    const a = await deliveryEventId('src', 'guid-1', 0);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await deliveryEventId('src', 'guid-1', 0)).toBe(a);
    expect(new Set([a, await deliveryEventId('src', 'guid-1', 1), await deliveryEventId('src', 'guid-2', 0), await deliveryEventId('src2', 'guid-1', 0)]).size).toBe(4);
    // RFC 9562 appendix A test vector: UUIDv5 of "www.example.com" in the DNS namespace.
    expect(await nameBasedUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('an oversized unknown payload keeps its small fields and names the dropped ones', () => {
    const big = { action: 'created', huge: 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES), also: ['y'.repeat(1000)] };
    const fitted = fitPayload(big);
    expect(fitted).toEqual({ action: 'created', also: big.also, _trimmed: ['huge'] });
    const [draft] = github('star', big);
    expect(draft!.type).toBe('github.star');
    expect(draft!.payload._trimmed).toEqual(['huge']);
  });
});
