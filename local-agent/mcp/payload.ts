// Keeping event payloads within the contracts' limit (MAX_EVENT_PAYLOAD_BYTES = 64 KiB of JSON).
import { MAX_EVENT_PAYLOAD_BYTES, utf8ByteLength } from '../../contracts/index';

export function payloadBytes(payload: Record<string, unknown>): number {
  return utf8ByteLength(JSON.stringify(payload));
}

export function fitsPayload(payload: Record<string, unknown>): boolean {
  return payloadBytes(payload) <= MAX_EVENT_PAYLOAD_BYTES;
}

/**
 * The payload, made to fit. Rule: the optional content fields named in `optional` (e.g. a patch's
 * `before`/`after` texts) are all kept when the whole payload fits, otherwise all dropped
 * together (so a consumer never gets a before without its after) and `content_omitted: true` is
 * set; the shas and sizes stay. If it still does not fit, every string longer than 1 KiB is cut
 * to 1 KiB (characters), and as a last resort only the scalar fields that fit survive (plus `truncated: true`).
 */
export function fitPayload(payload: Record<string, unknown>, optional: readonly string[] = []): Record<string, unknown> {
  if (fitsPayload(payload)) return payload;
  let out: Record<string, unknown> = { ...payload };
  const dropped = optional.filter((k) => k in out);
  for (const k of dropped) delete out[k];
  if (dropped.length > 0) out.content_omitted = true;
  if (fitsPayload(out)) return out;
  out = truncateStrings(out, 1024) as Record<string, unknown>;
  out.truncated = true;
  if (fitsPayload(out)) return out;
  const scalars: Record<string, unknown> = { truncated: true };
  for (const [k, v] of Object.entries(out)) {
    if (v !== null && typeof v === 'object') continue;
    scalars[k] = v;
    if (!fitsPayload(scalars)) delete scalars[k];
  }
  return scalars;
}

function truncateStrings(value: unknown, max: number): unknown {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}…` : value;
  if (Array.isArray(value)) return value.map((v) => truncateStrings(v, max));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = truncateStrings(v, max);
    return out;
  }
  return value;
}
