import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from './types';
import * as api from '../contracts/api';
import { apiError } from '../contracts/errors';
import { sparkEventV1 } from '../contracts/event';
import { scriptContent, scriptContentQuery, scriptList } from '../contracts/scripts-api';
import { MAX_INGEST_EVENTS } from '../contracts/limits';
import { unityOperation } from '../contracts/unity-ops';
import { opView } from '../contracts/ws';

// Routes not yet declared with createRoute, described by hand. Each route moved to createRoute
// leaves this table; the document merges both (routes declared with their schemas win).
type Method = 'get' | 'post' | 'delete';
interface RouteDoc {
  method: Method;
  path: string;
  summary: string;
  auth?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  status: number;
  response?: z.ZodType;
}

const P = '/api/projects/{projectId}';
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

const routes: RouteDoc[] = [
  { method: 'get', path: '/health', summary: 'Liveness', auth: false, status: 200, response: z.object({ status: z.literal('ok') }) },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: the database answers (503 with the reason otherwise); with the ingest log on, how many accepted events wait',
    auth: false,
    status: 200,
    response: z.object({
      status: z.literal('ready'),
      ingest_log: z.union([z.object({ pending: z.int(), inFlight: z.int() }), z.object({ error: z.string() })]).optional(),
    }),
  },
  { method: 'post', path: '/api/auth/signup', summary: 'Create an account (answers alike for taken emails; then log in)', auth: false, body: api.signupBody, status: 202, response: api.signupResponse },
  { method: 'post', path: '/api/auth/login', summary: 'Log in: an access token, and the refresh token as an httpOnly cookie', auth: false, body: api.credentials, status: 200, response: api.authResponse },
  { method: 'post', path: '/api/auth/refresh', summary: 'Trade the refresh cookie for a new access token (the cookie rotates)', auth: false, status: 200, response: api.authResponse },
  { method: 'post', path: '/api/auth/logout', summary: 'End this sign-in (revokes the refresh cookie)', auth: false, status: 204 },
  { method: 'get', path: '/api/auth/me', summary: 'The signed-in user', status: 200, response: api.userView },
  { method: 'get', path: '/api/auth/sessions', summary: 'Where you are signed in', status: 200, response: list(api.signInView) },
  { method: 'delete', path: '/api/auth/sessions/{familyId}', summary: 'End one sign-in', status: 204 },
  { method: 'post', path: '/api/projects', summary: 'Create a project (you become its owner)', body: api.createProjectBody, status: 201, response: api.projectView },
  { method: 'get', path: '/api/projects', summary: 'Projects you belong to', status: 200, response: list(api.projectView) },
  { method: 'get', path: P, summary: 'One project', status: 200, response: api.projectView },
  { method: 'post', path: `${P}/members`, summary: 'Add or change a member (owner)', body: api.addMemberBody, status: 201 },
  { method: 'post', path: `${P}/tokens`, summary: 'Create an API token; the secret is shown once (owner)', body: api.createTokenBody, status: 201, response: api.createdToken },
  { method: 'get', path: `${P}/tokens`, summary: 'API tokens (owner)', status: 200, response: list(api.tokenView) },
  { method: 'delete', path: `${P}/tokens/{tokenId}`, summary: 'Revoke an API token (owner)', status: 204 },
  {
    method: 'post',
    path: `${P}/events`,
    summary: `Ingest up to ${MAX_INGEST_EVENTS} SparkEventV1 events (≤ 1 MiB); invalid ones are rejected by index`,
    body: z.object({ events: z.array(sparkEventV1).min(1).max(MAX_INGEST_EVENTS) }),
    status: 202,
    response: api.ingestResponse,
  },
  { method: 'get', path: `${P}/events`, summary: 'Events, newest first, keyset-paginated', query: api.eventsQuery, status: 200, response: api.eventsPage },
  { method: 'post', path: `${P}/pairing-codes`, summary: 'A one-time code (10 minutes) to pair an agent', status: 201, response: api.pairingCodeView },
  { method: 'post', path: '/api/agent/pair', summary: 'Trade a pairing code for an agent token (shown once)', auth: false, body: api.pairBody, status: 201, response: api.pairResponse },
  { method: 'get', path: `${P}/agents`, summary: "The project's agents", status: 200, response: list(api.agentView) },
  { method: 'post', path: `${P}/sessions/{sessionId}/ops`, summary: 'Queue a Unity operation for the agent', body: unityOperation, status: 202, response: z.object({ callId: z.uuid(), state: z.string() }) },
  { method: 'get', path: `${P}/sessions/{sessionId}/ops`, summary: 'Recent operations, newest first, and the agent state', status: 200 },
  { method: 'get', path: `${P}/sessions/{sessionId}/ops/{callId}`, summary: 'One operation', status: 200, response: opView },
  { method: 'get', path: `${P}/sessions/{sessionId}/frames/{callId}`, summary: 'A preview frame (immutable; Authorization header)', status: 200 },
  { method: 'post', path: `${P}/sessions/{sessionId}/socket-tickets`, summary: "A one-time, 30-second ticket for a browser's WebSocket", status: 201, response: api.socketTicketView },
  { method: 'get', path: `${P}/sessions/{sessionId}/connect`, summary: 'WebSocket to the session room (?role=browser|agent; Authorization header, or ?ticket= from socket-tickets)', status: 101 },
  { method: 'get', path: `${P}/sessions/{sessionId}/scripts`, summary: "The session's scripts (from its change history), by path", status: 200, response: scriptList },
  { method: 'get', path: `${P}/sessions/{sessionId}/scripts/content`, summary: "One script's newest text", query: scriptContentQuery, status: 200, response: scriptContent },
  { method: 'get', path: `${P}/dead-letters`, summary: 'Events that could not be stored (owner)', status: 200, response: list(api.deadLetterView) },
  { method: 'post', path: `${P}/dead-letters/replay`, summary: 'Re-enqueue dead letters (owner)', body: api.replayBody, status: 202, response: api.replayResponse },
];

