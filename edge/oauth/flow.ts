import type { z } from 'zod';
import { OAUTH_SCOPE, type clientRegistration } from '../../contracts/oauth';
import { isUuid } from '../../contracts/uuid';
import type { Db } from '../../db/client';
import {
  findGrantByPreviousRefresh,
  findGrantByRefresh,
  findOauthClient,
  insertGrantWithCode,
  insertOauthClient,
  revokeGrant,
  setGrantTokens,
  spendCode,
  writableProjects,
} from '../../db/queries/oauth';
import { invalidClient, invalidGrant, invalidRequest, OAuthError } from './errors';
import { projectOfResource } from './metadata';
import { ACCESS_TTL_SECONDS, CODE_TTL_SECONDS, generateAccessToken, generateCode, generateRefreshToken, hashSecret, pkceMatches } from './tokens';

// The authorization server's steps, without HTTP: registration, the authorize request, approval,
// and the token endpoint's two grants.

/** Redirect URIs: https anywhere, http only to this machine (native clients listen on loopback), no fragment. */
function redirectUriProblem(uri: string): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `${uri} is not a URL`;
  }
  if (u.hash) return `${uri} has a fragment`;
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null;
  return `${uri} must be https, or http on localhost`;
}

export async function registerClient(db: Db, body: z.infer<typeof clientRegistration>) {
  for (const uri of body.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError(400, 'invalid_redirect_uri', problem);
  }
  if (body.grant_types?.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
    throw new OAuthError(400, 'invalid_client_metadata', 'grant_types: only authorization_code and refresh_token');
  }
  const client = await insertOauthClient(db, body.client_name?.trim() || 'MCP client', body.redirect_uris);
  return {
    client_id: client.id,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // Public clients: PKCE proves who exchanges the code.
    token_endpoint_auth_method: 'none' as const,
  };
}

/** What the authorize endpoint receives (query, then the forms carry it along). */
export interface AuthorizeRequest {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  state?: string;
  scope?: string;
  resource?: string;
}
export const AUTHORIZE_FIELDS = ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'scope', 'resource'] as const;

/** A request that cannot be sent back to its client (unknown client or redirect): shown to the person. */
export class UnsafeAuthorizeRequest extends Error {}

export interface CheckedAuthorize {
  clientId: string;
  clientName: string;
  redirectUri: string;
  codeChallenge: string;
  state: string | undefined;
  resource: string | null;
  /** The project the resource names, when the client was given one project's URL. */
  projectId: string | null;
}

/**
 * Checks an authorize request. The client and its redirect URI first: when those are wrong, nothing
 * may be sent to that URI. Other faults go back to the client as `error=` on its redirect.
 */
