import { auth, exchangeAuthorization, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AuthorizationServerMetadata, OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';

// A remote MCP client signing in with OAuth, as the MCP authorization spec describes it: the SDK's
// own `auth()` discovers Spark's metadata from /mcp's 401, registers itself, sends the person to
// the authorize pages with a PKCE challenge; the person (here over HTTP, as a browser would post
// the forms) signs in and picks a project; the SDK exchanges the code and calls tools with the token.

const REDIRECT = 'http://127.0.0.1:1/callback';

/** An in-memory OAuthClientProvider, as a desktop client keeps one per server. */
class MemoryProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  authorizationUrl?: URL;
  readonly redirectUrl = REDIRECT;
  readonly clientMetadata: OAuthClientMetadata = { client_name: 'Test AI client', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}

describe('OAuth 2.1 for remote MCP clients', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let alice: Awaited<ReturnType<typeof userWithProject>>;
  let bob: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;

  beforeAll(async () => {
    db = await createTestDatabase('mcp_oauth');
    // Every flow signs in on the authorize page: room above the per-address sign-in limit.
    worker = await startSparkWorker({ databaseUrl: db.url, authRateLimit: { limit: 200, period: 60 } });
    alice = await userWithProject(worker.url, 'oauth');
    bob = await userWithProject(worker.url, 'other');
    sessionId = (await alice.api.post(`/api/projects/${alice.projectId}/sessions`, { name: 'oauth session' })).body.id;
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' as const });
  const hiddenOf = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

  /** The person's part: open the authorize URL, sign in, pick `projectId`, approve. Returns the redirect. */
  async function personApproves(authorizationUrl: URL, projectId: string, email = alice.email) {
    const page = await fetch(authorizationUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Test AI client');
    const params = Object.fromEntries(authorizationUrl.searchParams);
    const picker = await fetch(`${worker.url}/oauth/authorize`, form({ ...params, email, password: 'correct horse battery' }));
    const pickerHtml = await picker.text();
    expect(picker.status, pickerHtml).toBe(200);
    expect(pickerHtml).toContain(`<option value="${projectId}">`);
    const ticket = hiddenOf(pickerHtml, 'ticket')!;
    const approved = await fetch(`${worker.url}/oauth/authorize`, form({ ...params, ticket, project_id: projectId, decision: 'approve' }));
    expect(approved.status).toBe(302);
    return new URL(approved.headers.get('location')!);
  }

  /** The whole flow for `path` (/mcp or /mcp/<id>): a provider holding tokens for `projectId`. */
  async function authorizedProvider(path: string, projectId: string, email = alice.email) {
    const provider = new MemoryProvider();
    const serverUrl = worker.url + path;
    expect(await auth(provider, { serverUrl })).toBe('REDIRECT');
    const back = await personApproves(provider.authorizationUrl!, projectId, email);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(await auth(provider, { serverUrl, authorizationCode: back.searchParams.get('code')! })).toBe('AUTHORIZED');
    return provider;
  }

  const connect = async (path: string, provider: OAuthClientProvider) => {
    const client = new Client({ name: 'oauth-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(worker.url + path), { authProvider: provider }));
    return client;
  };
  /** One list_sessions call by hand, read to the end (an unread event stream would be cut off). */
  const mcpPost = async (path: string, token: string) => {
    const res = await fetch(worker.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_sessions', arguments: {} } }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  it('/mcp’s 401 names its resource metadata, which names Spark as the authorization server (PKCE S256, registration)', async () => {
    const res = await fetch(`${worker.url}/mcp/${alice.projectId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${worker.url}/.well-known/oauth-protected-resource/mcp/${alice.projectId}`);
    const prm = await (await fetch(metadataUrl!)).json();
    expect(prm).toMatchObject({ resource: `${worker.url}/mcp/${alice.projectId}`, authorization_servers: [worker.url], scopes_supported: ['mcp'] });
    expect(await (await fetch(`${worker.url}/.well-known/oauth-protected-resource`)).json()).toMatchObject({ resource: `${worker.url}/mcp` });
    const as = await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({ issuer: worker.url, code_challenge_methods_supported: ['S256'], response_types_supported: ['code'], registration_endpoint: `${worker.url}/oauth/register` });
  });

  it('the SDK’s own client completes discovery, registration, PKCE and the code exchange; the token lists the chosen project’s sessions', async () => {
    const provider = await authorizedProvider('/mcp', alice.projectId);
    expect(provider.saved).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), scope: 'mcp' });
    const client = await connect('/mcp', provider);
    const result = (await client.callTool({ name: 'list_sessions', arguments: {} }, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { items: { id: string }[] }).items.map((s) => s.id)).toEqual([sessionId]);
    await client.close();
    // The refresh token rotates: the old access token stops working, the new one works.
    const before = provider.saved!.access_token;
    expect(await auth(provider, { serverUrl: worker.url + '/mcp' })).toBe('AUTHORIZED');
    expect(provider.saved!.access_token).not.toBe(before);
    expect((await mcpPost('/mcp', before)).status).toBe(401);
    const again = await mcpPost('/mcp', provider.saved!.access_token);
    expect(again.status).toBe(200);
    expect(again.text).toContain(sessionId);
  });

  it('refuses a code exchanged with the wrong PKCE verifier, and the code is spent by the try', async () => {
    const provider = new MemoryProvider();
    expect(await auth(provider, { serverUrl: worker.url + '/mcp' })).toBe('REDIRECT');
    const code = (await personApproves(provider.authorizationUrl!, alice.projectId)).searchParams.get('code')!;
    const as = (await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json()) as AuthorizationServerMetadata;
    const exchange = (codeVerifier: string) =>
      exchangeAuthorization(worker.url, { metadata: as, clientInformation: provider.client!, authorizationCode: code, codeVerifier, redirectUri: REDIRECT, resource: new URL(`${worker.url}/mcp`) });
    await expect(exchange('x'.repeat(43))).rejects.toMatchObject({ message: expect.stringContaining('code_verifier does not match') });
    await expect(exchange(provider.verifier!)).rejects.toMatchObject({ message: expect.stringContaining('already used') });
  });

  it('a token for one project is refused on another project’s /mcp (401), and the picker offers only projects the person can write in', async () => {
    const provider = await authorizedProvider(`/mcp/${alice.projectId}`, alice.projectId);
    const token = provider.saved!.access_token;
    expect((await mcpPost(`/mcp/${alice.projectId}`, token)).status).toBe(200);
    const other = await mcpPost(`/mcp/${bob.projectId}`, token);
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Bob's project is not Alice's to hand out, even when she names it.
    const params = Object.fromEntries(provider.authorizationUrl!.searchParams);
    const picker = await (await fetch(`${worker.url}/oauth/authorize`, form({ ...params, email: alice.email, password: 'correct horse battery' }))).text();
    const refused = await fetch(`${worker.url}/oauth/authorize`, form({ ...params, ticket: hiddenOf(picker, 'ticket')!, project_id: bob.projectId, decision: 'approve' }));
    expect(refused.status).toBe(400);
  });

  it('a grant revoked from the person’s list stops its access token (401) and its refresh token', async () => {
    const provider = await authorizedProvider('/mcp', alice.projectId);
    const token = provider.saved!.access_token;
    expect((await mcpPost('/mcp', token)).status).toBe(200);
    // A code never exchanged (the wrong-verifier test's) gave no client tokens: it is not listed.
    const list = await alice.api.get(`/api/auth/mcp-grants?project_id=${alice.projectId}`);
    expect(list.status).toBe(200);
    expect(list.body.grants.length).toBeGreaterThanOrEqual(1);
    expect(list.body.grants.every((g: { last_used_at: string | null }) => g.last_used_at !== null)).toBe(true);
    expect(list.body.grants[0]).toMatchObject({ client_name: 'Test AI client', project_id: alice.projectId, last_used_at: expect.any(String) });
    // Someone else cannot revoke it.
    expect((await bob.api.delete(`/api/auth/mcp-grants/${list.body.grants[0].id}`)).status).toBe(404);
    expect((await alice.api.delete(`/api/auth/mcp-grants/${list.body.grants[0].id}`)).status).toBe(204);
    const after = await mcpPost('/mcp', token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('resource_metadata=');
    const refresh = await fetch(`${worker.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: provider.saved!.refresh_token!, client_id: provider.client!.client_id }));
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await alice.api.get(`/api/auth/mcp-grants?project_id=${alice.projectId}`)).body.grants.map((g: { id: string }) => g.id)).not.toContain(list.body.grants[0].id);
  });

  it('a refresh token used twice (a copy) ends the grant for everyone holding it', async () => {
    const provider = await authorizedProvider('/mcp', alice.projectId);
    const first = provider.saved!.refresh_token!;
    expect(await auth(provider, { serverUrl: worker.url + '/mcp' })).toBe('AUTHORIZED');
    const current = provider.saved!.access_token;
    expect((await mcpPost('/mcp', current)).status).toBe(200);
    const replay = await fetch(`${worker.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: first, client_id: provider.client!.client_id }));
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('already used') });
    expect((await mcpPost('/mcp', current)).status).toBe(401);
  });

  it('a client revokes its own grant with its refresh token (RFC 7009)', async () => {
    const provider = await authorizedProvider('/mcp', alice.projectId);
    const revoked = await fetch(`${worker.url}/oauth/revoke`, form({ token: provider.saved!.refresh_token!, client_id: provider.client!.client_id }));
    expect(revoked.status).toBe(200);
    expect((await mcpPost('/mcp', provider.saved!.access_token)).status).toBe(401);
    // An unknown token gets the same answer, telling nothing.
    expect((await fetch(`${worker.url}/oauth/revoke`, form({ token: 'spr_nothing' }))).status).toBe(200);
  });

  it('a member’s grant stops when they can no longer write in the project', async () => {
    expect((await alice.api.post(`/api/projects/${alice.projectId}/members`, { email: bob.email, role: 'member' })).status).toBe(201);
    const provider = await authorizedProvider(`/mcp/${alice.projectId}`, alice.projectId, bob.email);
    expect((await mcpPost(`/mcp/${alice.projectId}`, provider.saved!.access_token)).status).toBe(200);
    expect((await alice.api.post(`/api/projects/${alice.projectId}/members`, { email: bob.email, role: 'viewer' })).status).toBe(201);
    expect((await mcpPost(`/mcp/${alice.projectId}`, provider.saved!.access_token)).status).toBe(401);
  });

  it('refuses bad registrations and authorize requests the OAuth way', async () => {
    const bad = await fetch(`${worker.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://evil.example/cb'] }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_redirect_uri' });
    const missing = await fetch(`${worker.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('redirect_uris') });
    // An unknown client is told to the person, never redirected.
    const unknown = await fetch(`${worker.url}/oauth/authorize?client_id=${crypto.randomUUID()}&redirect_uri=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    // A plain (non-S256) challenge goes back to the client as an error.
    const provider = new MemoryProvider();
    await auth(provider, { serverUrl: worker.url + '/mcp' });
    const u = new URL(provider.authorizationUrl!);
    u.searchParams.set('code_challenge_method', 'plain');
    const plain = await fetch(u, { redirect: 'manual' });
    expect(plain.status).toBe(302);
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('answers what Spark refuses before the OAuth handlers run in OAuth’s form too: JSON errors to clients, a page to the person', async () => {
    // A body that is not JSON, and a token request sent as JSON instead of a form.
    const notJson = await fetch(`${worker.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris": [' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/JSON/) });
    const asJson = await fetch(`${worker.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"refresh_token"}' });
    expect(asJson.status).toBe(415);
    expect(asJson.headers.get('cache-control')).toMatch(/no-store/);
    expect(Object.keys((await asJson.json()) as object).sort()).toEqual(['error', 'error_description']);
    // A repeated query field on the authorize page: the person gets a page saying so, not JSON.
    const twice = await fetch(`${worker.url}/oauth/authorize?client_id=a&client_id=b`, { redirect: 'manual' });
    expect(twice.status).toBe(400);
    expect(twice.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await twice.text()).toMatch(/client_id/);
    // Discovery keeps Spark's own form.
    const noProject = await fetch(`${worker.url}/.well-known/oauth-protected-resource/mcp/not-a-project`);
    expect(noProject.status).toBe(404);
    expect(await noProject.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
