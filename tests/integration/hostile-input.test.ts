import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INGEST_BYTES, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../contracts/limits';
import { apiClient, makeEvent, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { openSocket } from '../support/ws-client';

// Hostile shapes and sizes against the real Worker in workerd: every one gets a 4xx in the
// documented form, the connection is never reset, and requests in flight beside them complete
// (a restarted Worker answers those with 503 "Your worker restarted mid-request").
describe('hostile input', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let u: Awaited<ReturnType<typeof userWithProject>>;
  beforeAll(async () => {
    db = await createTestDatabase('hostile');
    worker = await startSparkWorker({ databaseUrl: db.url });
    u = await userWithProject(worker.url, 'hostile');
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  const eventsPath = () => `/api/projects/${u.projectId}/events`;

  /** A raw POST over node:http, so a reset connection shows as `reset` instead of a fetch error. */
  function rawPost(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
    const url = new URL(worker.url + path);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return new Promise<{ status: number; body: any } | { reset: string }>((resolve) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST',
          headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: parseOr(text) }));
        },
      );
      req.on('error', (err) => resolve({ reset: err.message }));
      req.end(bytes);
    });
  }

  /** Runs `hostile` while ordinary requests are in flight; all of them must complete normally. */
  async function besideOrdinaryTraffic<T>(hostile: () => Promise<T>): Promise<T> {
    const ordinary = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0 ? u.api.get(`/api/projects/${u.projectId}`) : u.api.post(eventsPath(), { events: [makeEvent()] }),
    );
    const result = await hostile();
    for (const res of await Promise.all(ordinary)) expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return result;
  }

  const expectDocumentedError = (res: { status: number; body: any } | { reset: string }, status: number, message?: RegExp) => {
    expect('reset' in res ? res.reset : 'answered').toBe('answered');
    const r = res as { status: number; body: any };
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    if (message) expect(r.body.error.message).toMatch(message);
  };

  const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const ingestWithPayload = (payloadJson: string) =>
    `{"events":[${JSON.stringify(makeEvent()).replace(/"payload":\{[^}]*\}/, `"payload":{"x":${payloadJson}}`)}]}`;

  it('refuses payloads nested deeper than the limit with 400 naming it, and accepts the limit itself', async () => {
    const tooDeep = await besideOrdinaryTraffic(() => rawPost(eventsPath(), ingestWithPayload(nestedArrays(3000))));
    expectDocumentedError(tooDeep, 400, new RegExp(`more than ${MAX_JSON_DEPTH} deep`));
    // body → events → event → payload → x: 4 levels before the payload's own arrays.
    const atLimit = await rawPost(eventsPath(), ingestWithPayload(nestedArrays(MAX_JSON_DEPTH - 4)));
    expect(atLimit).toMatchObject({ status: 202, body: { accepted: 1, rejected: [] } });
    const oneOver = await rawPost(eventsPath(), ingestWithPayload(nestedArrays(MAX_JSON_DEPTH - 3)));
    expectDocumentedError(oneOver, 400, /deep/);
  });

  it('refuses deep nesting on every JSON body reader and in queries, never with a 5xx', async () => {
    const deep = `{"name":${nestedArrays(5000)}}`;
    for (const path of ['/api/projects', `/api/projects/${u.projectId}/sessions`, `/api/projects/${u.projectId}/tokens`, '/api/auth/login', '/api/agent/pair']) {
      expectDocumentedError(await rawPost(path, deep), 400, /deep/);
    }
    const deepObjects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expectDocumentedError(await rawPost('/api/projects', deepObjects), 400, /deep/);
    // Broken percent-encoding is taken as written (a filter that matches nothing) or refused; never a 5xx.
    for (const path of [`/api/projects/%E0%A4%A/events`, `${eventsPath()}?session_id=%E0%A4%A`, `${eventsPath()}?type=%FF`]) {
      const res = await u.api.get(path);
      expect(res.status, path).toBeLessThan(500);
      if (res.status >= 400) expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      else expect(res.body).toEqual({ items: [], next_cursor: null });
    }
    expectDocumentedError(await rawPost(eventsPath(), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, /valid JSON/);
    // Queries: a cursor that is not base64, a limit that is not a number, a huge one.
    for (const q of ['cursor=%%%', 'cursor=' + 'A'.repeat(20_000), 'limit=1e400', 'since=' + '9'.repeat(5000)]) {
      const res = await u.api.get(`${eventsPath()}?${q}`);
      expect(res.status, q).toBeGreaterThanOrEqual(400);
      expect(res.status, q).toBeLessThan(500);
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
  });

  it('refuses huge arrays and strings with 400, beside ordinary traffic', async () => {
    const manyElements = `{"events":[${Array.from({ length: MAX_JSON_VALUES + 10 }, () => '0').join(',')}]}`;
    expectDocumentedError(await besideOrdinaryTraffic(() => rawPost(eventsPath(), manyElements)), 400, /keys and elements/);
    const longString = `{"name":"${'x'.repeat(1024 * 1024 + 10)}"}`;
    // Over the body limit as well: the size answers first.
    expectDocumentedError(await rawPost('/api/projects', longString), 413);
    const tooLongPayload = ingestWithPayload(JSON.stringify('y'.repeat(70_000)));
    const res = await rawPost(eventsPath(), tooLongPayload);
    expect(res).toMatchObject({ status: 202, body: { accepted: 0, rejected: [{ index: 0, error: { code: 'invalid_event', path: 'payload' } }] } });
  });

  it('answers the body limit at ±1 byte, and far over it, without dropping the connection', async () => {
    const bodyOfSize = (size: number) => {
      const events = JSON.stringify({ events: [makeEvent({ payload: { pad: '' } })] });
      return Buffer.from(events.replace('"pad":""', `"pad":"${'p'.repeat(size - events.length)}"`));
    };
    // The padded event's payload is over 64 KiB, so it is rejected by index: the body itself was read.
    for (const size of [MAX_INGEST_BYTES - 1, MAX_INGEST_BYTES]) {
      const res = await rawPost(eventsPath(), bodyOfSize(size));
      expect(res, `size ${size}`).toMatchObject({ status: 202, body: { accepted: 0, rejected: [{ index: 0 }] } });
    }
    for (const size of [MAX_INGEST_BYTES + 1, 2 * MAX_INGEST_BYTES, 8 * MAX_INGEST_BYTES]) {
      expectDocumentedError(await besideOrdinaryTraffic(() => rawPost(eventsPath(), Buffer.alloc(size, 0x20))), 413, /at most 1048576 bytes/);
    }
    // Blank is not JSON.
    expectDocumentedError(await rawPost(eventsPath(), Buffer.alloc(100, 0x20)), 400, /valid JSON/);
  });

  it('answers a bad WebSocket frame with an error message to the agent and keeps the room working', async () => {
    const session = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'main' })).body;
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    const paired = await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'hostile-pc' });
    expect(paired.status).toBe(201);
    const agent = await openSocket(
      `${worker.url.replace(/^http/, 'ws')}/api/projects/${u.projectId}/sessions/${session.id}/connect?role=agent`,
      { token: paired.body.token },
    );
    try {
      agent.ws.send(nestedArrays(5000));
      expect((await agent.next((m) => m?.t === 'error')).message).toMatch(/more than 64 deep/);
      agent.messages.length = 0;
      agent.send({ t: 'frame', callId: randomUUID(), contentType: 'image/png', width: 1, height: 1, data: '!!not base64!!' });
      expect((await agent.next((m) => m?.t === 'error')).message).toBe('frame data must be base64');
      agent.messages.length = 0;
      agent.ws.send('{"t":');
      expect((await agent.next((m) => m?.t === 'error')).message).toMatch(/must be valid JSON/);
      // Still the same room and socket: a ping is answered.
      agent.ws.send('ping');
      expect(await agent.next((m) => m === 'pong')).toBe('pong');
    } finally {
      await agent.close();
    }
  });
});

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
