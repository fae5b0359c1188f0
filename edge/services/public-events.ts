// Completes public-format events (no `id`, no `type`) into SparkEventV1, deterministically, so an
// adapter that resends an event has it stored once.
import { firstIssue } from '../../contracts/errors';
import { sparkEventV1, type SparkEventV1 } from '../../contracts/event';
import { publicSparkEvent, type PublicSparkEvent } from '../../contracts/public-event';
import type { Rejection } from './ingest';
import { nameBasedUuid } from '../webhooks/event-id';
import { eventTypeOf } from '../webhooks/normalize/shared';

/**
 * The id: from `trace_id` when present (with source and kind, so a trace's tool call and its
 * message stay two events), else from the event's canonical JSON. The type: `<source>.<kind>`.
 */
export async function completePublicEvent(e: PublicSparkEvent): Promise<SparkEventV1> {
  const type = e.type ?? eventTypeOf(e.source, e.kind);
  const id =
    e.id ??
    (await nameBasedUuid(e.trace_id !== undefined ? `public-trace\n${e.source}\n${e.kind}\n${e.trace_id}` : `public-event\n${canonicalJson({ ...e, type })}`));
  return { ...e, id, type };
}

/** JSON with object keys sorted at every level: the same event always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The batch endpoint's check: each item is a SparkEventV1 or a public-format event (no `id`/`type`),
 * completed as above; the others are named by index and field, like splitEvents does.
 */
export async function splitPublicEvents(raw: readonly unknown[]): Promise<{ valid: SparkEventV1[]; rejected: Rejection[] }> {
  const valid: SparkEventV1[] = [];
  const rejected: Rejection[] = [];
  for (const [index, item] of raw.entries()) {
    const r = publicSparkEvent.safeParse(item);
    if (!r.success) {
      rejected.push({ index, error: { ...firstIssue(r.error), code: 'invalid_event' } });
      continue;
    }
    // With its own id and type the event passed every field's check of SparkEventV1 already (the
    // public schema is the same object with those two optional): checked once, not twice.
    const { id, type } = r.data;
    if (id !== undefined && type !== undefined) {
      valid.push({ ...r.data, id, type });
      continue;
    }
    // A derived type can still break the contract (e.g. a source of symbols only): say so by index.
    const complete = sparkEventV1.safeParse(await completePublicEvent(r.data));
    if (complete.success) valid.push(complete.data);
    else rejected.push({ index, error: { ...firstIssue(complete.error), code: 'invalid_event' } });
  }
  return { valid, rejected };
}
