import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  authorizationServerMetadata,
  clientInformation,
  clientRegistration,
  mcpGrantList,
  oauthError,
  protectedResourceMetadata,
  tokenRequest,
} from '../../contracts/oauth';
import { credentials } from '../../contracts/api';
import { findUserByEmail } from '../../db/queries/identity';
import { listGrants, revokeGrant } from '../../db/queries/oauth';
import { burnPasswordCheck, verifyPassword } from '../auth/password';
import { handleError, notFound } from '../http/errors';
import { authenticate, jwtSecret, rateLimitByAddress, withDb, type OpenDb } from '../http/middleware';
import { createRouter, errorResponses, jsonBody, jsonContent, PUBLIC, type AppRouteHandler } from '../http/router';
import { consentCsp, loginPage, pickProjectPage, refusedPage } from '../oauth/consent-page';
import { issueConsentTicket, readConsentTicket } from '../oauth/consent-ticket';
import { OAuthError } from '../oauth/errors';
import { approve, AUTHORIZE_FIELDS, checkAuthorize, errorRedirect, exchange, pickableProjects, registerClient, UnsafeAuthorizeRequest, type AuthorizeRequest } from '../oauth/flow';
import { authorizationServerMetadataFor, protectedResourceMetadataFor, resourceOf } from '../oauth/metadata';
import { hashSecret } from '../oauth/tokens';
import { findGrantByRefresh } from '../../db/queries/oauth';
import { isUuid, requireUser } from '../services/access';
import type { AppEnv } from '../types';

// Spark as an OAuth 2.1 authorization server for remote MCP clients (MCP authorization spec):
// discovery (RFC 9728, RFC 8414), dynamic registration (RFC 7591), authorization code + PKCE S256,
// resource indicators (RFC 8707), revocation (RFC 7009). OAuth endpoints answer OAuth's error
// shape `{error, error_description}`, which MCP clients parse; Spark's own routes keep theirs.

const origin = (c: Context) => new URL(c.req.url).origin;
const oauthErrors = { 400: jsonContent(oauthError, 'An OAuth error (`error`, `error_description`)'), 429: errorResponses[429] };
const html = { content: { 'text/html': { schema: z.string() } } };
const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const prmResponse = { 200: jsonContent(protectedResourceMetadata, 'Protected resource metadata (RFC 9728)') };
export const resourceMetadataRoute = createRoute({ method: 'get', path: '/.well-known/oauth-protected-resource', summary: 'OAuth protected resource metadata for /mcp', ...PUBLIC, responses: prmResponse });
export const mcpResourceMetadataRoute = createRoute({ method: 'get', path: '/.well-known/oauth-protected-resource/mcp', summary: 'OAuth protected resource metadata for /mcp (path-suffixed)', ...PUBLIC, responses: prmResponse });
export const projectResourceMetadataRoute = createRoute({
  method: 'get',
  path: '/.well-known/oauth-protected-resource/mcp/{projectId}',
  summary: 'OAuth protected resource metadata for one project’s /mcp/{projectId}',
  ...PUBLIC,
  request: { params: z.object({ projectId: z.string() }) },
  responses: { ...prmResponse, 404: errorResponses[404] },
});
export const serverMetadataRoute = createRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  summary: 'OAuth authorization server metadata (RFC 8414)',
  ...PUBLIC,
  responses: { 200: jsonContent(authorizationServerMetadata, 'Endpoints and what they support: code + PKCE S256, public clients') },
});

export const registerRoute = createRoute({
  method: 'post',
  path: '/oauth/register',
  summary: 'Dynamic client registration (RFC 7591): public clients, PKCE',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: jsonBody(clientRegistration) },
  responses: { 201: jsonContent(clientInformation, 'The client_id (no secret: public client)'), ...oauthErrors },
});

const authorizeQuery = z.object(Object.fromEntries(AUTHORIZE_FIELDS.map((k) => [k, z.string().optional()])) as Record<(typeof AUTHORIZE_FIELDS)[number], z.ZodOptional<z.ZodString>>);
export const authorizeRoute = createRoute({
  method: 'get',
  path: '/oauth/authorize',
  summary: 'Authorize an MCP client: sign in, then pick a project (HTML)',
  ...PUBLIC,
  request: { query: authorizeQuery },
  responses: { 200: { ...html, description: 'The sign-in page' }, 302: { description: 'Back to the client with an OAuth error' }, 400: { ...html, description: 'Unknown client or redirect_uri' } },
});
const authorizeForm = authorizeQuery.extend({
  email: z.string().optional(),
  password: z.string().optional(),
  ticket: z.string().optional(),
  project_id: z.string().optional(),
  decision: z.enum(['approve', 'deny']).optional(),
});
export const authorizeFormRoute = createRoute({
  method: 'post',
  path: '/oauth/authorize',
  summary: 'The authorize pages’ forms: sign in (email, password), then approve a project or deny',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: authorizeForm } }, required: true } },
  responses: {
    200: { ...html, description: 'The project picker' },
    302: { description: 'Back to the client with the code (or access_denied)' },
    400: { ...html, description: 'Unknown client or redirect_uri, or a bad form' },
    401: { ...html, description: 'Email or password is wrong, or the sign-in expired' },
    429: errorResponses[429],
  },
});

