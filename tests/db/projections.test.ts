import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { insertEventBatch } from '../../db/queries/events';
import { insertProjectWithOwner, insertUser } from '../../db/queries/identity';
import { insertSession } from '../../db/queries/sessions';
import type { EventPayload, EventQueueMessage } from '../../contracts/event';
import { makeEvent } from '../support/api';
import { createTestDatabase } from '../support/test-db';

// The consumer's insert also projects new events into the tables the UI reads, exactly once.
describe('event projections', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let h: DbHandle;
  let projectId: string;
  let sessionId: string;
  beforeAll(async () => {
    tdb = await createTestDatabase('projections');
    h = createDb({ url: tdb.url });
    const user = (await insertUser(h.db, `p-${randomUUID()}@example.com`, 'x'))!;
    projectId = (await insertProjectWithOwner(h.db, 'game', user.id)).id;
    sessionId = (await insertSession(h.db, { projectId, name: 's', createdBy: user.id, expiresAt: null })).id;
  });
  afterAll(async () => {
    await h?.close();
    await tdb?.drop();
  });
  // History events count only as the edge's verified report of an op it dispatched.
  const msg = (type: string, payload: EventPayload, ts = Date.now() / 1000, session = sessionId, verifiedOp = true): EventQueueMessage => ({
    projectId,
    receivedAt: Date.now(),
    event: makeEvent({ type, payload, ts, session_id: session }),
    producer: verifiedOp ? { kind: 'agent', tokenId: randomUUID(), verifiedOp: true } : { kind: 'ingest', tokenId: randomUUID() },
  });

  it('writes scripts, change history, previews and build jobs once, even when redelivered', async () => {
    const t = Date.now() / 1000 - 10;
    const build = randomUUID();
    const batch = [
      msg('unity.script_generated', { call_id: 'c1', path: 'Assets/P.cs', sha256: 'a'.repeat(64), bytes: 120, after: 'class P {}' }, t),
      msg('unity.patch_applied', { call_id: 'c2', path: 'Assets/P.cs', before: 'class P {}', after: 'class P { int x; }', before_sha256: 'a'.repeat(64), after_sha256: 'b'.repeat(64) }, t + 1),
      msg('preview.frame', { call_id: 'c3', width: 640, height: 360, r2_key: 'frames/x.png', content_type: 'image/png', bytes: 'not-a-number' }, t + 2),
      msg('build.started', { call_id: build, target: 'WebGL' }, t + 3),
      msg('build.progress', { call_id: build, progress: 0.5 }, t + 4),
      msg('build.completed', { call_id: build, artifact: 'Builds/WebGL/index.html', artifact_bytes: 2048 }, t + 5),
      msg('unity.script_generated', { call_id: 'c9', path: 'Assets/Q.cs', sha256: 'c'.repeat(64), bytes: 1 }, t, 'not-a-spark-session'),
    ];
    expect(await insertEventBatch(h.db, batch)).toBe(7);
    expect(await insertEventBatch(h.db, batch)).toBe(0);
    const sql = h.sql!;
    expect(await sql`select path, bytes from generated_scripts`).toEqual([{ path: 'Assets/P.cs', bytes: 120 }]);
    const history = await sql`select op, before_content, after_content from patches order by created_at`;
    expect(history).toEqual([
      { op: 'create', before_content: null, after_content: 'class P {}' },
      { op: 'modify', before_content: 'class P {}', after_content: 'class P { int x; }' },
    ]);
    // A malformed number is dropped, not a reason to refuse the batch.
    expect(await sql`select width, height, r2_key, bytes, status from previews`).toEqual([{ width: 640, height: 360, r2_key: 'frames/x.png', bytes: null, status: 'completed' }]);
    const [job] = await sql`select target, status, progress, artifact_r2_key, artifact_bytes::int, completed_at is not null as done from build_jobs`;
    expect(job).toEqual({ target: 'WebGL', status: 'completed', progress: 1, artifact_r2_key: 'Builds/WebGL/index.html', artifact_bytes: 2048, done: true });

    // The same claims, unverified (an ingest token, say), are stored as events and projected nowhere.
    const forged = [
      msg('unity.script_generated', { call_id: 'f1', path: 'Assets/F.cs', sha256: 'd'.repeat(64), bytes: 1, after: 'x' }, t, sessionId, false),
      msg('unity.patch_applied', { call_id: 'f2', path: 'Assets/P.cs', before: 'evil', after: 'x' }, t + 6, sessionId, false),
      msg('unity.script_deleted', { call_id: 'f3', path: 'Assets/P.cs', before: 'evil' }, t + 7, sessionId, false),
    ];
    expect(await insertEventBatch(h.db, forged)).toBe(3);
    expect(await sql`select count(*)::int as n from generated_scripts`).toEqual([{ n: 1 }]);
    expect(await sql`select count(*)::int as n from patches`).toEqual([{ n: 2 }]);

    // A late, older progress event does not move a finished build back.
    await insertEventBatch(h.db, [msg('build.progress', { call_id: build, progress: 0.2 }, t + 4.5)]);
    expect((await sql`select status, progress from build_jobs`)[0]).toEqual({ status: 'completed', progress: 1 });
  });
});
