// The OAuth authorize step as a person does it, in Debian's Chromium: the SDK's client starts the
// flow, the person signs in and picks the project on Spark's pages (with their strict CSP, which
// must still let the form's redirect reach the client), the SDK exchanges the code; then the grant
// shows on the project page's "Connect an AI client" panel, and revoking it there ends the token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWeb } from '../../scripts/build-web';
import { userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

const WEB_DIST = resolve('tests/artifacts/web-dist-mcp-oauth');
vi.mock('wrangler', async (importOriginal) => {
  const orig = await importOriginal<typeof import('wrangler')>();
  return {
    ...orig,
    unstable_getMiniflareWorkerOptions: ((...args: Parameters<typeof orig.unstable_getMiniflareWorkerOptions>) => {
      const out = orig.unstable_getMiniflareWorkerOptions(...args);
      const assets = (out.workerOptions as { assets?: { directory: string } }).assets;
      if (assets) assets.directory = WEB_DIST;
      return out;
    }) as typeof orig.unstable_getMiniflareWorkerOptions,
  };
});


class MemoryProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Browser-tested client', redirect_uris: [this.redirectUrl], token_endpoint_auth_method: 'none' };
  }
  clientInformation = () => this.client;
  saveClientInformation = (i: OAuthClientInformationMixed) => void (this.client = i);
  tokens = () => this.saved;
  saveTokens = (t: OAuthTokens) => void (this.saved = t);
  redirectToAuthorization = (u: URL) => void (this.authorizationUrl = u);
  saveCodeVerifier = (v: string) => void (this.verifier = v);
  codeVerifier = () => this.verifier!;
}

describe('OAuth authorize pages and grants in the browser', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let browser: Browser;
  // The client's loopback listener, as a desktop MCP client runs one: the browser lands here with the code.
  let callback: Server;
  let redirect: string;
  const landed: URL[] = [];

  beforeAll(async () => {
    callback = createServer((req, res) => {
      landed.push(new URL(req.url!, redirect));
      res.end('You can close this window.');
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    redirect = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    await buildWeb({ outDir: WEB_DIST, log: false });
    db = await createTestDatabase('mcpoauthweb');
    worker = await startSparkWorker({ databaseUrl: db.url, withAssets: true });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => callback?.close(r));
    await worker?.dispose();
    await db?.drop();
  });

  const mcpStatus = async (token: string) => {
    const res = await fetch(`${worker.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    await res.text();
    return res.status;
  };

  it('signs in, picks the project, and the grant is revoked from the project page', async () => {
    const owner = await userWithProject(worker.url, 'oauthweb');
    const provider = new MemoryProvider(redirect);
    expect(await auth(provider, { serverUrl: `${worker.url}/mcp` })).toBe('REDIRECT');

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    // Console errors are not counted: the login page's first refresh answers 401 (no cookie yet), as it should.
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && problems.push(m.text()));

    await page.goto(provider.authorizationUrl!.href);
    await page.getByText('Browser-tested client').first().waitFor();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Project').waitFor();
    expect(await page.getByLabel('Project').inputValue()).toBe(owner.projectId);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText('You can close this window.').waitFor();
    // (The browser also asks this listener for a favicon.)
    const code = landed.find((u) => u.pathname === '/callback')?.searchParams.get('code');
    expect(code).toMatch(/^spc_/);
    expect(await auth(provider, { serverUrl: `${worker.url}/mcp`, authorizationCode: code! })).toBe('AUTHORIZED');
    const token = provider.saved!.access_token;
    expect(await mcpStatus(token)).toBe(200);

    // The project page lists the grant; Revoke ends it.
    await page.goto(`${worker.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.goto(`${worker.url}/projects/${owner.projectId}`);
    const grant = page.getByTestId('mcp-grant');
    await expect.poll(() => grant.count(), { timeout: 15_000 }).toBe(1);
    expect(await grant.textContent()).toContain('Browser-tested client');
    await page.getByRole('button', { name: 'Revoke Browser-tested client' }).click();
    await expect.poll(() => grant.count(), { timeout: 15_000 }).toBe(0);
    expect(await mcpStatus(token)).toBe(401);
    expect(problems).toEqual([]);
  });
});