export async function checkAuthorize(db: Db, origin: string, q: AuthorizeRequest): Promise<CheckedAuthorize | { redirectError: URL }> {
  const client = q.client_id && isUuid(q.client_id) ? await findOauthClient(db, q.client_id) : null;
  if (!client) throw new UnsafeAuthorizeRequest('This client is not registered with Spark (unknown client_id).');
  if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
    throw new UnsafeAuthorizeRequest('The redirect_uri is not one this client registered.');
  }
  const fail = (error: string, description: string) => ({ redirectError: errorRedirect(q.redirect_uri!, error, description, q.state) });
  if (q.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (!q.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return fail('invalid_request', 'code_challenge (PKCE, S256) is required');
  if (q.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  if (q.scope && !q.scope.split(' ').every((s) => s === OAUTH_SCOPE || s === '')) return fail('invalid_scope', `the only scope is ${OAUTH_SCOPE}`);
  let projectId: string | null = null;
  if (q.resource) {
    const named = projectOfResource(origin, q.resource);
    if (named === false) return fail('invalid_target', `resource must be ${origin}/mcp or ${origin}/mcp/<project id>`);
    projectId = named;
  }
  return {
    clientId: client.id,
    clientName: client.name,
    redirectUri: q.redirect_uri,
    codeChallenge: q.code_challenge,
    state: q.state,
    resource: q.resource ?? null,
    projectId,
  };
}

export function errorRedirect(redirectUri: string, error: string, description: string, state?: string): URL {
  const u = new URL(redirectUri);
  u.searchParams.set('error', error);
  u.searchParams.set('error_description', description);
  if (state) u.searchParams.set('state', state);
  return u;
}

/** The projects the person may pick: those they can write in (only the named one, if the resource names one). */
export async function pickableProjects(db: Db, userId: string, req: CheckedAuthorize) {
  const all = await writableProjects(db, userId);
  return req.projectId ? all.filter((p) => p.id === req.projectId) : all;
}

/** The person approved: a grant of `projectId` to the client, and the code that goes back to it. */
export async function approve(db: Db, userId: string, projectId: string, req: CheckedAuthorize): Promise<URL> {
  const allowed = await pickableProjects(db, userId, req);
  if (!allowed.some((p) => p.id === projectId)) throw invalidRequest('pick one of your projects that you can write in');
  const code = generateCode();
  await insertGrantWithCode(
    db,
    { clientId: req.clientId, userId, projectId },
    { codeHash: await hashSecret(code), redirectUri: req.redirectUri, codeChallenge: req.codeChallenge, resource: req.resource, expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000) },
  );
  const u = new URL(req.redirectUri);
  u.searchParams.set('code', code);
  if (req.state) u.searchParams.set('state', req.state);
  return u;
}

async function issueTokens(db: Db, grantId: string) {
  const access = generateAccessToken();
  const refresh = generateRefreshToken();
  const ok = await setGrantTokens(db, grantId, {
    accessTokenHash: await hashSecret(access),
    accessExpiresAt: new Date(Date.now() + ACCESS_TTL_SECONDS * 1000),
    refreshTokenHash: await hashSecret(refresh),
  });
  if (!ok) throw invalidGrant('this grant was revoked');
  return { access_token: access, token_type: 'Bearer' as const, expires_in: ACCESS_TTL_SECONDS, refresh_token: refresh, scope: OAUTH_SCOPE };
}

export interface TokenFields {
  grant_type: string;
  code?: string;
  code_verifier?: string;
  redirect_uri?: string;
  client_id?: string;
  refresh_token?: string;
  resource?: string;
}

/** The token endpoint: an authorization code (with its PKCE verifier) or a refresh token, for a fresh pair. */
export async function exchange(db: Db, f: TokenFields) {
  if (!f.client_id) throw invalidClient('client_id is required (public client)');
  if (f.grant_type === 'authorization_code') {
    if (!f.code || !f.code_verifier || !f.redirect_uri) throw invalidRequest('code, code_verifier and redirect_uri are required');
    const spent = await spendCode(db, await hashSecret(f.code));
    if (!spent) throw invalidGrant('the code is invalid, expired or already used');
    const { code, grant } = spent;
    if (grant.clientId !== f.client_id) throw invalidGrant('the code was issued to another client');
    if (code.redirectUri !== f.redirect_uri) throw invalidGrant('redirect_uri differs from the authorization request');
    if (!(await pkceMatches(f.code_verifier, code.codeChallenge))) throw invalidGrant('code_verifier does not match the code_challenge');
    if (f.resource && code.resource && f.resource !== code.resource) throw new OAuthError(400, 'invalid_target', 'resource differs from the authorization request');
    return issueTokens(db, grant.id);
  }
  if (f.grant_type === 'refresh_token') {
    if (!f.refresh_token) throw invalidRequest('refresh_token is required');
    const hash = await hashSecret(f.refresh_token);
    const grant = await findGrantByRefresh(db, hash);
    if (!grant) {
      // A refresh token already rotated away is a copy in other hands (or a replay): end the grant.
      const reused = await findGrantByPreviousRefresh(db, hash);
      if (reused) await revokeGrant(db, reused.id);
      throw invalidGrant(reused ? 'this refresh token was already used: the grant is revoked' : 'the refresh token is invalid or revoked');
    }
    if (grant.clientId !== f.client_id) throw invalidGrant('the refresh token is invalid or revoked');
    return issueTokens(db, grant.id);
  }
  throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
}