const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' });

export function legacyOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = r.query
      ? Object.entries(r.query.shape).map(([name, s]) => ({ name, in: 'query', required: !(s as z.ZodType).safeParse(undefined).success, schema: schema(s as z.ZodType, 'input') }))
      : [];
    const errorResponse = { description: 'Error', content: { 'application/json': { schema: schema(apiError, 'output') } } };
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      security: r.auth === false ? [] : [{ bearer: [] }],
      parameters: [...params, ...queryParams],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } } : {}),
      responses: {
        [r.status]: r.response ? { description: 'OK', content: { 'application/json': { schema: schema(r.response, 'output') } } } : { description: 'OK' },
        ...(r.auth === false ? {} : { 401: errorResponse, 404: errorResponse, 429: errorResponse }),
        400: errorResponse,
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Spark API', version: '1', description: 'Drive a Unity project from anywhere. Errors are { error: { code, message, path? } }.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A user access token (JWT) or a project API token (spk_…)' } } },
    paths,
  };
}

const INFO = { title: 'Spark API', version: '1', description: 'Drive a Unity project from anywhere. Errors are { error: { code, message, path? } }.' };

/** The document of `app`: its declared routes, generated from their schemas, plus the legacy table. */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>) {
  const generated = app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO });
  const legacy = legacyOpenApiDocument();
  const paths: Record<string, Record<string, unknown>> = { ...(legacy.paths as Record<string, Record<string, unknown>>) };
  for (const [path, ops] of Object.entries(generated.paths ?? {})) paths[path] = { ...paths[path], ...(ops as Record<string, unknown>) };
  for (const ops of Object.values(paths)) for (const op of Object.values(ops) as { security?: unknown }[]) op.security ??= [{ bearer: [] }];
  return { ...generated, components: { ...generated.components, ...legacy.components }, paths };
}
