import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { z } from 'zod';
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
  404: errorContent('Not found, or not yours'),
} as const;
