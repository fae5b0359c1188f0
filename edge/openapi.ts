import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './types';

const INFO = { title: 'Spark API', version: '1', description: 'Drive a Unity project from anywhere. Errors are { error: { code, message, path? } }.' };

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'A user access token (JWT) or a project API token (spk_…)' },
  ticket: { type: 'apiKey', in: 'query', name: 'ticket', description: 'A one-time socket ticket (POST …/socket-tickets), for the session WebSocket only' },
} as const;

/**
 * The OpenAPI document of `app`, generated from its routes' declarations (createRoute) and
 * nothing else. A route that declares no `security` needs the bearer token; public ones declare
 * `security: []`.
 */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>) {
  const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO });
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops as Record<string, { security?: unknown }>)) op.security ??= [{ bearer: [] }];
  }
  return { ...doc, components: { ...doc.components, securitySchemes: SECURITY_SCHEMES } };
}
