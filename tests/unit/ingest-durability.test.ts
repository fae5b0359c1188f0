import { describe, expect, it } from 'vitest';
import { HttpError } from '../../edge/http/errors';
import { acceptEvents } from '../../edge/services/ingest';
import { cachedApiToken, clearTokenCache, forgetCachedToken, TOKEN_CACHE_TTL_MS, TOKEN_STALE_IF_UNAVAILABLE_MS } from '../../edge/services/token-cache';
import { PartialSendError, sendInBatches } from '../../workers/send-batches';
import { makeEvent } from '../support/api';

const projectId = '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11';

/** Cloudflare's Queue surface as acceptEvents uses it: sendBatch, failing from the `failAt`-th call. */
function queueFailingAt(failAt: number) {
  const sent: unknown[] = [];
  let calls = 0;
  const queue = {
    sendBatch: async (msgs: { body: unknown }[]) => {
      if (++calls >= failAt) throw new Error('Too Many Requests');
      sent.push(...msgs.map((m) => m.body));
    },
  } as unknown as Queue<never>;
  return { queue, sent };
}

describe('accepting events on the plain queue', () => {
  it('answers 503 with Retry-After, saying how many went before the queue refused', async () => {
    const { queue, sent } = queueFailingAt(2);
    // ~2 KB each: five packs of ~120 KB, two per sendBatch; the second sendBatch is refused.
    const events = Array.from({ length: 250 }, (_, i) => makeEvent({ payload: { i, blob: 'x'.repeat(2_000) } }));
    const err = await acceptEvents({ EVENTS: queue, INGEST_LOG_DO: undefined as never }, projectId, events, () => ({ kind: 'user' })).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    const kept = (sent as { events: { id: string }[] }[]).flatMap((p) => p.events.map((e) => e.id));
    expect(sent).toHaveLength(2);
    expect(kept).toEqual(events.slice(0, kept.length).map((e) => e.id));
    expect(err).toMatchObject({ status: 503, code: 'unavailable', headers: { 'Retry-After': '5', 'Spark-Events-Accepted': String(kept.length) } });
    expect(err.message).toContain(`the first ${kept.length} valid events (in request order) were accepted, the other ${250 - kept.length} were not`);
  });

  it('says none were accepted when the first send fails', async () => {
    const { queue } = queueFailingAt(1);
    const err = await acceptEvents({ EVENTS: queue, INGEST_LOG_DO: undefined as never }, projectId, [makeEvent()], () => ({ kind: 'user' })).catch((e) => e);
    expect(err).toMatchObject({ status: 503, headers: { 'Spark-Events-Accepted': '0' } });
    expect(err.message).toMatch(/none of them were accepted/);
  });

  it('packs a 500-event request into one message, or one per event when asked', async () => {
    const { queue, sent } = queueFailingAt(Infinity);
    const events = Array.from({ length: 500 }, () => makeEvent());
    await acceptEvents({ EVENTS: queue, INGEST_LOG_DO: undefined as never }, projectId, events, () => ({ kind: 'user' }));
    expect(sent).toHaveLength(1);
    await acceptEvents({ EVENTS: queue, INGEST_LOG_DO: undefined as never, EVENTS_PER_MESSAGE: '1' }, projectId, events.slice(0, 3), () => ({ kind: 'user' }));
    expect(sent.slice(1).map((b) => (b as { events: unknown[] }).events.length)).toEqual([1, 1, 1]);
  });

  it('sendInBatches reports the count sent before a failure', async () => {
    const { queue } = queueFailingAt(3);
    const err = await sendInBatches(queue, Array.from({ length: 250 }, (_, i) => i as never)).catch((e) => e);
    expect(err).toBeInstanceOf(PartialSendError);
    expect(err.sent).toBe(200);
  });
});

describe('API token cache', () => {
  const token = { tokenId: 't1', projectId, scope: 'ingest' as const };
  const unavailable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('asks the database once per TTL, and again after it', async () => {
    clearTokenCache();
    let lookups = 0;
    const lookup = async () => (lookups++, token);
    expect(await cachedApiToken('h', lookup, 0)).toEqual({ token, fresh: true });
    expect(await cachedApiToken('h', lookup, TOKEN_CACHE_TTL_MS - 1)).toEqual({ token, fresh: false });
    expect(lookups).toBe(1);
    expect(await cachedApiToken('h', lookup, TOKEN_CACHE_TTL_MS + 1)).toEqual({ token, fresh: true });
    expect(lookups).toBe(2);
  });

  it('never caches a miss, and forgets a revoked token at once', async () => {
    clearTokenCache();
    expect(await cachedApiToken('h', async () => null, 0)).toBeNull();
    expect(await cachedApiToken('h', async () => token, 1)).toEqual({ token, fresh: true });
    forgetCachedToken('t1');
    expect(await cachedApiToken('h', async () => null, 2)).toBeNull();
  });

  it('serves an expired entry while the database is unreachable, for a bounded time, and nothing else', async () => {
    clearTokenCache();
    await cachedApiToken('h', async () => token, 0);
    const down = async () => {
      throw unavailable;
    };
    expect(await cachedApiToken('h', down, TOKEN_CACHE_TTL_MS + 5)).toEqual({ token, fresh: false });
    await expect(cachedApiToken('h', down, TOKEN_CACHE_TTL_MS + TOKEN_STALE_IF_UNAVAILABLE_MS + 1)).rejects.toBe(unavailable);
    await expect(cachedApiToken('other', down, 0)).rejects.toBe(unavailable);
    // A query the database refused is not an outage: no stale answer.
    await cachedApiToken('h2', async () => token, 0);
    const refused = Object.assign(new Error('permission denied'), { code: '42501' });
    await expect(cachedApiToken('h2', async () => { throw refused; }, TOKEN_CACHE_TTL_MS + 5)).rejects.toBe(refused);
  });
});
