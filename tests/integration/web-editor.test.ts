// The first run in the browser: the pairing page's instructions (the one command, the Unity MCP
// settings, a waiting state that flips to online by itself), then the session view's script
// editor (create, edit, delete, the compile result), true progress (one preset file "writing"
// at a time, the build's own progress messages, buttons disabled while their operation runs)
// and errors in plain words. Real Worker in workerd, real Postgres, the real agent over MCP to
// the test Unity MCP server, Debian's Chromium. Screenshots at 1280 and 390 px land in
// dist/screenshots/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPresets } from '../../web/presets';
import { eventually, userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, screenshot, textOf, watchProblems } from '../support/browser';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import type { SparkWorker } from '../support/spark-worker';
import { startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';


const SHOTS = resolve('dist/screenshots');
const PASSWORD = 'correct horse battery';
const HELLO = 'Assets/Scripts/Hello.cs';
const helloCode = 'using UnityEngine;\n\npublic class Hello : MonoBehaviour\n{\n    // says hello\n    void Start() { Debug.Log("hello"); }\n}\n';

describe('first run in the browser: pairing, the script editor, true progress', () => {
  let stack: WebStack;
  let worker: SparkWorker;
  let unity: UnityMcpServerHandle;
  let browser: Browser;
  let page: Page;
  let agent: RealAgent | undefined;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId = '';
  const problems: string[] = [];
  const onDisk = (path: string) => join(unity.projectDir, path);
  const opsPath = () => `/api/projects/${user.projectId}/sessions/${sessionId}/ops`;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('webeditor');
    worker = stack.worker;
    // Builds long enough that their progress is on screen for a while, however loaded the machine.
    unity = await startUnityMcpServer({ profile: 'unity-mcp', buildDurationMs: 8000 });
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    watchProblems(page, problems);
    user = await userWithProject(worker.url, 'editor');
  }, 120_000);
  afterAll(async () => {
    await agent?.dispose();
    await unity?.close();
    await browser?.close();
    await stack?.dispose();
  }, 120_000);

  it('tells a person the one command, the Unity MCP settings, and waits until the agent is online', async () => {
    await page.goto(`${worker.url}/login?next=${encodeURIComponent(`/projects/${user.projectId}`)}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(new RegExp(`/projects/${user.projectId}$`));
    await page.getByTestId('add-agent').click();
    const code = await textOf(page.getByTestId('pairing-code'), /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const command = await textOf(page.getByTestId('pairing-command'), /^npx -y /);
    const esc = worker.url.replace(/[.]/g, '\\.');
    expect(command).toMatch(new RegExp(`^npx -y ${esc}/agent/spark-agent-[0-9.]+-[0-9a-f]{12}\\.tgz pair ${code} --edge ${esc}$`));
    expect(await page.getByTestId('start-command').textContent()).toBe(command.replace(/ pair .*$/, ' start'));
    const steps = await page.getByTestId('pairing').textContent();
    expect(steps).toMatch(/Node\.js 20 or newer/);
    expect(steps).toMatch(/Leave it running \(Ctrl-C stops it\)/);
    await page.getByTestId('unity-mcp-help').locator('summary').click();
    const help = await page.getByTestId('unity-mcp-help').textContent();
    expect(help).toContain('UNITY_MCP_URL, by default http://localhost:8080/mcp');
    expect(help).toContain('UNITY_MCP_TOKEN (sent as X-API-Key)');
    await page.locator('[data-testid="pairing-status"][data-state="waiting"]').waitFor();
    await textOf(page.getByTestId('pairing-status'), /Waiting for the command to run on your Unity machine/);
    await screenshot(page, SHOTS, 'pairing-1280');

    // The command runs on the Unity machine (the agent-install test runs it through npx; here the
    // same CLI in-process): the page notices the pairing, then the agent coming online.
    agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url, startNow: false });
    await page.locator('[data-testid="pairing-status"][data-state="paired"]').waitFor({ timeout: 15_000 });
    await textOf(page.getByTestId('pairing-status'), /Paired with studio-pc\. It comes online when it connects to an active session: start one under Sessions/);
    const session = await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'Editor' });
    sessionId = session.body.id;
    await agent.start();
    await page.locator('[data-testid="pairing-status"][data-state="online"]').waitFor({ timeout: 30_000 });
    await textOf(page.getByTestId('pairing-status'), /studio-pc is connected/);
  }, 120_000);

  it('shows the pairing page on a phone without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watchProblems(p, problems);
    await login(p, `/projects/${user.projectId}`);
    await p.getByTestId('add-agent').click();
    await p.getByTestId('pairing-command').waitFor();
    await expectNoSideScroll(p);
    await screenshot(p, SHOTS, 'pairing-390');
    await phone.close();
  }, 120_000);

  it('creates a script with C# highlighting, the save button disabled while Unity writes it', async () => {
    await page.goto(`${worker.url}/projects/${user.projectId}/sessions/${sessionId}`);
    await page.locator('[data-testid="agent-indicator"][data-online="true"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('scripts-empty').waitFor();
    await page.getByTestId('new-script').click();
    await page.getByTestId('script-path').fill(HELLO);
    await page.getByTestId('script-code').fill(helloCode);
    // Highlighted: keywords, strings and comments get their own spans.
    expect(await page.locator('.code-layer .hljs-keyword').count()).toBeGreaterThan(2);
    expect(await page.locator('.code-layer .hljs-string').first().textContent()).toBe('"hello"');
    expect(await page.locator('.code-layer .hljs-comment').first().textContent()).toContain('says hello');

    unity.control.stallNext('create_script', 1500);
    const save = page.getByTestId('save-script');
    await save.click();
    await page.locator('[data-testid="script-status"][data-state="running"]').waitFor();
    expect(await save.isDisabled()).toBe(true);
    expect(await page.getByTestId('delete-script').count()).toBe(0);
    await page.locator('[data-testid="script-status"][data-state="succeeded"]').waitFor({ timeout: 20_000 });
    expect(readFileSync(onDisk(HELLO), 'utf8')).toBe(helloCode);
    await expectCompileShownAsReported(page, user, opsPath());
    // Saved: nothing left to save, and the file is in the list from the history.
    expect(await save.isDisabled()).toBe(true);
    await page.locator(`[data-testid="script-item"][data-path="${HELLO}"]`).waitFor({ timeout: 20_000 });
    await screenshot(page, SHOTS, 'session-editor-1280');
  }, 120_000);

  it('edits it in place with a patch, and shows what the compiler says', async () => {
    await page.reload();
    await page.locator(`[data-testid="script-item"][data-path="${HELLO}"]`).click();
    await page.locator(`[data-testid="script-editor"][data-path="${HELLO}"][data-dirty="false"]`).waitFor();
    expect(await page.getByTestId('script-code').inputValue()).toBe(helloCode);
    const edited = helloCode.replace('// says hello', '// says hello twice\n    public int count = 2;');
    await page.getByTestId('script-code').fill(edited);
    await page.locator('[data-testid="script-editor"][data-dirty="true"]').waitFor();
    await saveAndWait(page);
    expect(readFileSync(onDisk(HELLO), 'utf8')).toBe(edited);
    // In place: a patch, not a delete and a create.
    await page.locator('[data-testid="op-row"][data-op="apply_patch"][data-state="succeeded"]').waitFor();
    expect(unity.calls.filter((c) => c.tool === 'delete_script')).toEqual([]);
    await expectCompileShownAsReported(page, user, opsPath());

    // A second save patches against what the first one wrote.
    const broken = edited.replace('public int count = 2;', 'public int count = ;');
    await page.getByTestId('script-code').fill(broken);
    await saveAndWait(page);
    expect(readFileSync(onDisk(HELLO), 'utf8')).toBe(broken);
    await expectCompileShownAsReported(page, user, opsPath());
  }, 120_000);

  it('says in plain words why an operation failed, with the raw detail folded away', async () => {
    // Someone changes the file in Unity behind the editor's back: the patch is refused, not merged blindly.
    const inUnity = readFileSync(onDisk(HELLO), 'utf8').replace('public int count = ;', 'public int count = 3;');
    writeFileSync(onDisk(HELLO), inUnity);
    await page.getByTestId('script-code').fill(helloCode);
    await saveAndWait(page, 'failed');
    const note = page.getByTestId('script-status').getByTestId('error-note');
    await textOf(note, /The file changed in Unity since you opened it\. Spark left it as it is: replace it with your version, or make your change in Unity\./, 20_000);
    const detail = note.locator('details');
    expect(await detail.evaluate((d: HTMLDetailsElement) => d.open)).toBe(false);
    expect(await detail.textContent()).toMatch(/stale_file: /);
    expect(readFileSync(onDisk(HELLO), 'utf8')).toBe(inUnity);
    // The same words in the activity list.
    await textOf(page.getByTestId('op-error').first(), /The file changed in Unity/);
    await screenshot(page, SHOTS, 'session-error-1280');

    // The next step it offers: put this version over Unity's, whole.
    const before = await page.getByTestId('script-status').getAttribute('data-call-id');
    await page.getByTestId('replace-script').click();
    await page.locator(`[data-testid="script-status"][data-state="succeeded"]:not([data-call-id="${before}"])`).waitFor({ timeout: 20_000 });
    expect(readFileSync(onDisk(HELLO), 'utf8')).toBe(helloCode);
    await page.locator('[data-testid="script-editor"][data-dirty="false"]').waitFor();
  }, 120_000);

  it('deletes the script after a confirmation', async () => {
    await page.getByTestId('delete-script').click();
    await textOf(page.locator('#scripts .confirm'), /Delete Hello\.cs from the Unity project\?/);
    await page.getByTestId('delete-cancel').click();
    expect(existsSync(onDisk(HELLO))).toBe(true);
    await page.getByTestId('delete-script').click();
    await page.getByTestId('delete-confirm').click();
    await page.getByTestId('script-editor').waitFor({ state: 'detached', timeout: 20_000 });
    expect(existsSync(onDisk(HELLO))).toBe(false);
    await page.getByTestId('scripts-empty').waitFor({ timeout: 20_000 });
  }, 120_000);

  it('marks only the preset file being written as "writing", and shows the build progress Unity reports', async () => {
    const preset = loadPresets().find((p) => p.id === 'top-down-action')!;
    // Slow enough that every POST is in before the first file is written.
    unity.control.stallNext('create_script', 1200, preset.scripts.length);
    await page.getByTestId('preset-top-down-action').click();
    const apply = page.getByTestId('apply-preset');
    await apply.click();
    expect(await apply.isDisabled()).toBe(true);
    // Sample the rows until the apply is done: never two files "writing" at once.
    let maxWriting = 0;
    let sawWriting = false;
    let sawQueuedBehind = false;
    let enabledEarly = false;
    const end = Date.now() + 90_000;
    for (;;) {
      // Read the button before the rows: rows only move forward, so an enabled button with rows
      // still unfinished afterwards was enabled too early.
      const disabled = await apply.isDisabled();
      const phases = await page
        .locator('[data-testid="apply-row"]')
        .evaluateAll((rows) => rows.map((r) => ({ phase: r.getAttribute('data-phase') ?? '', text: r.textContent ?? '' })));
      const writing = phases.filter((r) => r.phase === 'running');
      maxWriting = Math.max(maxWriting, writing.length);
      if (writing.some((r) => /writing/.test(r.text))) sawWriting = true;
      if (writing.length === 1 && phases.some((r) => r.phase === 'pending' && /queued/.test(r.text))) sawQueuedBehind = true;
      if (phases.length === preset.scripts.length && phases.every((r) => r.phase === 'success')) break;
      if (!disabled) enabledEarly = true;
      if (Date.now() > end) throw new Error(`apply did not finish: ${JSON.stringify(phases)}`);
      await page.waitForTimeout(40);
    }
    expect(maxWriting).toBe(1);
    expect(sawWriting).toBe(true);
    expect(sawQueuedBehind).toBe(true);
    expect(enabledEarly).toBe(false);
    expect(await apply.isDisabled()).toBe(false);

    // Its settings are applied inside Unity by the menu item of its (now compiled) Editor script.
    await page.getByTestId('apply-preset-settings').click();
    await page.locator('[data-testid="preset-apply-settings"][data-state="succeeded"]').waitFor({ timeout: 30_000 });
    const menu = unity.calls.filter((c) => c.tool === 'execute_menu_item');
    expect(menu.map((c) => (c.args as { menu_path?: string }).menu_path)).toEqual([preset.applySettings.menuItem]);

    // A build: its bar and line follow what Unity reports, and the button waits for it.
    await page.getByTestId('build-target').selectOption('WebGL');
    await page.getByTestId('start-build').click();
    await page.getByTestId('build-active').waitFor();
    expect(await page.getByTestId('start-build').isDisabled()).toBe(true);
    const said = await textOf(page.getByTestId('build-activity'), /^build — /, 20_000);
    const reported = await eventually(async () => {
      const ops = (await user.api.get(opsPath())).body.items as { op: string; stage?: string; message?: string; progress?: number }[];
      return ops.find((o) => o.op === 'run_build' && o.message);
    });
    expect(said).toContain(reported.stage);
    // Unity says "building" without a percentage: the bar is indeterminate, never a false 0%.
    const bar = page.getByTestId('build-progress');
    expect(await bar.getAttribute('aria-valuetext')).toBe('in progress');
    expect(await bar.getAttribute('aria-valuenow')).toBeNull();
    await screenshot(page, SHOTS, 'session-progress-1280');
    await page.locator('[data-testid="build-row"][data-status="completed"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('start-build').isDisabled()).toBe(false);
  }, 120_000);

  it('shows an asset inspection readably', async () => {
    const asset = 'Assets/Textures/hero.png';
    mkdirSync(join(unity.projectDir, 'Assets/Textures'), { recursive: true });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(onDisk(asset), png);
    const res = await user.api.post(opsPath(), { op: 'deconstruct_asset', path: asset });
    expect(res.status).toBe(202);
    const row = page.locator(`[data-testid="op-row"][data-call-id="${res.body.callId}"]`);
    await row.locator('[data-testid="op-result"]').waitFor({ timeout: 20_000 });
    const op = (await user.api.get(`${opsPath()}/${res.body.callId}`)).body as { state: string; result: unknown };
    expect(op.state).toBe('succeeded');
    const text = await row.getByTestId('op-result').locator('dl').textContent();
    expect(text).not.toContain('[object Object]');
    expect((text ?? '').length).toBeGreaterThan(3);
  }, 120_000);

  it('fits the session view with the editor on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watchProblems(p, problems);
    await login(p, `/projects/${user.projectId}/sessions/${sessionId}`);
    await p.locator('[data-testid="live-status"][data-state="open"]').waitFor();
    await p.getByTestId('script-item').first().click();
    await p.getByTestId('script-editor').waitFor();
    await expectNoSideScroll(p);
    await screenshot(p, SHOTS, 'session-editor-390');
    await p.locator('#scripts').screenshot({ path: `${SHOTS}/panel-scripts-390.png` });
    await phone.close();
    await page.locator('#scripts').screenshot({ path: `${SHOTS}/panel-scripts-1280.png` });
    expect(problems).toEqual([]);
  }, 120_000);

  async function login(p: Page, next: string) {
    await p.goto(`${worker.url}/login?next=${encodeURIComponent(next)}`);
    await p.getByLabel('Email').fill(user.email);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByTestId('auth-submit').click();
    await p.waitForURL(new RegExp(`${next}$`));
  }
});

/**
 * The page shows exactly the compile result the agent put in the op result: the status, and each
 * error with its line; nothing when the result carries none.
 */
async function expectCompileShownAsReported(page: Page, user: { api: { get(p: string): Promise<{ body: any }> } }, ops: string) {
  const items = (await user.api.get(ops)).body.items as { op: string; state: string; result?: { compile?: { status: string; errors: { line: number }[] } } }[];
  const last = items.find((o) => (o.op === 'generate_script' || o.op === 'apply_patch') && o.state === 'succeeded')!;
  const compile = last.result?.compile;
  if (!compile) {
    expect(await page.getByTestId('compile-result').count()).toBe(0);
    return;
  }
  await page.locator(`[data-testid="compile-result"][data-status="${compile.status}"]`).waitFor();
  if (compile.status === 'errors') {
    expect(await page.getByTestId('compile-error').count()).toBe(compile.errors.length);
    if (compile.errors[0]!.line) await textOf(page.getByTestId('compile-error').first(), new RegExp(`:${compile.errors[0]!.line}\\b`));
  }
}

/** Presses save and waits for that save (not an earlier one) to end in `state`. */
async function saveAndWait(page: Page, state: 'succeeded' | 'failed' = 'succeeded') {
  const status = page.getByTestId('script-status');
  const before = (await status.count()) > 0 ? ((await status.getAttribute('data-call-id')) ?? '') : '';
  await page.getByTestId('save-script').click();
  await page.locator(`[data-testid="script-status"][data-state="${state}"]:not([data-call-id="${before}"])`).waitFor({ timeout: 20_000 });
}
