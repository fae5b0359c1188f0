// The agent's one client of the edge API: answers parsed with the edge's contracts, refusals and
// silence told apart, and the drainer's reading of an ingest answer.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEdgeApi, parseRetryAfter } from '../../local-agent/edge-api';
import { classifyPost } from '../../local-agent/outbox';
import { pairResponseOf, sessionViewOf } from '../support/edge-views';

const PROJECT = randomUUID();

/** A fetch that records the request and answers `status` with `body` (JSON unless a string). */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('edge API client', () => {
  it('pairs without a token and returns the answer parsed by the contract', async () => {
    const answer = pairResponseOf('spk_agent', PROJECT);
    const f = answering(201, { ...answer, extra: 'ignored' });
    const r = await createEdgeApi({ edgeUrl: 'https://spark.example.com/', fetch: f.fetch }).pair({ code: 'ABCD-EFGH', name: 'pc' });
    expect(r).toEqual({ ok: true, status: 201, value: answer });
    expect(f.seen[0]!.url).toBe('https://spark.example.com/api/agent/pair');
    expect(f.seen[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(f.seen[0]!.init.body))).toEqual({ code: 'ABCD-EFGH', name: 'pc' });
    expect(new Headers(f.seen[0]!.init.headers).has('authorization')).toBe(false);
  });

  it('lists sessions with the agent token', async () => {
    const s = sessionViewOf({ id: randomUUID(), projectId: PROJECT, name: 'Main' });
    const f = answering(200, { items: [s] });
    const r = await createEdgeApi({ edgeUrl: 'http://127.0.0.1:8787', token: 'tok', fetch: f.fetch }).listSessions(PROJECT);
    expect(r).toEqual({ ok: true, status: 200, value: [s] });
    expect(f.seen[0]!.url).toBe(`http://127.0.0.1:8787/api/projects/${PROJECT}/sessions`);
    expect(new Headers(f.seen[0]!.init.headers).get('authorization')).toBe('Bearer tok');
  });

  it('names a refusal by the edge’s error body and reads Retry-After', async () => {
    const f = answering(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '3' });
    const r = await createEdgeApi({ edgeUrl: 'http://e', token: 't', fetch: f.fetch }).postEvents(PROJECT, '{"events":[]}');
    expect(r).toEqual({ ok: false, kind: 'refused', status: 429, error: { code: 'rate_limited', message: 'slow down' }, retryAfterMs: 3000, reason: 'edge answered 429 (rate_limited: slow down)' });
  });

  it('says when an answer is not what the contract promises', async () => {
    const f = answering(200, { items: [{ id: 'not-a-session' }] });
    const r = await createEdgeApi({ edgeUrl: 'http://e', token: 't', fetch: f.fetch }).listSessions(PROJECT);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ kind: 'unexpected', status: 200 });
  });

  it('reports an edge that does not answer with the socket error, not fetch’s wrapper', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    }) as unknown as typeof globalThis.fetch;
    const r = await createEdgeApi({ edgeUrl: 'http://127.0.0.1:9', fetch }).pair({ code: 'ABCD-EFGH' });
    expect(r).toEqual({ ok: false, kind: 'unreachable', reason: 'connect ECONNREFUSED 127.0.0.1:9' });
  });

  it('gives the session socket URL with the scheme of the edge, keeping its base path, and no token in it', () => {
    const api = createEdgeApi({ edgeUrl: 'https://spark.example.com/base/', token: 'secret' });
    const url = api.sessionSocketUrl(PROJECT, 's 1');
    expect(url).toBe(`wss://spark.example.com/base/api/projects/${PROJECT}/sessions/s%201/connect?role=agent`);
    expect(url).not.toContain('secret');
    expect(api.authHeaders()).toEqual({ authorization: 'Bearer secret' });
    expect(createEdgeApi({ edgeUrl: 'http://127.0.0.1:8787' }).sessionSocketUrl(PROJECT, 'x')).toMatch(/^ws:\/\/127\.0\.0\.1:8787\//);
  });

  it('reads Retry-After as seconds or a date, within ten minutes', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('99999')).toBe(600_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('outbox reading of an ingest answer', () => {
  const refused = (status: number) => ({ ok: false as const, kind: 'refused' as const, status, error: undefined, retryAfterMs: undefined, reason: `edge answered ${status}` });
  it('keeps what the edge took, splits what it refused, and waits out the rest', () => {
    expect(classifyPost({ ok: true, status: 202, value: { accepted: 2, rejected: [{ index: 1, error: { code: 'invalid_event', message: 'x' } }] } })).toMatchObject({ kind: 'accepted', rejected: [{ index: 1 }] });
    expect(classifyPost({ ok: false, kind: 'unexpected', status: 202, reason: 'not JSON' })).toEqual({ kind: 'accepted', status: 202, rejected: [] });
    expect(classifyPost(refused(413)).kind).toBe('too_large');
    expect(classifyPost(refused(400)).kind).toBe('invalid');
    expect(classifyPost(refused(401)).kind).toBe('auth');
    expect(classifyPost(refused(404)).kind).toBe('auth');
    expect(classifyPost(refused(503)).kind).toBe('retry');
    expect(classifyPost({ ...refused(429), retryAfterMs: 1500 })).toMatchObject({ kind: 'retry', retryAfterMs: 1500 });
    expect(classifyPost({ ok: false, kind: 'unreachable', reason: 'ECONNREFUSED' })).toEqual({ kind: 'retry', reason: 'edge unreachable: ECONNREFUSED' });
  });
});
