// "Connect an AI client" on the project page, end to end: the built UI served by the real Worker,
// driven in Debian's Chromium; the token it makes is then used by the MCP SDK's own Client.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWeb } from '../../scripts/build-web';
import { userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

// A build of our own (a concurrent build of web/dist cannot pull files from under us).
const WEB_DIST = resolve('tests/artifacts/web-dist-mcp');
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

const SHOTS = resolve('tests/artifacts/screenshots');

describe('Connect an AI client', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildWeb({ outDir: WEB_DIST, log: false });
    db = await createTestDatabase('mcpweb');
    worker = await startSparkWorker({ databaseUrl: db.url, withAssets: true });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic'] });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.dispose();
    await db?.drop();
  });

  it('makes an mcp token on the project page whose configuration an MCP client can use', async () => {
    const owner = await userWithProject(worker.url, 'connect');
    const sessionId = (await owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name: 'visible to the AI' })).body.id as string;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));

    await page.goto(`${worker.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.goto(`${worker.url}/projects/${owner.projectId}`);

    const endpoint = `${worker.url}/mcp/${owner.projectId}`;
    await expect.poll(() => page.getByTestId('mcp-endpoint').textContent()).toBe(endpoint);
    await page.getByTestId('create-mcp-token').click();
    const shown = page.getByTestId('mcp-token');
    await shown.waitFor();
    const command = (await shown.locator('pre').first().textContent())!;
    expect(command).toMatch(new RegExp(`^claude mcp add --transport http spark ${endpoint} --header "Authorization: Bearer spk_\\S+"$`));
    await page.screenshot({ path: `${SHOTS}/connect-ai-1280.png`, fullPage: true });
    expect(problems).toEqual([]);

    // The token on the page is a real mcp token of this project.
    const tokens = (await owner.api.get(`/api/projects/${owner.projectId}/tokens`)).body.items as { scope: string }[];
    expect(tokens.map((t) => t.scope)).toEqual(['mcp']);
    const token = /Bearer (spk_\S+)"/.exec(command)![1]!;
    const client = new Client({ name: 'spark-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const sessions = await client.callTool({ name: 'list_sessions', arguments: {} }, CallToolResultSchema);
    expect((sessions.structuredContent as { items: { id: string }[] }).items.map((s) => s.id)).toEqual([sessionId]);
    await client.close();
  });

  it('shows a viewer the endpoint but no token button', async () => {
    const owner = await userWithProject(worker.url, 'owner2');
    const viewer = await userWithProject(worker.url, 'viewer');
    expect((await owner.api.post(`/api/projects/${owner.projectId}/members`, { email: viewer.email, role: 'viewer' })).status).toBe(201);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${worker.url}/login`);
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.goto(`${worker.url}/projects/${owner.projectId}`);
    await expect.poll(() => page.getByTestId('mcp-endpoint').textContent()).toBe(`${worker.url}/mcp/${owner.projectId}`);
    // Once the project (and the viewer's role) has loaded, there is still no button.
    await expect.poll(() => page.getByTestId('project-title').textContent()).toBe("owner2's game");
    await page.getByText('viewer', { exact: true }).waitFor();
    expect(await page.getByTestId('create-mcp-token').count()).toBe(0);
  });
});