export const tokenRoute = createRoute({
  method: 'post',
  path: '/oauth/token',
  summary: 'Token endpoint: authorization_code (with code_verifier) or refresh_token',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: tokenRequest } }, required: true } },
  responses: { 200: jsonContent(z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number(), refresh_token: z.string(), scope: z.string() }), 'A fresh access and refresh token'), 401: jsonContent(oauthError, 'invalid_client'), ...oauthErrors },
});

export const revokeRoute = createRoute({
  method: 'post',
  path: '/oauth/revoke',
  summary: 'Token revocation (RFC 7009): a refresh token ends its grant',
  ...PUBLIC,
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string(), token_type_hint: z.string().optional(), client_id: z.string().optional() }) } }, required: true } },
  responses: { 200: jsonContent(z.object({}), 'Revoked, or nothing to revoke (the same answer)'), ...oauthErrors },
});

export const listGrantsRoute = createRoute({
  method: 'get',
  path: '/mcp-grants',
  summary: 'Your MCP clients authorized by OAuth (optionally of one project)',
  middleware: [authenticate()] as const,
  request: { query: z.object({ project_id: z.string().optional() }) },
  responses: { 200: jsonContent(mcpGrantList, 'Live grants, newest first'), ...errorResponses },
});

export const revokeGrantRoute = createRoute({
  method: 'delete',
  path: '/mcp-grants/{grantId}',
  summary: 'Revoke an MCP client’s access (its tokens stop working at once)',
  middleware: [authenticate()] as const,
  request: { params: z.object({ grantId: z.string() }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses },
});

const oauthJsonError = (c: Context, err: OAuthError) => c.json(err.body(), err.status, noStore);
/** Bad form or body: OAuth's error shape, not Spark's. */
const oauthHook = (result: { success: boolean; error?: unknown }, c: Context) => {
  if (result.success) return undefined;
  const issue = (result.error as z.ZodError).issues[0];
  const where = issue?.path.join('.') || 'body';
  return c.json({ error: 'invalid_request', error_description: `${where}: ${issue?.message ?? 'invalid'}` }, 400, noStore);
};

const register: AppRouteHandler<typeof registerRoute> = async (c) => {
  try {
    return c.json(await registerClient(c.var.db, c.req.valid('json')), 201, noStore);
  } catch (err) {
    if (err instanceof OAuthError) return oauthJsonError(c, err) as never;
    throw err;
  }
};

function htmlAnswer(c: Context, body: string, status: 200 | 400 | 401, redirectUri?: string) {
  return c.html(body, status, { 'Content-Security-Policy': consentCsp(redirectUri), ...noStore });
}

const authorizeFieldsOf = (f: Record<string, string | undefined>): AuthorizeRequest => Object.fromEntries(AUTHORIZE_FIELDS.filter((k) => f[k] !== undefined).map((k) => [k, f[k]]));

const authorize: AppRouteHandler<typeof authorizeRoute> = async (c) => {
  const q = c.req.valid('query');
  try {
    const checked = await checkAuthorize(c.var.db, origin(c), q);
    if ('redirectError' in checked) return c.redirect(checked.redirectError.href, 302) as never;
    return htmlAnswer(c, loginPage(q, checked.clientName), 200) as never;
  } catch (err) {
    if (err instanceof UnsafeAuthorizeRequest) return htmlAnswer(c, refusedPage(err.message), 400) as never;
    throw err;
  }
};

const authorizeForm_: AppRouteHandler<typeof authorizeFormRoute> = async (c) => {
  const form = c.req.valid('form');
  const q = authorizeFieldsOf(form);
  let checked;
  try {
    checked = await checkAuthorize(c.var.db, origin(c), q);
  } catch (err) {
    if (err instanceof UnsafeAuthorizeRequest) return htmlAnswer(c, refusedPage(err.message), 400) as never;
    throw err;
  }
  if ('redirectError' in checked) return c.redirect(checked.redirectError.href, 302) as never;
  const secret = jwtSecret(c.env);
  if (form.ticket !== undefined) {
    const userId = await readConsentTicket(form.ticket, checked.clientId, checked.codeChallenge, secret);
    if (!userId) return htmlAnswer(c, loginPage(q, checked.clientName, 'Your sign-in expired: sign in again.'), 401) as never;
    if (form.decision !== 'approve') return c.redirect(errorRedirect(checked.redirectUri, 'access_denied', 'the person denied access', checked.state).href, 302) as never;
    if (!form.project_id || !isUuid(form.project_id)) return htmlAnswer(c, refusedPage('Pick a project.'), 400) as never;
    try {
      return c.redirect((await approve(c.var.db, userId, form.project_id, checked)).href, 302) as never;
    } catch (err) {
      if (err instanceof OAuthError) return htmlAnswer(c, refusedPage(err.description), 400) as never;
      throw err;
    }
  }
  const creds = credentials.safeParse({ email: form.email ?? '', password: form.password ?? '' });
  if (!creds.success) return htmlAnswer(c, loginPage(q, checked.clientName, 'Enter your email and password.'), 400) as never;
  const user = await findUserByEmail(c.var.db, creds.data.email);
  const ok = user ? await verifyPassword(creds.data.password, user.passwordHash) : await burnPasswordCheck(creds.data.password);
  if (!user || !ok) return htmlAnswer(c, loginPage(q, checked.clientName, 'Email or password is wrong.'), 401) as never;
  const ticket = await issueConsentTicket(user.id, checked.clientId, checked.codeChallenge, secret);
  const projects = await pickableProjects(c.var.db, user.id, checked);
  return htmlAnswer(c, pickProjectPage(q, checked.clientName, ticket, projects), 200, checked.redirectUri) as never;
};

const token: AppRouteHandler<typeof tokenRoute> = async (c) => {
  try {
    return c.json(await exchange(c.var.db, c.req.valid('form')), 200, noStore);
  } catch (err) {
    if (err instanceof OAuthError) return oauthJsonError(c, err) as never;
    throw err;
  }
};

// Only refresh tokens can be named here (access tokens end with their grant); unknown tokens answer the same (RFC 7009 §2.2).
const revoke: AppRouteHandler<typeof revokeRoute> = async (c) => {
  const grant = await findGrantByRefresh(c.var.db, await hashSecret(c.req.valid('form').token));
  if (grant) await revokeGrant(c.var.db, grant.id);
  return c.json({}, 200);
};

const listGrants_: AppRouteHandler<typeof listGrantsRoute> = async (c) => {
  const user = requireUser(c.var.caller);
  const { project_id } = c.req.valid('query');
  if (project_id !== undefined && !isUuid(project_id)) return c.json({ grants: [] }, 200);
  const rows = await listGrants(c.var.db, user.userId, project_id);
  const grants = rows.map((g) => ({
    id: g.id,
    client_name: g.clientName,
    project_id: g.projectId,
    project_name: g.projectName,
    created_at: g.createdAt.toISOString(),
    last_used_at: g.lastUsedAt?.toISOString() ?? null,
  }));
  return c.json({ grants }, 200);
};

const revokeGrant_: AppRouteHandler<typeof revokeGrantRoute> = async (c) => {
  const user = requireUser(c.var.caller);
  const { grantId } = c.req.valid('param');
  if (!isUuid(grantId) || !(await revokeGrant(c.var.db, grantId, user.userId))) throw notFound('grant');
  return c.body(null, 204);
};

/**
 * The app's error answer (handleError), in the form each OAuth endpoint's caller reads, for what
 * Spark's own checks refuse before an OAuth handler runs (a body that is not JSON or not a form, a
 * repeated query field, a rate limit): the authorize pages are a person's browser, so an HTML
 * page; register, token and revoke are OAuth clients, so `{error, error_description}` (RFC 6749
 * §5.2). The status stays; a 5xx and every other path keep Spark's form.
 */
export async function handleErrorOAuthAware(err: Error, c: Context) {
  const answer = handleError(err, c);
  if (answer.status >= 500 || !c.req.path.startsWith('/oauth/')) return answer;
  const { error } = (await answer.clone().json()) as { error: { message: string; path?: string } };
  const description = error.path ? `${error.path}: ${error.message}` : error.message;
  if (c.req.path === '/oauth/authorize') return htmlAnswer(c, refusedPage(description), answer.status as 400);
  return c.json({ error: 'invalid_request', error_description: description }, answer.status as 400, noStore);
}

/** Discovery and the authorization server's endpoints, at the origin's root. */
export function oauthRoutes(openDb: OpenDb) {
  const router = createRouter();
  router.use('/oauth/*', withDb(openDb));
  return router
    .openapi(resourceMetadataRoute, (c) => c.json(protectedResourceMetadataFor(origin(c)), 200))
    .openapi(mcpResourceMetadataRoute, (c) => c.json(protectedResourceMetadataFor(origin(c)), 200))
    .openapi(projectResourceMetadataRoute, (c) => {
      const { projectId } = c.req.valid('param');
      if (!isUuid(projectId)) throw notFound('project');
      return c.json(protectedResourceMetadataFor(origin(c), `${resourceOf(origin(c))}/${projectId.toLowerCase()}`), 200);
    })
    .openapi(serverMetadataRoute, (c) => c.json(authorizationServerMetadataFor(origin(c)), 200))
    .openapi(registerRoute, register, oauthHook)
    .openapi(authorizeRoute, authorize)
    .openapi(authorizeFormRoute, authorizeForm_)
    .openapi(tokenRoute, token, oauthHook)
    .openapi(revokeRoute, revoke, oauthHook);
}

/** The signed-in person's MCP grants, under /api/auth. */
export const mcpGrantRoutes = createRouter().openapi(listGrantsRoute, listGrants_).openapi(revokeGrantRoute, revokeGrant_);
