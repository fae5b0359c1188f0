import { randomUUID } from 'node:crypto';
import { connect, JSONCodec } from 'nats';
import type { SparkEventV1 } from '../../contracts/event';
import { createNatsBridge, createNatsLink } from '../../local-agent/nats-bridge';

export interface PublishFigures {
  events: number;
  bridgePerSecond: number;
  rawPerSecond: number;
  dropped: number;
}

const CHUNK = 500; // below the bridge's 1,000-event bound, so the figure is throughput, not drops

/**
 * The agent's NATS bridge (subject mapping, batching, backpressure accounting) against the raw
 * nats client publishing the same encoded events on the same subjects, both flushed per chunk.
 */
export async function benchNatsPublish(events: number): Promise<PublishFigures> {
  const sessionId = randomUUID();
  const batch: SparkEventV1[] = Array.from({ length: events }, (_, i) => ({
    v: 1,
    id: randomUUID(),
    type: 'unity.script_generated',
    source: 'bench',
    kind: 'system',
    ts: Date.now() / 1000,
    session_id: sessionId,
    payload: { path: `Assets/Scripts/F${i}.cs`, sha256: 'a'.repeat(64), bytes: 1234 },
  }));

  // Alternate raw and bridge twice and keep each one's best run: the first run of either pays
  // for a cold connection and JIT, which is not what is being compared.
  let rawBest = 0;
  let bridgeBest = 0;
  let dropped = 0;
  let published = 0;
  for (let round = 0; round < 2; round++) {
    rawBest = Math.max(rawBest, await rawRun(batch, sessionId));
    const b = await bridgeRun(batch);
    bridgeBest = Math.max(bridgeBest, b.perSecond);
    dropped += b.dropped;
    published = b.published;
  }
  if (published !== events) throw new Error(`bridge published ${published} of ${events}`);
  return { events, bridgePerSecond: bridgeBest, rawPerSecond: rawBest, dropped };
}

async function rawRun(batch: SparkEventV1[], sessionId: string): Promise<number> {
  const raw = await connect({ servers: '127.0.0.1:4222' });
  const jc = JSONCodec();
  const t0 = performance.now();
  for (let i = 0; i < batch.length; i += CHUNK) {
    for (const e of batch.slice(i, i + CHUNK)) raw.publish(`spark.runtime.unity.script_generated.${sessionId}`, jc.encode(e));
    await raw.flush();
  }
  const perSecond = batch.length / ((performance.now() - t0) / 1000);
  await raw.close();
  return perSecond;
}

async function bridgeRun(batch: SparkEventV1[]) {
  const link = createNatsLink({ url: 'nats://127.0.0.1:4222' });
  await link.waitConnected(5000);
  const bridge = createNatsBridge({ link });
  const t0 = performance.now();
  for (let i = 0; i < batch.length; i += CHUNK) {
    bridge.publishAll(batch.slice(i, i + CHUNK));
    await bridge.flush();
  }
  const perSecond = batch.length / ((performance.now() - t0) / 1000);
  const { dropped, published } = bridge.status();
  await bridge.close();
  await link.close();
  return { perSecond, dropped, published };
}
