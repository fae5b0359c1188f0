import type { Context } from 'hono';
import { checkJsonShape, DEFAULT_JSON_SHAPE, type JsonShapeLimits } from '../../contracts/json-shape';
import { MAX_DRAINED_BODY_BYTES } from '../../contracts/limits';
import { HttpError } from './errors';

/** Whether a Content-Type header names JSON (Hono's own test, on the media type). */
export const isJsonMediaType = (contentType: string | undefined) => JSON_MEDIA_TYPE.test((contentType ?? '').split(';')[0]!.trim());

/**
 * A request's JSON body: the one limitBodies already read and checked when it came as JSON, or else
 * (no JSON content type) read here within `maxBytes` and the same shape limits.
 */
export async function jsonBodyOf(c: Context, maxBytes: number): Promise<unknown> {
  return c.req.bodyCache.text ? c.req.json() : readJsonLimited(c.req.raw, maxBytes);
}

/**
 * The one JSON body reader: refuses bodies over `maxBytes` with 413 (after draining them, so the
 * client reads the answer instead of a reset connection) and documents whose shape breaks `shape`
 * with 400, before JSON.parse builds anything.
 */
export async function readJsonLimited(req: Request, maxBytes: number, shape: JsonShapeLimits = DEFAULT_JSON_SHAPE): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyLimited(req, maxBytes));
  return parseJsonLimited(text, shape, (message) => new HttpError(400, 'invalid_body', `request body: ${message}`));
}

/** JSON.parse behind checkJsonShape; every failure becomes `fail(message)`, never a raw throw. */
export function parseJsonLimited<E extends Error>(text: string, shape: JsonShapeLimits, fail: (message: string) => E): unknown {
  const violation = checkJsonShape(text, shape);
  if (violation) throw fail(violation.message);
  try {
    return JSON.parse(text);
  } catch {
    throw fail('must be valid JSON');
  }
}

/** The body's bytes, at most `maxBytes`; anything longer is read to the end (up to a cap) and refused. */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  const over = Number.isFinite(declared) && declared > maxBytes;
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (!over && total <= maxBytes) chunks.push(value);
    else if (total > MAX_DRAINED_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  if (over || total > maxBytes) throw tooLarge(maxBytes);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

// Hono's own test for a JSON body (hono/validator's jsonRegex, on the media type).
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const tooLarge = (max: number) => new HttpError(413, 'payload_too_large', `request body must be at most ${max} bytes`);
