import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiError } from '../../contracts/errors';
import { isDatabaseUnavailable, sqlState } from '../../workers/db-errors';
import { logError } from '../../workers/safe-log';

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
    logError('database unavailable', err);
    c.header('Retry-After', '5');
    return c.json(errorBody('unavailable', 'the database is unreachable; try again shortly'), 503);
  }
  // A value that got past validation but Postgres refused (class 22: data exception): still the
  // caller's input, so a 4xx; every such case should also get a rule at the boundary.
  const state = sqlState(err);
  if (state?.startsWith('22')) {
    logError('input refused by the database', err);
    return c.json(errorBody('invalid_input', 'a value in this request is out of range or not valid text'), 400);
  }
  logError('unhandled error', err);
  return c.json(errorBody('internal', 'internal error'), 500);
}
