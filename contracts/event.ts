// SparkEventV1: the one event shape every producer (browser, agent, webhooks, workers) emits.
// It is the public Spark event format (v, source, kind, ts, session_id, payload, trace_id) plus
// Spark's `id` (producer-made UUID, the idempotency key) and `type`. The project an event belongs
// to is not a field: the edge derives it from the credentials and carries it on the queue message.
// The payload here is generic; the types Spark itself produces have their schemas in ./event-catalog.
import { z } from 'zod';
import { fitsUtf8Bytes } from './bytes';
import { findUnstorableJson, storableString } from './text';
import {
  MAX_CALL_ID_LEN,
  MAX_EVENT_PAYLOAD_BYTES,
  MAX_EVENT_TS_SECONDS,
  MAX_EVENT_TYPE_LEN,
  MAX_FUNCTION_NAME_LEN,
  MAX_SESSION_ID_LEN,
  MAX_SOURCE_LEN,
  MAX_TRACE_ID_LEN,
} from './limits';

export const EVENT_KINDS = ['message', 'tool', 'command', 'system'] as const;
export const eventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof eventKind>;

/** Dotted lowercase name with at least two segments: `unity.script_generated`, `build.progress`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
export const eventType = z
  .string()
  .min(1, 'type must not be empty')
  .max(MAX_EVENT_TYPE_LEN, `type must be at most ${MAX_EVENT_TYPE_LEN} characters`)
  .regex(EVENT_TYPE_PATTERN, "type must be a dotted lowercase name like 'unity.script_generated'");

/** Unix time in seconds (fractions allowed). The upper bound catches milliseconds sent by mistake. */
export const unixSeconds = z
  .number()
  .min(0, 'timestamp must be unix seconds >= 0')
  .max(MAX_EVENT_TS_SECONDS, 'timestamp must be unix seconds (this looks like milliseconds)');

/** Any JSON value, as z.json() types it. */
export type JsonValue = z.core.util.JSONType;

/**
 * A JSON object whose JSON.stringify is at most MAX_EVENT_PAYLOAD_BYTES of UTF-8. The size is
 * checked first (it also catches cycles and BigInt, which stringify rejects), and only then is the
 * structure walked, once, for anything jsonb cannot hold; so an oversized or cyclic payload is
 * never traversed deeply.
 */
export const eventPayload = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    let json: string;
    try {
      json = JSON.stringify(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'payload must be JSON-serialisable' });
      return;
    }
    if (!fitsUtf8Bytes(json, MAX_EVENT_PAYLOAD_BYTES)) {
      ctx.addIssue({ code: 'custom', message: `payload must be at most ${MAX_EVENT_PAYLOAD_BYTES} bytes as JSON (UTF-8)` });
      return;
    }
    const found = findUnstorableJson(value);
    if (found) ctx.addIssue({ code: 'custom', path: found.path, message: `payload ${found.kind === 'text' ? 'text ' : ''}${found.problem}` });
  })
  // Checked above; this only types what passed as JSON.
  .pipe(z.custom<Record<string, JsonValue>>(() => true));
export type EventPayload = z.infer<typeof eventPayload>;

// Strict: an unknown top-level field is rejected rather than silently dropped, so a producer's
// typo ("sessionId", "trace") surfaces as a 400 naming the field instead of as lost data.
export const sparkEventV1 = z.strictObject({
  v: z.literal(1, 'v must be 1'),
  id: z.uuid('id must be a UUID'),
  type: eventType,
  source: storableString('source')
    .min(1, 'source must not be empty')
    .max(MAX_SOURCE_LEN, `source must be at most ${MAX_SOURCE_LEN} characters`),
  kind: eventKind,
  ts: unixSeconds,
  session_id: storableString('session_id')
    .min(1, 'session_id must not be empty')
    .max(MAX_SESSION_ID_LEN, `session_id must be at most ${MAX_SESSION_ID_LEN} characters`),
  payload: eventPayload,
  trace_id: storableString('trace_id')
    .min(1, 'trace_id must not be empty')
    .max(MAX_TRACE_ID_LEN, `trace_id must be at most ${MAX_TRACE_ID_LEN} characters`)
    .optional(),
});
export type SparkEventV1 = z.infer<typeof sparkEventV1>;

/** Who put an event on the queue: an agent token, an ingest token, a person, the edge itself, or a verified webhook delivery. */
export const EVENT_PRODUCER_KINDS = ['agent', 'ingest', 'user', 'edge', 'webhook'] as const;
export const eventProducer = z.strictObject({
  kind: z.enum(EVENT_PRODUCER_KINDS),
  tokenId: z.uuid().optional(),
  /**
   * The edge checked that this event reports an operation Spark dispatched to the event's session
   * (same call id, operation, path and, for a script, the same code). Only such events feed the
   * change history, which Undo writes back into the Unity project.
   */
  verifiedOp: z.literal(true).optional(),
});
export type EventProducer = z.infer<typeof eventProducer>;

