import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiError } from '../../contracts/errors';
import { isDatabaseUnavailable } from '../../workers/db-errors';

/** An error the API answers with as `{ error: { code, message, path? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'missing or invalid credentials') =>
  new HttpError(401, 'unauthorized', message);

export function errorBody(code: string, message: string, path?: string): ApiError {
  return { error: path === undefined ? { code, message } : { code, message, path } };
}

/** Hono onError handler: known errors keep their status, anything else is a 500 without internals. */
export function handleError(err: Error, c: Context) {
  if (err instanceof HttpError) {
    for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
    return c.json(errorBody(err.code, err.message, err.path), err.status);
  }
  if (err instanceof HTTPException) {
    // Hono's own 4xx, e.g. a body that is not JSON.
    const code = err.status === 400 ? 'invalid_body' : 'http_error';
    return c.json(errorBody(code, err.message || 'bad request'), err.status);
  }
  if (isDatabaseUnavailable(err)) {
    console.error('database unavailable', err);
    c.header('Retry-After', '5');
    return c.json(errorBody('unavailable', 'the database is unreachable; try again shortly'), 503);
  }
  console.error('unhandled error', err);
  return c.json(errorBody('internal', 'internal error'), 500);
}
