import { OpenAPIHono, z, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { apiError, firstIssue } from '../../contracts/errors';
import type { AppEnv } from '../types';
import { HttpError } from './errors';

/**
 * A router whose routes are declared with `createRoute` (request and response schemas), so one
 * declaration validates the request, types the handler's answer and feeds the OpenAPI document.
 * A failed validation answers 400 `{ error: { code: 'invalid_<target>', message, path } }`.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issue = firstIssue(result.error as unknown as z.ZodError);
      throw new HttpError(400, `invalid_${result.target}`, issue.message, issue.path);
    },
  });
}

/**
 * A route's own validation hook, for the routes whose failures keep an older code (`invalid_op`,
 * `invalid_body`): `before` runs first on a failure, so an access error still wins over a bad body.
 */
export function failWith(code: string, before?: (c: Context<AppEnv>) => Promise<unknown>) {
  // Nothing on success; on a failure, a promise that always rejects (the hook never answers itself).
  return (result: { success: boolean; error?: unknown }, c: Context<AppEnv>): Promise<never> | undefined => {
    if (result.success) return undefined;
    const issue = firstIssue(result.error as z.ZodError);
    return (async () => {
      if (before) await before(c);
      throw new HttpError(400, code, issue.message, issue.path);
    })();
  };
}

/** Path parameters of the project- and session-scoped routes (checked as ids by the handlers: 404). */
export const projectParams = z.object({ projectId: z.string() });
export const sessionParams = projectParams.extend({ sessionId: z.string() });
/** The path of a session's routes, under /api/projects. */
export const SESSION_PATH = '/{projectId}/sessions/{sessionId}';

/** A route that anyone may call (no bearer token): its OpenAPI operation lists no security. */
export const PUBLIC: { security: [] } = { security: [] };
/** The session socket: a bearer token, or a one-time ticket in the query (browsers send no headers there). */
export const BEARER_OR_TICKET: { security: Record<string, string[]>[] } = { security: [{ bearer: [] }, { ticket: [] }] };

/** The handler of a declared route: its params, query, body and answers typed by the route. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

/** A JSON answer of `schema`, for a route's `responses`. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** A required JSON request body of `schema`, for a route's `request.body`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

const errorContent = (description: string) => jsonContent(apiError, description);

/** The error answers most routes share, documented once. */
export const errorResponses = {
  400: errorContent('The request broke its schema: `path` names the field'),
  401: errorContent('Missing or invalid credentials'),
  403: errorContent('Authenticated, but not allowed to do this'),
  404: errorContent('Not found, or not yours'),
  429: errorContent('Too many requests for this token; `Retry-After` says when to try again'),
} as const;

/** The answers of a route that anyone may call: bad input, and too many tries from one address. */
export const publicErrorResponses = {
  400: errorResponses[400],
  429: errorContent('Too many requests from this address; `Retry-After` says when to try again'),
} as const;

/** An error answer, for a route's `responses`. */
export const errorResponse = errorContent;

