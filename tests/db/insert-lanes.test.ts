import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { byLane, persistEvents } from '../../workers/persist-events';
import { readCatalog } from '../../workers/projections/projection';
import { insertSession } from '../../db/queries/sessions';
import type { EventPayload, EventQueueMessage } from '../../contracts/event';
import { EVENT_CATALOG, isCatalogType } from '../../contracts/event-catalog';
import { makeEvent } from '../support/api';
import { seedProject, useTestDatabase } from './helpers';

// A large batch goes in as two statements at once (workers/persist-events.ts INSERT_LANES):
// every event lands once, a session's projections still see its events in order, events nothing
// projects spread over the lanes whatever their session, and a
// redelivery, or a retry after one lane failed, stores and projects nothing twice.
describe('a batch split over insert lanes', () => {
  const h = useTestDatabase('insert_lanes');
  let projectId: string;
  let sessionId: string;
  beforeAll(async () => {
    const { user, project } = await seedProject(h.db, 'lanes');
    projectId = project.id;
    sessionId = (await insertSession(h.db, { projectId, name: 's', createdBy: user.id, expiresAt: null })).id;
  });

  const msg = (type: string, payload: EventPayload, ts: number, session: string): EventQueueMessage => ({
    projectId,
    receivedAt: Date.now(),
    event: makeEvent({ type, payload, ts, session_id: session, kind: isCatalogType(type) ? EVENT_CATALOG[type].kind : 'system' }),
    producer: isCatalogType(type) ? { kind: 'agent', tokenId: randomUUID(), verifiedOp: true } : { kind: 'ingest', tokenId: randomUUID() },
  });
  const sha = (c: string) => c.repeat(64);

  function batch(t: number): EventQueueMessage[] {
    const filler = Array.from({ length: 2_400 }, (_, i) => msg('ci.step', { i }, t + i / 1e4, `ci-${i % 60}`));
    const history = [
      msg('unity.script_generated', { call_id: randomUUID(), path: 'Assets/L.cs', sha256: sha('a'), bytes: 10, overwritten: false, after: 'class L {}' }, t + 1, sessionId),
      msg('unity.patch_applied', { call_id: randomUUID(), path: 'Assets/L.cs', before: 'class L {}', after: 'class L { int y; }', before_sha256: sha('a'), after_sha256: sha('b') }, t + 2, sessionId),
    ];
    // The session's two changes sit among the others, as a busy queue would deliver them.
    return [...filler.slice(0, 1_000), history[0]!, ...filler.slice(1_000, 2_000), history[1]!, ...filler.slice(2_000)];
  }

  it('keeps a session\'s catalog events in one lane and in order, spreads the rest evenly, and leaves small batches whole', () => {
    const messages = batch(Date.now() / 1000);
    const reading = readCatalog(messages);
    const lanes = byLane(messages, reading, 2);
    expect(lanes).toHaveLength(2);
    expect(lanes.reduce((n, l) => n + l.messages.length, 0)).toBe(messages.length);
    // The session's two changes are in one lane, in order, with their projected events.
    const own = lanes.filter((l) => l.messages.some((m) => m.event.session_id === sessionId));
    expect(own).toHaveLength(1);
    const ts = own[0]!.messages.filter((m) => m.event.session_id === sessionId).map((m) => m.event.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(own[0]!.events.map((e) => e.type)).toEqual(['unity.script_generated', 'unity.patch_applied']);
    // Events nothing projects go wherever the lanes are shortest: even one session's flood spreads.
    const [a, b] = lanes.map((l) => l.messages.length);
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1);
    const flood = Array.from({ length: 2_400 }, (_, i) => msg('ci.step', { i }, Date.now() / 1000 + i / 1e4, 'one-busy-session'));
    expect(byLane(flood, readCatalog(flood), 2).map((l) => l.messages.length)).toEqual([1_200, 1_200]);
    expect(byLane(messages.slice(0, 1_500), reading, 2)).toHaveLength(1);
  });

  it('stores every event once and projects the history once, also when delivered again', async () => {
    const messages = batch(Date.now() / 1000 - 60);
    expect((await persistEvents(h.db, messages, 2)).inserted).toBe(messages.length);
    expect((await persistEvents(h.db, messages, 2)).inserted).toBe(0);
    const sql = h.sql!;
    expect(await sql`select count(*)::int as n from spark_events where project_id = ${projectId}`).toEqual([{ n: messages.length }]);
    expect(await sql`select op, after_content from patches where session_id = ${sessionId} order by created_at`).toEqual([
      { op: 'create', after_content: 'class L {}' },
      { op: 'modify', after_content: 'class L { int y; }' },
    ]);
  });

  it('after one lane failed, the retry stores the rest and projects nothing twice', async () => {
    const messages = batch(Date.now() / 1000 - 30);
    const lanes = byLane(messages, readCatalog(messages), 2);
    // One lane lands; the other is "lost" (its statement failed): the retry gets the whole batch.
    const first = lanes.find((l) => l.events.length > 0)!;
    expect((await persistEvents(h.db, first.messages, 1)).inserted).toBe(first.messages.length);
    expect((await persistEvents(h.db, messages, 2)).inserted).toBe(messages.length - first.messages.length);
    const sql = h.sql!;
    expect(await sql`select count(*)::int as n from patches where session_id = ${sessionId}`).toEqual([{ n: 4 }]);
  });
});