/**
 * One event per queue message: what the edge sent before packing (still accepted from messages in
 * flight during a deploy and from dead letters), and the consumer's unit of storage after unpacking.
 */
export const eventQueueMessage = z.strictObject({
  projectId: z.uuid('projectId must be a UUID'),
  event: sparkEventV1,
  /** Unix milliseconds at the edge. */
  receivedAt: z.int().nonnegative(),
  /** Set by the edge from the caller, never from the body; absent on messages older than it. */
  producer: eventProducer.optional(),
  /** Set when the edge's ingest log (local stack) keeps the event until the consumer acks it. */
  logged: z.literal(true).optional(),
});

/**
 * What the edge puts on the "spark-events" queue since packing: many events of one project, one
 * producer and one arrival in one message (≤ QUEUE_MESSAGE_MAX_BYTES serialized), so the queue
 * carries hundreds of events per message instead of one. `verifiedOps` lists the indexes (into
 * `events`) that the edge verified as an agent's report of an op Spark dispatched (see
 * eventProducer.verifiedOp): by index, not id, so a resent id in the same pack cannot borrow the mark.
 */
export const eventPackMessage = z.strictObject({
  v: z.literal(2, 'v must be 2'),
  projectId: z.uuid('projectId must be a UUID'),
  /** Unix milliseconds at the edge. */
  receivedAt: z.int().nonnegative(),
  /** Set by the edge from the caller, never from the body; absent when the events it packs predate it. */
  producer: eventProducer.omit({ verifiedOp: true }).optional(),
  verifiedOps: z.array(z.int().nonnegative()).optional(),
  events: z.array(sparkEventV1).min(1, 'a pack holds at least one event'),
  /** Set when the edge's ingest log (local stack) keeps these events until the consumer acks them. */
  logged: z.literal(true).optional(),
});
export type EventPackMessage = z.infer<typeof eventPackMessage>;

/**
 * A pack as the consumer reads it: the envelope checked, each event left to be checked on its own
 * (against packedEvent), so one event that breaks the contract does not take the rest of its pack with it.
 */
export const eventPackEnvelope = eventPackMessage.extend({ events: z.array(z.unknown()).min(1, 'a pack holds at least one event') });

/**
 * An event of a pack as the consumer checks it again: every field as the edge checked it, but the
 * payload only as an object. Its deep checks (size, JSON, storable text) walk every value and
 * cost more than the rest of the event together; the edge made them before packing, and what
 * Postgres would still refuse takes the consumer's refused-event path (stored in dead_letters with the reason).
 */
export const packedEvent = sparkEventV1.extend({ payload: z.record(z.string(), z.unknown()) });

/** Any body on the "spark-events" queue: a pack, or one event from before packing. */
export type EventQueueBody = EventPackMessage | EventQueueMessage;

/** Cloudflare Queues refuse a message over 128 KB (Miniflare: 128,000 bytes of the serialized body). */
export const QUEUE_MESSAGE_MAX_BYTES = 128_000;

/** Event types the change history is projected from (and so what Undo may write back). */
export const HISTORY_EVENT_TYPES = ['unity.script_generated', 'unity.patch_applied', 'unity.script_deleted'] as const;
/** The operation whose result each history event reports. */
export const HISTORY_EVENT_OP = {
  'unity.script_generated': 'generate_script',
  'unity.patch_applied': 'apply_patch',
  'unity.script_deleted': 'delete_script',
} as const satisfies Record<(typeof HISTORY_EVENT_TYPES)[number], string>;
export type EventQueueMessage = z.infer<typeof eventQueueMessage>;

export const FUNCTION_CALL_STATUSES = ['started', 'succeeded', 'failed', 'timeout'] as const;
export const functionCallStatus = z.enum(FUNCTION_CALL_STATUSES);
export type FunctionCallStatus = z.infer<typeof functionCallStatus>;

/**
 * Payload of a `kind: 'tool'` event describing one function call (one event per status change,
 * joined by call_id). Not strict: producers may add fields; they are dropped on parse.
 */
export const functionCallPayload = z.object({
  call_id: z.string().min(1).max(MAX_CALL_ID_LEN),
  name: z.string().min(1).max(MAX_FUNCTION_NAME_LEN),
  status: functionCallStatus,
  args: z.record(z.string(), z.unknown()).optional(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  latency_ms: z.int().nonnegative().optional(),
  started_at: unixSeconds.optional(),
  completed_at: unixSeconds.optional(),
});
export type FunctionCallPayload = z.infer<typeof functionCallPayload>;
