import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_INGEST_BYTES } from '../../contracts/limits';
import type { AppEnv } from '../types';
import { HttpError } from './errors';
import { isJsonMediaType, parseJsonLimited, readBodyLimited } from './validate';
import { DEFAULT_JSON_SHAPE } from '../../contracts/json-shape';
import { MAX_WEBHOOK_BODY_BYTES } from '../../contracts/webhooks';
import { MAX_EVENT_IMPORT_BYTES } from '../../contracts/event-log';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A whole history export (up to 500 changes with their text): the largest body the API takes. */
export const MAX_IMPORT_BYTES = 8 * MiB;
/** One Unity operation: a script of 200 KiB, JSON-escaped, fits. */
export const MAX_OP_BYTES = 1 * MiB;
/** Everything else: names, credentials, small JSON. */
export const DEFAULT_BODY_BYTES = 64 * KiB;

// Webhook deliveries are verified over their exact bytes before anything parses them.
const WEBHOOK_DELIVERY_PATH = /^\/hooks\/[^/]+$/;
const takesRawBody = (method: string, path: string) => method === 'POST' && WEBHOOK_DELIVERY_PATH.test(path);
// Routes that read their body as a stream (an event log import, up to 100 MiB): never buffered here.
const EVENT_IMPORT_PATH = /^\/api\/projects\/[^/]+\/events\/import$/;
const streamsBody = (method: string, path: string) => method === 'POST' && EVENT_IMPORT_PATH.test(path);

// Routes that take more than the default, by method and path. First match wins.
const LIMITS: { method: string; path: RegExp; maxBytes: number }[] = [
  { method: 'POST', path: /^\/api\/projects\/[^/]+\/events$/, maxBytes: MAX_INGEST_BYTES },
  { method: 'POST', path: /^\/api\/projects\/[^/]+\/sessions\/[^/]+\/ops$/, maxBytes: MAX_OP_BYTES },
  { method: 'POST', path: /^\/api\/projects\/[^/]+\/sessions\/[^/]+\/changes\/import$/, maxBytes: MAX_IMPORT_BYTES },
  // An MCP tool call carries at most one operation (write_script's code) in its JSON-RPC envelope.
  { method: 'POST', path: /^\/mcp(\/[^/]+)?$/, maxBytes: MAX_OP_BYTES },
  { method: 'POST', path: WEBHOOK_DELIVERY_PATH, maxBytes: MAX_WEBHOOK_BODY_BYTES },
  // NDJSON, streamed by the route (never held whole).
  { method: 'POST', path: EVENT_IMPORT_PATH, maxBytes: MAX_EVENT_IMPORT_BYTES },
  // One public-format event: a 64 KiB payload, escaped, with its envelope.
  { method: 'POST', path: /^\/ingest$/, maxBytes: MAX_INGEST_BYTES },
];

export function bodyLimitFor(method: string, path: string): number {
  return LIMITS.find((l) => l.method === method && l.path.test(path))?.maxBytes ?? DEFAULT_BODY_BYTES;
}

/**
 * Every request body has a limit, checked before anything parses it: 413 above it. A JSON body is
 * read here, once, through the shape scanner (depth, count, string size) and JSON.parse; routes and
 * validators then read it from Hono's body cache, so none can reach JSON.parse unbounded.
 */
export function limitBodies(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const maxSize = bodyLimitFor(c.req.method, c.req.path);
    // Over the limit, the body is read away before the 413 (readBodyLimited throws it then), or the
    // client, still sending, gets a reset connection instead of the answer.
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (c.req.raw.body && takesRawBody(c.req.method, c.req.path)) {
      // Read within the limit, kept as bytes: the route reads them with c.req.arrayBuffer().
      const bytes = await readBodyLimited(c.req.raw, maxSize);
      (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(bytes.buffer);
      return next();
    }
    if (c.req.raw.body && isJsonMediaType(c.req.header('content-type'))) {
      const text = new TextDecoder().decode(await readBodyLimited(c.req.raw, maxSize));
      parseJsonLimited(text, DEFAULT_JSON_SHAPE, (message) => new HttpError(400, 'invalid_body', `request body: ${message}`));
      // Hono's c.req.json() parses the cached text; the declared type of the cache is narrower than its use.
      (c.req.bodyCache as { text?: unknown }).text = Promise.resolve(text);
      return next();
    }
    if (c.req.raw.body && !Number.isFinite(declared) && streamsBody(c.req.method, c.req.path)) {
      // Counted as the route reads it: past the limit the read fails with the 413.
      const body = c.req.raw.body.pipeThrough(countUpTo(maxSize));
      c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers: c.req.raw.headers, body, duplex: 'half' } as RequestInit);
      return next();
    }
    if (Number.isFinite(declared)) {
      if (declared > maxSize) await readBodyLimited(c.req.raw, maxSize);
    } else if (c.req.raw.body) {
      // Streamed (no Content-Length): only reading tells its size. Within the limit, the handler
      // reads the same bytes as usual.
      const bytes = await readBodyLimited(c.req.raw, maxSize);
      c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers: c.req.raw.headers, body: bytes });
    }
    const limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new HttpError(413, 'payload_too_large', `request body must be at most ${maxSize} bytes for this route`);
      },
    });
    return limit(c, next);
  };
}

/** Passes bytes through until more than `maxSize` have gone by, then fails the stream with a 413. */
function countUpTo(maxSize: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxSize) controller.error(new HttpError(413, 'payload_too_large', `request body must be at most ${maxSize} bytes for this route`));
      else controller.enqueue(chunk);
    },
  });
}
