// Completes public-format events (no `id`, no `type`) into SparkEventV1, deterministically, so an
// adapter that resends an event has it stored once.
import type { SparkEventV1 } from '../../contracts/event';
import type { PublicSparkEvent } from '../../contracts/public-event';
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
