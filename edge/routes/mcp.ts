import { createRoute, z } from '@hono/zod-openapi';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Context } from 'hono';
import { apiError } from '../../contracts/errors';
import { isJsonMediaType } from '../http/validate';
import { defer, enforceRateLimit, jwtSecret, type OpenDb } from '../http/middleware';
import { createRouter, jsonContent } from '../http/router';
import { mcpCaller } from '../mcp/auth';
import { resourceMetadataUrl } from '../oauth/metadata';
import { createSparkMcpServer } from '../mcp/server';
import { callerKey } from '../services/caller';
import type { AppEnv } from '../types';

/** Under the MCP SDK client's default request timeout (60 s), so a client hears the answer. */
const DEFAULT_BUDGET_SECONDS = 50;
const budgetSeconds = (v: string | undefined) => (v !== undefined && Number(v) > 0 && Number.isFinite(Number(v)) ? Number(v) : DEFAULT_BUDGET_SECONDS);
const POLL_MS = 150;

const mcpResponses = {
  200: { description: 'JSON-RPC answers, as an event stream (progress, then the result) or JSON', content: { 'text/event-stream': { schema: z.string() }, 'application/json': { schema: z.unknown() } } },
  202: { description: 'Notifications accepted' },
  401: { ...jsonContent(apiError, 'No token, a wrong token, or another project’s: see WWW-Authenticate'), headers: { 'WWW-Authenticate': { schema: { type: 'string' as const } } } },
  403: jsonContent(apiError, 'A credential that is not an API token of scope mcp'),
  429: jsonContent(apiError, 'Too many requests for this token'),
};

export const mcpPost = createRoute({ method: 'post', path: '/mcp', summary: 'MCP (Streamable HTTP) for the token’s project', responses: mcpResponses });
export const mcpProjectPost = createRoute({
  method: 'post',
  path: '/mcp/{projectId}',
  summary: 'MCP (Streamable HTTP) for the named project',
  request: { params: z.object({ projectId: z.string() }) },
  responses: mcpResponses,
});

// No server-to-client stream (GET) or session to end (DELETE) in a stateless server: 405, Allow: POST.
const notHereResponses = { 405: { description: 'Stateless server: only POST', headers: { Allow: { schema: { type: 'string' as const } } } } };
export const mcpGet = createRoute({ method: 'get', path: '/mcp', summary: 'Not served (stateless MCP): 405', responses: notHereResponses });
export const mcpDelete = createRoute({ method: 'delete', path: '/mcp', summary: 'Not served (stateless MCP): 405', responses: notHereResponses });
const projectParams = z.object({ projectId: z.string() });
export const mcpProjectGet = createRoute({ method: 'get', path: '/mcp/{projectId}', summary: mcpGet.summary, request: { params: projectParams }, responses: notHereResponses });
export const mcpProjectDelete = createRoute({ method: 'delete', path: '/mcp/{projectId}', summary: mcpDelete.summary, request: { params: projectParams }, responses: notHereResponses });

/**
 * Spark as a remote MCP server. Stateless: every POST gets its own server and transport, because
 * a Worker keeps no memory between requests and Spark never calls the client outside a request
 * (progress rides on the call's own event stream). The database stays open until that stream ends.
 */
export function mcpRoutes(openDb: OpenDb) {
  async function serve(c: Context<AppEnv>, projectId?: string) {
    const handle = openDb(c.env);
    let streaming = false;
    try {
      const url = new URL(c.req.url);
      const resourceMetadata = resourceMetadataUrl(url.origin, url.pathname);
      const caller = await mcpCaller(handle.db, c.req.header('authorization'), jwtSecret(c.env), (p) => defer(c, p), projectId, resourceMetadata);
      await enforceRateLimit(c.env.API_RATE_LIMIT, callerKey(caller), 'too many requests for this token; slow down');
      const server = createSparkMcpServer({
        db: handle.db,
        readDb: handle.readDb,
        env: c.env,
        caller,
        projectId: caller.projectId,
        budgetMs: budgetSeconds(c.env.MCP_TOOL_BUDGET_SECONDS) * 1000,
        pollMs: POLL_MS,
      });
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      await server.connect(transport);
      // limitBodies already read (and bounded) a JSON body: the transport gets it parsed.
      const parsedBody = isJsonMediaType(c.req.header('content-type')) ? await c.req.json() : undefined;
      const res = await transport.handleRequest(c.req.raw, parsedBody === undefined ? {} : { parsedBody });
      if (!res.body) return res;
      const { readable, writable } = new TransformStream();
      streaming = true;
      defer(c, res.body.pipeTo(writable).finally(() => Promise.all([server.close(), handle.close()])));
      return new Response(readable, res);
    } finally {
      if (!streaming) defer(c, handle.close());
    }
  }
  // Without a body: MCP clients cancel this answer unread, and workerd would log the write into a closed socket.
  const notHere = (c: Context<AppEnv>) => c.body(null, 405, { Allow: 'POST' });
  return createRouter()
    .openapi(mcpPost, (c) => serve(c) as never)
    .openapi(mcpProjectPost, (c) => serve(c, c.req.valid('param').projectId) as never)
    .openapi(mcpGet, (c) => notHere(c))
    .openapi(mcpDelete, (c) => notHere(c))
    .openapi(mcpProjectGet, (c) => notHere(c))
    .openapi(mcpProjectDelete, (c) => notHere(c));
}
