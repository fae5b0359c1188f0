// The session page's Snapshots panel on a phone (390 px): take a snapshot, change a script, restore
// it from the list; the agent writes the file back (the test Unity MCP server's project folder).
// Real Worker, Postgres, agent and Debian's Chromium. Screenshot in dist/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, screenshot, watchProblems } from '../support/browser';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('dist/screenshots');
const PATH = 'Assets/Scripts/Boss.cs';
const v1 = 'using UnityEngine;\n\npublic class Boss : MonoBehaviour { public int hp = 10; }\n';
const v2 = v1.replace('10', '999');

describe('snapshots in the browser', () => {
  let stack: WebStack;
  let unity: UnityMcpServerHandle;
  let agent: RealAgent;
  let browser: Browser;
  let page: Page;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;
  const problems: string[] = [];
  const S = () => `/api/projects/${user.projectId}/sessions/${sessionId}`;
  const onDisk = () => readFileSync(join(unity.projectDir, PATH), 'utf8');
  const write = async (code: string) => {
    const r = await user.api.post(`${S()}/ops`, { op: 'generate_script', path: PATH, code, overwrite: true });
    expect(r.status).toBe(202);
    await eventually(async () => (await user.api.get(`${S()}/ops/${r.body.callId}`)).body.state === 'succeeded', 30_000);
    await eventually(async () => (await stack.sql`select 1 from patches where call_id = ${r.body.callId}`).length === 1, 30_000);
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('websnapshots');
    unity = await startUnityMcpServer({ profile: 'unity-mcp' });
    user = await userWithProject(stack.worker.url, 'snaps');
    sessionId = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'Boss fight' })).body.id;
    const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({ edge: stack.worker.url, code, mcpUrl: unity.url });
    await write(v1);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    watchProblems(page, problems);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.dispose();
    await unity?.close();
    await stack?.dispose();
  }, 120_000);

  it('takes a snapshot and restores it from the list, readable at 390 px', async () => {
    await page.goto(`${stack.worker.url}/login?next=${encodeURIComponent(`/projects/${user.projectId}/sessions/${sessionId}`)}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    const panel = page.getByTestId('snapshots-panel');
    await panel.getByTestId('snapshots-empty').waitFor();
    await panel.getByTestId('snapshot-name').fill('full health');
    await panel.getByTestId('snapshot-take').click();
    const row = panel.getByTestId('snapshot-row');
    await row.waitFor();
    expect(await row.textContent()).toContain('full health');
    expect(await row.textContent()).toContain('1 script');

    await write(v2);
    expect(onDisk()).toBe(v2);
    await row.getByTestId('snapshot-restore').click();
    await row.getByTestId('snapshot-restore-confirm').click();
    await eventually(async () => onDisk() === v1, 30_000);
    // The restore's write is in the history panel, ready to undo.
    await eventually(async () => (await page.getByTestId('change-row').count()) === 3, 20_000);

    await panel.scrollIntoViewIfNeeded();
    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'session-snapshots-390');
    expect(problems).toEqual([]);
  });
});
