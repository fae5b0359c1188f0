import { describe, expect, it } from 'vitest';
import { eventPackMessage, QUEUE_MESSAGE_MAX_BYTES, type EventPayload, type EventProducer, type EventQueueMessage } from '../../contracts/event';
import { eventCount, loggedKeys, MAX_PACK_BYTES, packEvents, unpackMessage } from '../../workers/event-packs';
import { makeEvent } from '../support/api';

const projectId = '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11';
const tokenId = '5d7f2c1e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
const bytesOf = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;
const msg = (payload: EventPayload = {}, producer: EventProducer = { kind: 'user' }, receivedAt = 1_700_000_000_000): EventQueueMessage => ({
  projectId,
  event: makeEvent({ payload }),
  receivedAt,
  producer,
});

describe('packing events per queue message', () => {
  it('fills packs up to the limit on the serialized body, and never past it', () => {
    // ~1 KB events: about 117 per pack under the default limit.
    const messages = Array.from({ length: 1000 }, (_, i) => msg({ i, blob: 'é'.repeat(450) }));
    const packs = packEvents(messages);
    expect(packs.length).toBeGreaterThan(7);
    for (const [k, p] of packs.entries()) {
      const size = bytesOf(p.body);
      // The counted size is an upper bound of what the queue serializes, and under its limit with headroom.
      expect(size).toBeLessThanOrEqual(p.bytes);
      expect(p.bytes).toBeLessThanOrEqual(MAX_PACK_BYTES);
      expect(size).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES);
      // Full: the next event would not have fitted.
      if (k < packs.length - 1) expect(p.bytes + bytesOf(packs[k + 1]!.body.events[0]) + 1).toBeGreaterThan(MAX_PACK_BYTES);
      expect(eventPackMessage.safeParse(p.body).success).toBe(true);
    }
  });

  it('puts two events in one pack at exactly their size, and in two at one byte less', () => {
    const two = [msg({ a: 1 }), msg({ b: 2 })];
    const exact = packEvents(two)[0]!.bytes;
    expect(packEvents(two, { maxBytes: exact })).toHaveLength(1);
    expect(packEvents(two, { maxBytes: exact - 1 }).map((p) => p.body.events.length)).toEqual([1, 1]);
  });

  it('gives an event too big to share a pack one of its own, under the queue limit', () => {
    const huge = (n: number) => msg({ n, blob: 'x'.repeat(65_000) });
    const messages = [msg({ small: 1 }), huge(1), huge(2), msg({ small: 2 }), msg({ small: 3 })];
    const packs = packEvents(messages);
    expect(packs.map((p) => p.body.events.length)).toEqual([2, 3]);
    const alone = packEvents([huge(1), huge(2), huge(3)]);
    expect(alone.map((p) => p.body.events.length)).toEqual([1, 1, 1]);
    for (const p of alone) expect(bytesOf(p.body)).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES);
  });

  it('keeps request order across packs, a new pack per producer or arrival, and the verified mark by index', () => {
    const agent: EventProducer = { kind: 'agent', tokenId };
    const messages = [
      msg({ i: 0 }, agent),
      msg({ i: 1 }, { ...agent, verifiedOp: true }),
      msg({ i: 2 }, agent),
      msg({ i: 3 }, { kind: 'edge' }),
      msg({ i: 4 }, { kind: 'edge' }, 1_700_000_000_001),
      msg({ i: 5 }, { ...agent, verifiedOp: true }, 1_700_000_000_001),
    ];
    const packs = packEvents(messages);
    expect(packs.map((p) => p.body.events.map((e) => e.payload.i))).toEqual([[0, 1, 2], [3], [4], [5]]);
    expect(packs[0]!.body).toMatchObject({ v: 2, projectId, producer: agent, verifiedOps: [1] });
    // Unpacked, every event comes back as the message it was, in order.
    const back = packs.flatMap((p) => {
      const u = unpackMessage(JSON.parse(JSON.stringify(p.body)));
      if (!u.ok) throw new Error(u.error);
      return u.events.map((e) => (e.ok ? e.message : null));
    });
    expect(back).toEqual(messages);
    // One event per message when asked (the bench's baseline), still in order.
    expect(packEvents(messages.slice(0, 3), { maxEvents: 1 }).map((p) => p.body.events[0]!.payload.i)).toEqual([0, 1, 2]);
  });

  it('a duplicate id in the same pack does not borrow the verified mark', () => {
    const agent: EventProducer = { kind: 'agent', tokenId };
    const forged = msg({ forged: true }, agent);
    const real = { ...forged, event: { ...forged.event, payload: { real: true } }, producer: { ...agent, verifiedOp: true as const } };
    const [pack] = packEvents([forged, real]);
    const u = unpackMessage(pack!.body);
    expect(u.ok && u.events.map((e) => e.ok && e.message.producer?.verifiedOp === true)).toEqual([false, true]);
  });
});

describe('unpacking', () => {
  it('still reads a one-event message from before packing', () => {
    const one = msg({ old: true });
    expect(unpackMessage(one)).toEqual({ ok: true, projectId, events: [{ ok: true, message: one, index: 0 }] });
    expect(eventCount(one)).toBe(1);
  });

  it('keeps the good events of a pack with one that breaks the contract, and names the bad one', () => {
    const [pack] = packEvents([msg({ i: 0 }), msg({ i: 1 }), msg({ i: 2 })]);
    const body = JSON.parse(JSON.stringify(pack!.body));
    body.events[1].kind = 'banana';
    const u = unpackMessage(body);
    expect(u.ok).toBe(true);
    if (!u.ok) return;
    expect(u.events.map((e) => e.ok)).toEqual([true, false, true]);
    const bad = u.events[1]!;
    expect(!bad.ok && bad.error).toMatch(/events\.1\.kind/);
  });

  it('refuses a body that is neither shape, saying why', () => {
    expect(unpackMessage({ v: 2, projectId, receivedAt: 1, events: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/events/) });
    expect(unpackMessage({ hello: 1 })).toMatchObject({ ok: false });
    expect(unpackMessage(null)).toMatchObject({ ok: false });
  });

  it('names the ingest-log keys of a logged pack or message, and none otherwise', () => {
    const messages = [msg({ i: 0 }), msg({ i: 1 })].map((m) => ({ ...m, logged: true as const }));
    const [pack] = packEvents(messages);
    expect(pack!.body.logged).toBe(true);
    expect(loggedKeys(pack!.body)).toEqual(messages.map((m) => ({ projectId, id: m.event.id })));
    expect(loggedKeys(messages[0])).toEqual([{ projectId, id: messages[0]!.event.id }]);
    expect(loggedKeys(packEvents([msg()])[0]!.body)).toEqual([]);
  });
});
