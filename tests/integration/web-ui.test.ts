// The browser UI end to end: the built web/dist served by the real Worker (Miniflare, real
// Postgres), driven in Debian's Chromium through playwright-core, with the real agent (paired
// through `spark-agent pair`) talking MCP to the test Unity MCP server on a real project folder,
// so the whole loop runs: pair, apply a preset, preview, undo, roll back, build, export/import. Screenshots of every main screen at
// 1280 and 390 px land in tests/artifacts/screenshots/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPresets } from '../../web/presets';
import { expectNoSideScroll, launchChromium, screenshot, textOf, watchProblems } from '../support/browser';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import type { SparkWorker } from '../support/spark-worker';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';


const SHOTS = resolve('tests/artifacts/screenshots');
const PASSWORD = 'correct horse battery';
const presetScripts = loadPresets().find((p) => p.id === 'platformer-2d')!.scripts;

describe('web UI', () => {
  let stack: WebStack;
  let worker: SparkWorker;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let agent: RealAgent | undefined;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  const onDisk = (path: string) => join(unity.projectDir, path);
  const problems: string[] = [];
  const email = `dev-${Date.now().toString(36)}@example.com`;
  const ids = { projectId: '', sessionId: '', agentToken: '' };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('webui');
    expect(stack.built.js.gzip).toBeLessThan(60 * 1024);
    worker = stack.worker;
    unity = await startUnityMcpServer({ profile: 'unity-mcp', buildDurationMs: 1200 });
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await desktop.newPage();
    watchProblems(page, problems);
  });
  afterAll(async () => {
    await agent?.dispose();
    await unity?.close();
    await browser?.close();
    await stack?.dispose();
  });

  it('serves the app for any path, and the API beside it', async () => {
    const html = await (await worker.fetch('/projects/anything/sessions/else')).text();
    expect(html).toMatch(/<script type="module" src="\/assets\/main-[A-Z0-9]+\.js">/);
    const presets = (await (await worker.fetch('/presets.json')).json()) as { id: string }[];
    expect(presets.map((p) => p.id).sort()).toEqual(['platformer-2d', 'top-down-action', 'visual-novel']);
    expect((await worker.fetch('/api/projects')).status).toBe(401);
  });

  it('signs up, creates a project and shows a pairing code with its command', async () => {
    await page.goto(worker.url + '/');
    await page.waitForURL(/\/login$/);
    await screenshot(page, SHOTS, 'login-1280');
    await page.getByTestId('auth-switch').click();
    await page.waitForURL(/\/signup$/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByTestId('auth-submit').click();
    await textOf(page.getByTestId('auth-error'), /at least 8 characters/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.getByTestId('projects-empty').waitFor();
    await textOf(page.getByTestId('user-email'), new RegExp(email));
    await screenshot(page, SHOTS, 'projects-empty-1280');

    await page.getByLabel('Project name').fill('Moonlit Platformer');
    await page.getByTestId('create-project').click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    ids.projectId = page.url().split('/').pop()!;
    await textOf(page.getByTestId('project-title'), /Moonlit Platformer/);
    await page.getByTestId('sessions-empty').waitFor();

    await page.getByTestId('add-agent').click();
    const code = await textOf(page.getByTestId('pairing-code'), /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const command = await textOf(page.getByTestId('pairing-command'), /^npx -y http:\/\/\S+\.tgz pair /);
    expect(command).toContain(code);
    expect(command).toContain(`--edge ${worker.url}`);
    await textOf(page.getByTestId('pairing-expiry'), /\d+:\d\d/);
    await textOf(page.getByTestId('pairing-status'), /Waiting for the command to run on your Unity machine/);
    await screenshot(page, SHOTS, 'project-pairing-1280');

    // On the Unity machine: `spark-agent pair <code> --edge <url>` (agent-install.test.ts runs the
    // command itself through npx); the page notices by itself.
    agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url, startNow: false });
    await textOf(page.getByTestId('pairing-status'), /Paired with studio-pc/, 15_000);
    await page.getByTestId('agent-row').first().waitFor();
  });

  it('opens a new session with every panel, live over the WebSocket', async () => {
    await page.getByLabel('New session name').fill('Level 1 polish');
    await page.getByTestId('new-session').click();
    await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    ids.sessionId = page.url().split('/').pop()!;
    await textOf(page.getByTestId('session-title'), /Level 1 polish/);
    await page.locator('[data-testid="live-status"][data-state="open"]').waitFor();
    for (const id of ['progress-panel', 'preview-panel', 'presets-panel', 'build-panel', 'history-panel']) await page.getByTestId(id).waitFor();
    await page.getByTestId('agent-offline-notice').waitFor();
    // What to run meanwhile: the current agent, by its versioned name.
    await textOf(page.getByTestId('agent-start-command'), /^npx -y http:\/\/\S+\/agent\/spark-agent-\S+\.tgz start$/);
    await page.getByTestId('preset-platformer-2d').waitFor();
    expect(await page.locator('[data-testid^="preset-"][role="tab"]').count()).toBe(3);
    expect(await page.locator('#build-target option').allTextContents()).toHaveLength(6);
    await page.getByTestId('history-empty').waitFor();
    await page.getByTestId('progress-empty').waitFor();

    // Nothing to undo yet.
    expect(await page.getByTestId('undo').isDisabled()).toBe(true);
    await textOf(page.getByTestId('undo-hint'), /Nothing to undo/);
    await screenshot(page, SHOTS, 'session-empty-1280');
  });

  it('queues while no agent is there, then runs the preset, the preview and the builds when one connects', async () => {
    // Apply a preset with the agent away: every script waits in the queue.
    await page.getByTestId('preset-platformer-2d').click();
    const scripts = await page.getByTestId('preset-script').count();
    expect(scripts).toBeGreaterThanOrEqual(3);
    await page.getByTestId('preset-script').first().locator('summary').click();
    await textOf(page.getByTestId('preset-script-code').first(), /using UnityEngine/);
    await page.getByTestId('apply-preset').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="apply-row"][data-phase="pending"]').length === n, scripts);
    expect(await page.locator('[data-testid="op-row"][data-state="queued"]').count()).toBe(Math.min(10, scripts));

    await agent!.start();
    await page.locator('[data-testid="agent-indicator"][data-online="true"]').waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="apply-row"][data-phase="success"]').length === n, scripts, { timeout: 20_000 });
    await textOf(page.getByTestId('apply-summary'), new RegExp(`Applied — ${scripts}/${scripts} written`));
    const timings = await page.getByTestId('op-timings').first().textContent();
    // As formatMs writes a duration: "850 ms", or "1.5 s" when Unity was slow (a loaded machine).
    const duration = String.raw`(<1 ms|\d+ ms|\d+(\.\d)? s|\d+ min)`;
    expect(timings).toMatch(new RegExp(`total ${duration}`));
    expect(timings).toMatch(new RegExp(`Unity ${duration}`));
    // The change history fills in as the agent's events land.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="change-row"][data-op="create"]').length === n, scripts, { timeout: 20_000 });

    // A preview.
    await page.getByTestId('preview-width').fill('640');
    await page.getByTestId('preview-height').fill('360');
    await page.getByTestId('request-preview').click();
    await page.locator('[data-testid="preview-state"][data-state="ready"]').waitFor({ timeout: 15_000 });
    const size = await page.getByTestId('preview-frame').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([640, 360]);

    // Build with the preset's settings, then one that fails.
    await page.getByTestId('use-preset-build').click();
    await page.getByTestId('build-options').waitFor();
    expect(await page.getByTestId('build-target').inputValue()).toBe('WebGL');
    await page.getByTestId('start-build').click();
    await page.getByTestId('build-active').waitFor();
    await page.locator('[data-testid="build-row"][data-status="completed"]').waitFor({ timeout: 20_000 });
    await screenshot(page, SHOTS, 'session-busy-1280');
    // The editor answers the next build with a failure, as Unity does without the iOS module.
    unity.control.failNext('manage_build', 1, 'iOS build support is not installed');
    await page.getByTestId('build-preset').selectOption('');
    await page.getByTestId('build-target').selectOption('iOS');
    await page.getByTestId('start-build').click();
    await page.locator('[data-testid="build-row"][data-status="failed"]').waitFor({ timeout: 20_000 });
    await textOf(page.getByTestId('build-error').first(), /iOS build support is not installed/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="build-row"]').length === 2);
  }, 120_000);

  it('views a change, undoes the last one, rolls back, and exports and imports the history', async () => {
    const rows = page.getByTestId('change-row');
    const before = await rows.count();
    // View: the dialog shows the new file as added lines.
    await rows.first().getByTestId('view-change').click();
    await page.getByTestId('change-dialog').waitFor();
    await textOf(page.getByTestId('change-diff'), /\+/);
    await page.getByTestId('change-tab-after').click();
    await textOf(page.getByTestId('change-after'), /class /);
    await screenshot(page, SHOTS, 'change-dialog-1280');
    await page.keyboard.press('Escape');
    await page.getByTestId('change-dialog').waitFor({ state: 'detached' });

    // Undo: the newest file is taken back (a delete, since the preset created it).
    const newestPath = await rows.first().getAttribute('data-path');
    await page.getByTestId('undo').click();
    expect(existsSync(onDisk(newestPath!))).toBe(true);
    await page.locator(`[data-testid="change-row"][data-op="delete"][data-path="${newestPath}"]`).waitFor({ timeout: 20_000 });
    expect(existsSync(onDisk(newestPath!))).toBe(false);

    // Roll back to the oldest change: every file created after it goes.
    const oldest = page.locator('[data-testid="change-row"][data-op="create"]').last();
    const oldestPath = await oldest.getAttribute('data-path');
    await oldest.getByTestId('rollback').click();
    await oldest.getByTestId('rollback-confirm').click();
    await page.getByTestId('toast-ok').filter({ hasText: /Rolling back/ }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="change-row"][data-op="delete"]').length >= 2, undefined, { timeout: 20_000 });
    await agent!.agent.idle();
    const presetPaths = presetScripts.map((s) => s.path);
    await vi.waitFor(() => expect(presetPaths.filter((p) => existsSync(onDisk(p)))).toEqual([oldestPath]), { timeout: 10_000 });

    // An overwrite, then undo: the file is back exactly as it was, byte for byte.
    const original = readFileSync(onDisk(oldestPath!), 'utf8');
    const meta = readFileSync(`${onDisk(oldestPath!)}.meta`, 'utf8'); // holds the GUID scenes and prefabs refer to
    // The page keeps its token in memory only: a test script logs in for its own.
    const token = ((await (await worker.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })).json()) as { token: string }).token;
    const edit = await fetch(`${worker.url}/api/projects/${ids.projectId}/sessions/${ids.sessionId}/ops`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'generate_script', path: oldestPath, code: original.replace('namespace', '// edited in Spark\nnamespace'), overwrite: true }),
    });
    expect(edit.status).toBe(202);
    await page.locator(`[data-testid="change-row"][data-op="modify"][data-path="${oldestPath}"]`).first().waitFor({ timeout: 20_000 });
    expect(readFileSync(onDisk(oldestPath!), 'utf8')).toContain('// edited in Spark');
    await page.getByTestId('undo').click();
    await vi.waitFor(() => expect(readFileSync(onDisk(oldestPath!), 'utf8')).toBe(original), { timeout: 20_000 });
    // Overwrite, undo and the rollback replaced its text in place: never deleted, same GUID.
    expect(readFileSync(`${onDisk(oldestPath!)}.meta`, 'utf8')).toBe(meta);
    expect(unity.calls.filter((c) => c.tool === 'delete_script' && (c.args as { uri?: string }).uri === oldestPath)).toEqual([]);

    // Filters: by path, and by time.
    await page.getByTestId('history-path').fill(oldestPath!.split('/').pop()!.replace('.cs', ''));
    await page.waitForFunction((p) => [...document.querySelectorAll('[data-testid="change-row"]')].every((r) => r.getAttribute('data-path') === p), oldestPath);
    await page.getByTestId('history-path').fill('');
    await page.getByTestId('history-range').selectOption('custom');
    await page.getByTestId('history-from').fill('2030-01-02T10:00');
    await page.getByTestId('history-to').fill('2030-01-01T10:00');
    await page.getByText('“From” must be before “to”.').waitFor();
    await page.getByTestId('history-to').fill('2030-01-03T10:00');
    await page.getByTestId('history-empty').waitFor();
    await page.getByTestId('history-range').selectOption('1h');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="change-row"]').length > n, before);
    await screenshot(page, SHOTS, 'session-history-1280');
    await panelShots(page, '1280');

    // Export downloads the JSON; importing it adds those changes again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-history').click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { version: number; changes: unknown[] };
    expect(exported.version).toBe(1);
    expect(exported.changes.length).toBeGreaterThan(before);
    const countBefore = await rows.count();
    await page.getByTestId('import-file').setInputFiles({ name: 'history.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
    await page.getByTestId('toast-ok').filter({ hasText: `Imported ${exported.changes.length} changes` }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="change-row"]').length > n, countBefore);
    // A file that is not an export is refused in the page.
    await page.getByTestId('import-file').setInputFiles({ name: 'nope.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":1}') });
    await textOf(page.getByTestId('history-error'), /not a Spark history export/);
  }, 120_000);

  it('fits a 390 px phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watchProblems(p, problems);
    await p.goto(`${worker.url}/projects/${ids.projectId}/sessions/${ids.sessionId}`);
    await p.waitForURL(/\/login\?next=/);
    await screenshot(p, SHOTS, 'login-390');
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill('not the password');
    await p.getByTestId('auth-submit').click();
    // The API's own message, in the page.
    await textOf(p.getByTestId('auth-error'), /Email or password is wrong/);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByTestId('auth-submit').click();
    // Back where the person wanted to be.
    await p.waitForURL(new RegExp(`/sessions/${ids.sessionId}$`));
    await p.locator('[data-testid="live-status"][data-state="open"]').waitFor();
    await p.locator('[data-testid="preview-state"][data-state="ready"]').waitFor({ timeout: 15_000 });
    await p.getByTestId('change-row').first().waitFor();
    await expectNoSideScroll(p);
    await screenshot(p, SHOTS, 'session-390');
    await panelShots(p, '390');
    await p.emulateMedia({ colorScheme: 'dark' });
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: `${SHOTS}/session-390-dark.png` });
    await p.emulateMedia({ colorScheme: 'light' });
    await p.goto(`${worker.url}/projects/${ids.projectId}`);
    await p.getByTestId('add-agent').click();
    await p.getByTestId('pairing-code').waitFor();
    await expectNoSideScroll(p);
    await screenshot(p, SHOTS, 'project-390');
    await p.goto(`${worker.url}/projects`);
    await p.getByTestId('project-link').first().waitFor();
    await expectNoSideScroll(p);
    await screenshot(p, SHOTS, 'projects-390');
    await phone.close();
  }, 120_000);

  it('sends a person whose token no longer works back to log in, saying why', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // A refresh cookie that no longer works (revoked, expired, or never valid).
    await ctx.addCookies([{ name: 'spark_refresh', value: 'A'.repeat(43), url: `${worker.url}/api/auth`, httpOnly: true, sameSite: 'Strict' }]);
    const p = await ctx.newPage();
    watchProblems(p, problems);
    await p.goto(`${worker.url}/projects/${ids.projectId}`);
    await p.waitForURL(/\/login\?next=%2Fprojects%2F/);
    await textOf(p.getByTestId('auth-flash'), /expired/);
    await ctx.close();
    expect(problems).toEqual([]);
  });
});

/** Each panel on its own, readable at full size. */
async function panelShots(p: Page, width: string) {
  for (const id of ['progress', 'preview', 'presets', 'build', 'history']) {
    await p.locator(`#${id}`).screenshot({ path: `${SHOTS}/panel-${id}-${width}.png` });
  }
}
