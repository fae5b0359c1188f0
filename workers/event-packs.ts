// Events packed per queue message, and unpacked again. The edge and the ingest log pack; the
// consumer, the DLQ consumer and replay unpack. One event per message would cap the pipeline at
// the queue's message rate (5,000/s per queue in production, ~10,000 in flight locally).
import {
  eventPackEnvelope,
  eventQueueMessage,
  packedEvent,
  QUEUE_MESSAGE_MAX_BYTES,
  type EventPackMessage,
  type EventQueueMessage,
  type SparkEventV1,
} from '../contracts/event';
import { utf8ByteLength } from '../contracts/bytes';

/** A pack's serialized body stays this far under the queue's message limit (the queue adds its own framing). */
export const PACK_HEADROOM_BYTES = 8_000;
export const MAX_PACK_BYTES = QUEUE_MESSAGE_MAX_BYTES - PACK_HEADROOM_BYTES;

export interface PackLimits {
  /** Serialized body bytes per pack (default MAX_PACK_BYTES). */
  maxBytes?: number;
  /** Events per pack; 1 gives one event per message (the bench's per-message baseline). */
  maxEvents?: number;
}

/** A pack ready to send, with its serialized size (an upper bound) and how many events it carries. */
export interface Pack {
  body: EventPackMessage;
  bytes: number;
}

/**
 * Packs one-event messages in order into as few packs as the limits allow. A pack holds one
 * project, one producer (kind and token) and one arrival time, so a change of any of them starts
 * the next pack; an event that does not fit in the current pack starts the next one, and any single
 * event fits in a pack of its own (a payload is at most 64 KiB). Sizes are counted on the JSON the
 * queue serializes: each event is stringified once.
 */
export function packEvents(messages: readonly EventQueueMessage[], limits: PackLimits = {}): Pack[] {
  const maxBytes = limits.maxBytes ?? MAX_PACK_BYTES;
  const maxEvents = Math.max(1, limits.maxEvents ?? Infinity);
  const packs: Pack[] = [];
  let current: Pack | null = null;
  let currentKey = '';
  for (const m of messages) {
    const producer = m.producer && { kind: m.producer.kind, ...(m.producer.tokenId ? { tokenId: m.producer.tokenId } : {}) };
    const key = `${m.projectId}|${m.receivedAt}|${producer?.kind ?? ''}|${producer?.tokenId ?? ''}|${m.logged === true}`;
    const eventBytes = jsonBytes(m.event) + 1; // and its comma
    const verified = m.producer?.verifiedOp === true;
    const indexBytes = verified && current ? String(current.body.events.length).length + 1 : 0;
    if (!current || key !== currentKey || current.body.events.length >= maxEvents || current.bytes + eventBytes + indexBytes > maxBytes) {
      const body: EventPackMessage = { v: 2, projectId: m.projectId, receivedAt: m.receivedAt, ...(producer ? { producer } : {}), events: [], ...(m.logged ? { logged: true } : {}) };
      // The envelope with an empty list, and room for `"verifiedOps":[],` should it be needed.
      current = { body, bytes: utf8ByteLength(JSON.stringify(body)) + '"verifiedOps":[],'.length };
      currentKey = key;
      packs.push(current);
    }
    if (verified) {
      (current.body.verifiedOps ??= []).push(current.body.events.length);
      current.bytes += String(current.body.events.length).length + 1;
    }
    current.body.events.push(m.event);
    current.bytes += eventBytes;
  }
  return packs;
}

/** One event of a message, ready to store, or why it cannot be. */
export type Unpacked = { ok: true; message: EventQueueMessage; index: number } | { ok: false; error: string; index: number; raw: unknown };

/**
 * What a queue body holds: the events of a pack (v2) or the one event of an older message (v1),
 * each checked on its own; or, when the body is neither, why (the whole message is then invalid).
 */
export function unpackMessage(body: unknown): { ok: true; projectId: string; events: Unpacked[] } | { ok: false; error: string } {
  if ((body as { v?: unknown } | null)?.v !== 2) {
    const one = eventQueueMessage.safeParse(body);
    return one.success ? { ok: true, projectId: one.data.projectId, events: [{ ok: true, message: one.data, index: 0 }] } : { ok: false, error: invalidText(one.error.issues) };
  }
  const pack = eventPackEnvelope.safeParse(body);
  if (!pack.success) return { ok: false, error: invalidText(pack.error.issues) };
  const { projectId, receivedAt, producer, logged, verifiedOps = [], events } = pack.data;
  const verified = new Set(verifiedOps);
  return {
    ok: true,
    projectId,
    events: events.map((raw, index): Unpacked => {
      const event = packedEvent.safeParse(raw);
      if (!event.success) return { ok: false, error: invalidText(event.error.issues, `events.${index}.`), index, raw };
      const message: EventQueueMessage = { projectId, event: event.data as SparkEventV1, receivedAt };
      if (producer) message.producer = verified.has(index) ? { ...producer, verifiedOp: true } : producer;
      if (logged) message.logged = true;
      return { ok: true, message, index };
    }),
  };
}

/** The one-event message of an event of a pack: what a dead letter keeps, so replay sends it alone. */
export function singleEventBody(projectId: string, pack: { receivedAt?: unknown; producer?: unknown }, event: unknown): unknown {
  return { projectId, event, receivedAt: pack.receivedAt, ...(pack.producer ? { producer: pack.producer } : {}) };
}

/** The ingest-log keys (project, event id) of the events a logged message carries; none when it is not logged. */
export function loggedKeys(body: unknown): { projectId: string; id: string }[] {
  const b = body as { logged?: unknown; projectId?: unknown; event?: { id?: unknown }; events?: unknown } | null;
  if (b?.logged !== true || typeof b.projectId !== 'string') return [];
  const projectId = b.projectId;
  const events = Array.isArray(b.events) ? (b.events as { id?: unknown }[]) : [b.event];
  return events.flatMap((e) => (typeof e?.id === 'string' ? [{ projectId, id: e.id }] : []));
}

/** How many events a queue body carries (a pack's list, else one). */
export function eventCount(body: unknown): number {
  const events = (body as { events?: unknown } | null)?.events;
  return Array.isArray(events) ? events.length : 1;
}

/** UTF-8 bytes of a value's JSON; most events are ASCII, whose byte count is their length. */
function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  return NON_ASCII.test(json) ? utf8ByteLength(json) : json.length;
}
const NON_ASCII = /[^\x00-\x7f]/;

function invalidText(issues: readonly { path: PropertyKey[]; message: string }[], prefix = ''): string {
  return `invalid message: ${issues.map((i) => `${prefix}${i.path.map(String).join('.') || (prefix ? '' : '(root)')}: ${i.message}`).join('; ')}`;
}
