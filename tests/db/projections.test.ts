import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { persistEvents } from '../../workers/persist-events';
import { insertProjectWithOwner, insertUser } from '../../db/queries/identity';
import { insertSession } from '../../db/queries/sessions';
import type { EventPayload, EventQueueMessage } from '../../contracts/event';
import { EVENT_CATALOG, isCatalogType, type CatalogPayloadInput, type CatalogType } from '../../contracts/event-catalog';
import { makeEvent } from '../support/api';
import { useTestDatabase } from './helpers';

// The consumer's insert also projects new events into the tables the UI reads, exactly once,
// reading each payload through the event catalog (workers/projections).
describe('event projections', () => {
  const h = useTestDatabase('projections');
  let projectId: string;
  let sessionId: string;
  beforeAll(async () => {
    const user = (await insertUser(h.db, `p-${randomUUID()}@example.com`, 'x'))!;
    projectId = (await insertProjectWithOwner(h.db, 'game', user.id)).id;
    sessionId = (await insertSession(h.db, { projectId, name: 's', createdBy: user.id, expiresAt: null })).id;
  });
  // History events count only as the edge's verified report of an op it dispatched; presence and stored frames only as the room's.
  const msg = (type: string, payload: EventPayload, ts = Date.now() / 1000, session = sessionId, verifiedOp = true): EventQueueMessage => ({
    projectId,
    receivedAt: Date.now(),
    event: makeEvent({ type, payload, ts, session_id: session, kind: isCatalogType(type) ? EVENT_CATALOG[type].kind : 'system' }),
    producer: type.startsWith('agent.') || type === 'preview.frame' ? { kind: 'edge' } : verifiedOp ? { kind: 'agent', tokenId: randomUUID(), verifiedOp: true } : { kind: 'ingest', tokenId: randomUUID() },
  });
  /** A payload as Spark's producers build it (typed by the catalog). */
  const spark = <T extends CatalogType>(type: T, payload: CatalogPayloadInput<T>, ts?: number, session?: string, verifiedOp?: boolean) =>
    msg(type, payload as EventPayload, ts, session, verifiedOp);
  const persist = async (batch: EventQueueMessage[]) => (await persistEvents(h.db, batch)).inserted;
  const sha = (c: string) => c.repeat(64);

  it('writes scripts, change history, previews and build jobs once, even when redelivered', async () => {
    const t = Date.now() / 1000 - 10;
    const [c1, c2, c3, c9, build] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const batch = [
      spark('unity.script_generated', { call_id: c1, path: 'Assets/P.cs', sha256: sha('a'), bytes: 120, overwritten: false, after: 'class P {}' }, t),
      spark('unity.patch_applied', { call_id: c2, path: 'Assets/P.cs', before: 'class P {}', after: 'class P { int x; }', before_sha256: sha('a'), after_sha256: sha('b') }, t + 1),
      // The agent describes the frame; the room, which stored it, says where: only that one is a preview.
      spark('preview.frame', { call_id: c3, width: 640, height: 360, content_type: 'image/png', bytes: 2048, sha256: sha('e'), cached: false }, t + 2),
      spark('preview.frame', { call_id: c3, width: 640, height: 360, r2_key: 'frames/x.png', content_type: 'image/png', bytes: 2048, sha256: sha('e') }, t + 2),
      spark('build.started', { call_id: build, target: 'WebGL', development: false }, t + 3),
      spark('build.progress', { call_id: build, jobId: 'build-0123456789', status: 'running', progress: 0.5 }, t + 4),
      spark('build.completed', { call_id: build, jobId: 'build-0123456789', target: 'WebGL', artifact: { path: 'Builds/WebGL/index.html', sizeBytes: 2048 }, duration_ms: 5000 }, t + 5),
      spark('unity.script_generated', { call_id: c9, path: 'Assets/Q.cs', sha256: sha('c'), bytes: 1, overwritten: false }, t, 'not-a-spark-session'),
    ];
    expect(await persist(batch)).toBe(8);
    expect(await persist(batch)).toBe(0);
    const sql = h.sql!;
    expect(await sql`select path, bytes from generated_scripts`).toEqual([{ path: 'Assets/P.cs', bytes: 120 }]);
    const history = await sql`select op, before_content, after_content from patches order by created_at`;
    expect(history).toEqual([
      { op: 'create', before_content: null, after_content: 'class P {}' },
      { op: 'modify', before_content: 'class P {}', after_content: 'class P { int x; }' },
    ]);
    expect(await sql`select width, height, r2_key, bytes, sha256, status from previews`).toEqual([
      { width: 640, height: 360, r2_key: 'frames/x.png', bytes: 2048, sha256: sha('e'), status: 'completed' },
    ]);
    const [job] = await sql`select target, status, progress, artifact_r2_key, artifact_bytes::int, completed_at is not null as done from build_jobs`;
    expect(job).toEqual({ target: 'WebGL', status: 'completed', progress: 1, artifact_r2_key: 'Builds/WebGL/index.html', artifact_bytes: 2048, done: true });

    // The same claims, unverified (an ingest token, say), are stored as events and projected nowhere.
    const forged = [
      spark('unity.script_generated', { call_id: randomUUID(), path: 'Assets/F.cs', sha256: sha('d'), bytes: 1, overwritten: false, after: 'x' }, t, sessionId, false),
      spark('unity.patch_applied', { call_id: randomUUID(), path: 'Assets/P.cs', before: 'evil', after: 'x', before_sha256: sha('a'), after_sha256: sha('f') }, t + 6, sessionId, false),
      spark('unity.script_deleted', { call_id: randomUUID(), path: 'Assets/P.cs', before: 'evil', before_sha256: sha('a') }, t + 7, sessionId, false),
    ];
    expect(await persist(forged)).toBe(3);
    expect(await sql`select count(*)::int as n from generated_scripts`).toEqual([{ n: 1 }]);
    expect(await sql`select count(*)::int as n from patches`).toEqual([{ n: 2 }]);

    // A late, older progress event does not move a finished build back.
    await persist([spark('build.progress', { call_id: build, jobId: 'build-0123456789', status: 'running', progress: 0.2 }, t + 4.5)]);
    expect((await sql`select status, progress from build_jobs`)[0]).toEqual({ status: 'completed', progress: 1 });
  });

  it('stores a Spark event whose payload breaks the catalog, projects nothing from it, and keeps the batch', async () => {
    const sql = h.sql!;
    const before = (await sql`select count(*)::int as n from previews`)[0]!.n;
    const good = spark('preview.frame', { call_id: randomUUID(), width: 32, height: 32, r2_key: 'frames/good.png', content_type: 'image/png', bytes: 10, sha256: sha('1') });
    const bad = msg('preview.frame', { call_id: randomUUID(), width: 640, height: 360, r2_key: 'frames/bad.png', content_type: 'image/png', bytes: 'not-a-number', sha256: sha('2') });
    const foreign = msg('github.push', { ref: 'refs/heads/main' });
    expect(await persist([good, bad, foreign])).toBe(3);
    expect(await sql`select r2_key from previews order by created_at desc limit 2`).toEqual([{ r2_key: 'frames/good.png' }, ...(before > 0 ? [{ r2_key: 'frames/x.png' }] : [])]);
    expect(await sql`select count(*)::int as n from spark_events where id in ${sql([bad.event.id, foreign.event.id])}`).toEqual([{ n: 2 }]);
  });

  it("keeps an agent's presence from the newest connected/disconnected event of its token", async () => {
    const sql = h.sql!;
    const [token] = await sql`insert into api_tokens (project_id, name, scope, token_hash, token_prefix) values (${projectId}, 'agent', 'agent', ${randomUUID()}, 'spk_') returning id`;
    const tokenId = token!.id as string;
    await sql`insert into agents (project_id, name, token_id) values (${projectId}, 'laptop', ${tokenId})`;
    const t = Date.now() / 1000;
    const agent = { token_id: tokenId, name: 'laptop', version: '1.0.0', profile: 'unity-mcp' as const };
    // Out of order in one batch: the newer disconnect wins.
    expect(await persist([spark('agent.disconnected', { token_id: tokenId }, t + 1), spark('agent.connected', agent, t)])).toBe(2);
    expect(await sql`select status, unity_profile from agents where token_id = ${tokenId}`).toEqual([{ status: 'offline', unity_profile: null }]);
    await persist([spark('agent.connected', agent, t + 2)]);
    expect(await sql`select status, unity_profile from agents where token_id = ${tokenId}`).toEqual([{ status: 'online', unity_profile: 'unity-mcp' }]);
    // An older event arriving late changes nothing.
    await persist([spark('agent.disconnected', { token_id: tokenId }, t + 1.5)]);
    expect(await sql`select status from agents where token_id = ${tokenId}`).toEqual([{ status: 'online' }]);
    // A newer one posted with a token is stored, but only the room moves presence.
    const forged = { ...spark('agent.disconnected', { token_id: tokenId }, t + 3), producer: { kind: 'ingest' as const, tokenId: randomUUID() } };
    expect(await persist([forged])).toBe(1);
    expect(await sql`select status from agents where token_id = ${tokenId}`).toEqual([{ status: 'online' }]);
  });
});
