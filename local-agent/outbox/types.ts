// The durable outbox's storage interface. Two stores implement it: a JetStream stream (when NATS is
// there) and a local append-only file (otherwise). The drainer takes one batch at a time from a
// store, posts it to the edge, and only then commits it (removes it); a batch that could not be
// delivered is released and comes back on the next take.
import type { SparkEventV1 } from '../../contracts/event';

export interface TakeLimits {
  /** At most this many events (the edge takes ≤ 500 per request). */
  maxEvents: number;
  /** At most this many bytes of event JSON (the edge takes ≤ 1 MiB per request body). */
  maxBytes: number;
  /** How long a store may wait for events to arrive when it has none (long poll). */
  waitMs?: number;
}

export interface OutboxBatch {
  /** Each event as the exact JSON it was stored as (what gets posted). */
  readonly items: readonly string[];
  /** Sum of the items' UTF-8 sizes. */
  readonly bytes: number;
  /** Removes the batch from the store: the edge has it. */
  commit(): Promise<void>;
  /** Hands the batch back: it will be taken again. */
  release(): Promise<void>;
}

export interface OutboxStore {
  readonly kind: 'file' | 'jetstream';
  /** Durably stores the events (in order). Resolves once they are stored. */
  append(events: readonly SparkEventV1[]): Promise<void>;
  /** Events stored and not yet committed. */
  depth(): Promise<number>;
  /** The oldest events not yet committed, or undefined when there are none. One batch at a time. */
  take(limits: TakeLimits): Promise<OutboxBatch | undefined>;
  close(): Promise<void>;
}

/** Size of the POST body `{"events":[a,b,...]}` for items totalling `itemBytes`. */
export function ingestBodyBytes(count: number, itemBytes: number): number {
  return '{"events":[]}'.length + itemBytes + Math.max(0, count - 1);
}
