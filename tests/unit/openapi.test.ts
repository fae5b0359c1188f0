// Issue 8 §3: every route of the app is declared with its schemas (createRoute), and the OpenAPI
// document, generated from those declarations only, lists exactly the app's routes. The app is
// built in-process: listing routes needs no database.
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../edge/app';
import { buildOpenApiDocument } from '../../edge/openapi';

// The app's modules import the Durable Object base class; nothing here runs a Durable Object.
vi.mock('cloudflare:workers', () => ({ DurableObject: class {} }));

type App = ReturnType<typeof createApp>;
type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>> };

/** The document itself is served by a plain route; it is not part of the API it describes. */
const DOCUMENT_ROUTE = 'GET /api/openapi.json';
const PUBLIC_ROUTES = [
  'GET /health',
  'GET /ready',
  'POST /api/auth/signup',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'POST /api/agent/pair',
  // OAuth for remote MCP clients: discovery, registration, the authorize pages and the token endpoint.
  'GET /.well-known/oauth-protected-resource',
  'GET /.well-known/oauth-protected-resource/mcp',
  'GET /.well-known/oauth-protected-resource/mcp/{projectId}',
  'GET /.well-known/oauth-authorization-server',
  'POST /oauth/register',
  'GET /oauth/authorize',
  'POST /oauth/authorize',
  'POST /oauth/token',
  'POST /oauth/revoke',
];

/** Every method + path Hono routes (middleware `ALL` entries left out), as `METHOD /path/{param}`. */
function appRoutes(app: App): string[] {
  const keys = app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  return [...new Set(keys)].filter((k) => k !== DOCUMENT_ROUTE).sort();
}

function documentedRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

const operation = (doc: Doc, route: string) => {
  const [method, path] = route.split(' ') as [string, string];
  return doc.paths[path]![method.toLowerCase()]!;
};

describe('OpenAPI document', () => {
  const app = createApp();
  const doc = buildOpenApiDocument(app) as unknown as Doc;

  it('lists exactly the routes the app has', () => {
    const routes = appRoutes(app);
    expect(routes.length).toBeGreaterThan(30);
    expect(documentedRoutes(doc)).toEqual(routes);
  });

  it('fails when a route is added without a declaration', () => {
    const extended = createApp();
    extended.get('/api/undeclared', (c) => c.json({ ok: true }));
    const extendedDoc = buildOpenApiDocument(extended) as unknown as Doc;
    expect(appRoutes(extended)).toContain('GET /api/undeclared');
    expect(documentedRoutes(extendedDoc)).not.toContain('GET /api/undeclared');
  });

  it('declares each route with its parameters, body and answers', () => {
    for (const route of appRoutes(app)) {
      const op = operation(doc, route);
      const pathParams = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name).sort() ?? [], route).toEqual(pathParams);
      // A body is JSON, or (the event log's import) NDJSON: either way it has a schema.
      if (op.requestBody) expect(Object.values(op.requestBody.content)[0]?.schema, route).toBeDefined();
      const answers = Object.entries(op.responses);
      const success = answers.filter(([status]) => /^[123]/.test(status));
      // A method declared only to refuse it (405 with Allow, e.g. GET /mcp of a stateless MCP server) has no other answer.
      const refusedMethod = answers.length === 1 && answers[0]![0] === '405';
      if (refusedMethod) continue;
      expect(success.length, `${route} declares its answer`).toBeGreaterThan(0);
      // A 2xx with a body has a schema (204, 101 and 304 have none); every error answer is the error shape.
      // MCP's 202 (a notification accepted) has no body either.
      const noBody = ['204', '101', '302', '304', ...(route.startsWith('POST /mcp') ? ['202'] : [])];
      for (const [status, answer] of success) if (!noBody.includes(status)) expect(Object.values(answer.content ?? {})[0]?.schema, `${route} ${status}`).toBeDefined();
      for (const [status, answer] of answers.filter(([s]) => /^[45]/.test(s))) {
        // The OAuth authorize pages answer a person in a browser: an HTML page, not JSON.
        if (route.endsWith(' /oauth/authorize') && answer.content?.['text/html']) continue;
        const schema = answer.content?.['application/json']?.schema as { properties?: Record<string, unknown> } | undefined;
        expect(schema?.properties?.error, `${route} ${status}`).toBeDefined();
      }
    }
  });

  it('needs the bearer token everywhere but the public routes', () => {
    for (const route of appRoutes(app)) {
      const security = operation(doc, route).security;
      if (PUBLIC_ROUTES.includes(route)) expect(security, route).toEqual([]);
      else expect(security?.[0], route).toEqual({ bearer: [] });
    }
    expect(Object.keys((doc as unknown as { components: { securitySchemes: object } }).components.securitySchemes)).toEqual(['bearer', 'ticket']);
  });

  it('documents bodies from the contracts: each ingested event, the password rules, the history routes', () => {
    const ingest = doc.paths['/api/projects/{projectId}/events']!.post!;
    const events = (ingest.requestBody!.content['application/json']!.schema as any).properties.events;
    expect(events.maxItems).toBe(500);
    expect(events.items.properties.kind.enum).toEqual(['message', 'tool', 'command', 'system']);
    const signup = doc.paths['/api/auth/signup']!.post!.requestBody!.content['application/json']!.schema as any;
    expect(signup.properties.password.minLength).toBe(8);
    const builds = doc.paths['/api/projects/{projectId}/sessions/{sessionId}/builds']!.get!.responses['200']!.content!['application/json']!.schema as any;
    expect(builds.properties.items.items.properties.status.enum).toEqual(['queued', 'started', 'progress', 'completed', 'failed', 'timeout']);
  });

  it('is what the app serves', async () => {
    const res = await createApp().request('/api/openapi.json', {}, { JWT_SECRET: 'x'.repeat(32) });
    expect(res.status).toBe(200);
    expect(documentedRoutes((await res.json()) as Doc)).toEqual(documentedRoutes(doc));
  });
});
