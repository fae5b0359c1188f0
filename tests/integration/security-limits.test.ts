// Issue 15, item 7: every route has a body limit, checked before anything parses the body: a
// declared size over it and a chunked body that grows over it both get 413.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_BYTES, MAX_IMPORT_BYTES } from '../../edge/http/body-limit';
import { MAX_INGEST_BYTES } from '../../contracts/limits';
import { userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/** A JSON body of about `bytes` bytes. */
const bigJson = (bytes: number, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, pad: 'x'.repeat(bytes) });

/** Sent as a stream: no Content-Length, so only counting the bytes can stop it. */
function chunked(body: string): RequestInit {
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
      c.close();
    },
  });
  return { body: stream, duplex: 'half' } as RequestInit;
}

describe('security: body limits on every route', () => {
  let db: TestDatabase;
  let worker: SparkWorker;

  beforeAll(async () => {
    db = await createTestDatabase('sec_limits');
    worker = await startSparkWorker({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  it('answers 413 to an oversized sign-up, declared or streamed, without parsing it', async () => {
    // 256 KiB: four times the limit, and small enough that the answer arrives before the socket
    // is cut (a 150 MiB body is simply never read).
    for (const init of [{ body: bigJson(256 * 1024, { email: 'big@example.com', password: 'long enough words' }) }, chunked(bigJson(256 * 1024, { email: 'big@example.com' }))]) {
      const res = await worker.fetch('/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, ...init });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    }
  });

  it('applies the default limit to every small-body route, and larger ones only where they are due', async () => {
    const u = await userWithProject(worker.url, 'limits');
    const p = `/api/projects/${u.projectId}`;
    const session = (await u.api.post(`${p}/sessions`, { name: 'main' })).body;
    const s = `${p}/sessions/${session.id}`;
    const post = (path: string, body: string, init: RequestInit = {}) =>
      worker.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' }, body, ...init });
    const over = bigJson(DEFAULT_BODY_BYTES + 1);
    for (const path of ['/api/auth/login', '/api/agent/pair', '/api/projects', `${p}/members`, `${p}/tokens`, `${p}/sessions`, `${p}/pairing-codes`, `${p}/dead-letters/replay`, `${s}/changes/rollback`, `${s}/socket-tickets`]) {
      const res = await post(path, over);
      expect(res.status, path).toBe(413);
      const streamed = await post(path, '', chunked(over));
      expect(streamed.status, `${path} (chunked)`).toBe(413);
    }
    // Ingest, ops and import take more, up to their own limits.
    expect((await post(`${p}/events`, bigJson(DEFAULT_BODY_BYTES * 2, { events: [] }))).status).toBe(400);
    expect((await post(`${p}/events`, bigJson(MAX_INGEST_BYTES + 1, { events: [] }))).status).toBe(413);
    expect((await post(`${s}/ops`, bigJson(DEFAULT_BODY_BYTES * 2, { op: 'nope' }))).status).toBe(400);
    expect((await post(`${s}/changes/import`, bigJson(DEFAULT_BODY_BYTES * 2))).status).toBe(400);
    // Over 8 MiB the edge may cut the socket before the client has finished writing: either
    // way nothing past the limit is read.
    const hugeImport = await post(`${s}/changes/import`, '', chunked(bigJson(MAX_IMPORT_BYTES + 1))).then(
      (r) => r.status,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
    );
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(hugeImport);
  });
});
