// Standard Webhooks bodies are `{ type, timestamp, data }` by the spec's recommendation. A CI or
// deploy tool may speak Spark's own names (`ci.*`, `deploy.*`); anything else becomes
// `webhook.<type>`, so a generic sender cannot pose as Spark's own events (`unity.*`).
import { eventTypeOf, fitPayload, obj, isoTime, sessionOf, str, type EventDraft, type NormalizeInput } from './shared';

const PASSED_THROUGH = /^(ci|deploy)\.[a-z0-9_]+(\.[a-z0-9_]+)*$/;

export function normalizeStandard({ body, receivedAt, sourceName }: NormalizeInput): EventDraft[] {
  const b = obj(body);
  const type = str(b.type);
  const data = typeof b.data === 'object' && b.data !== null && !Array.isArray(b.data) ? obj(b.data) : { data: b.data ?? b };
  const dotted = type?.toLowerCase() ?? '';
  return [
    {
      type: PASSED_THROUGH.test(dotted) ? dotted : eventTypeOf('webhook', ...(type ? type.split('.') : ['event'])),
      source: 'standard-webhooks',
      ts: receivedAt / 1000,
      session_id: sessionOf(str(data.repository) ?? str(data.session_id), sourceName),
      payload: fitPayload({ ...data, occurred_at: isoTime(b.timestamp) }),
    },
  ];
}
