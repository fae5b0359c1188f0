// "Ask Spark" in the session view, end to end: the built UI served by the real Worker in Chromium,
// a scripted OpenAI-compatible model, the real agent and the Unity double.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, screenshot, textOf, watchProblems } from '../support/browser';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startScriptedLlm, type ChatRequest, type ScriptedTurn } from '../support/scripted-llm';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('tests/artifacts/screenshots');
const PATH = 'Assets/Scripts/Jumper.cs';
const CODE = 'using UnityEngine;\n\npublic class Jumper : MonoBehaviour\n{\n    public float jump = 7f;\n}\n';
const HIGHER = CODE.replace('7f', '12f');

function script(req: ChatRequest): ScriptedTurn {
  const sessionId = /session_id "([0-9a-f-]{36})"/.exec(req.messages[0]?.content ?? '')?.[1] ?? 'none';
  const last = req.messages[req.messages.length - 1]!;
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (last.role === 'user' && /higher/i.test(lastUser))
    return { text: 'Raising the jump to 12. ', toolCalls: [{ name: 'write_script', arguments: { session_id: sessionId, path: PATH, code: HIGHER, overwrite: true } }], usage: { prompt_tokens: 120, completion_tokens: 30 } };
  if (last.role === 'tool' && /higher/i.test(lastUser)) return { text: 'Jumper jumps higher now.', usage: { prompt_tokens: 160, completion_tokens: 6 } };
  if (last.role === 'user' && /delete/i.test(last.content ?? '')) return { toolCalls: [{ name: 'delete_script', arguments: { session_id: sessionId, path: PATH } }], usage: { prompt_tokens: 50, completion_tokens: 5 } };
  if (last.role === 'user') return { text: 'Writing a jump script for you. ', toolCalls: [{ name: 'write_script', arguments: { session_id: sessionId, path: PATH, code: CODE } }], usage: { prompt_tokens: 100, completion_tokens: 20 } };
  return { text: /declined/.test(last.content ?? '') ? 'Kept the script.' : 'Done: Jumper compiles.', usage: { prompt_tokens: 150, completion_tokens: 5 } };
}

describe('Ask Spark in the browser', () => {
  let stack: WebStack;
  let llm: Awaited<ReturnType<typeof startScriptedLlm>>;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  let agent: RealAgent;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;

  /** A logged-in page on the session view, at the given width. */
  async function sessionPage(width: number, height: number, problems: string[]) {
    const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
    watchProblems(page, problems);
    await page.goto(`${stack.worker.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.goto(`${stack.worker.url}/projects/${owner.projectId}/sessions/${sessionId}`);
    return page;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    llm = await startScriptedLlm(script);
    stack = await startWebStack('assistantweb', { vars: { LLM_BASE_URL: llm.url, LLM_MODEL: 'scripted-model' } });
    unity = await startUnityMcpServer({ profile: 'unity-mcp' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.dispose();
    await unity?.close();
    await stack?.dispose();
    await llm?.close();
  });

  it('streams the answer and the tool calls, asks before deleting, at 1280 and 390 px', async () => {
    const url = stack.worker.url;
    owner = await userWithProject(url, 'askweb');
    sessionId = (await owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name: 'ask in the browser' })).body.id as string;
    const code = (await owner.api.post(`/api/projects/${owner.projectId}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({ edge: url, code, mcpUrl: unity.url });

    const problems: string[] = [];
    const page = await sessionPage(1280, 900, problems);

    const panel = page.getByTestId('assistant-panel');
    await panel.waitFor();
    await page.getByTestId('assistant-input').fill('make a jump script');
    await page.getByTestId('assistant-send').click();
    await textOf(panel.getByTestId('assistant-log'), /Done: Jumper compiles\./, 30_000);
    expect(await textOf(panel.getByTestId('assistant-tool').first(), /write_script.*compile: compiled/)).toContain(PATH);
    expect(readFileSync(join(unity.projectDir, PATH), 'utf8')).toBe(CODE);
    await screenshot(page, SHOTS, 'assistant-1280');

    await page.getByTestId('assistant-input').fill('delete it');
    await page.getByTestId('assistant-send').click();
    await page.getByTestId('assistant-approve').waitFor({ timeout: 20_000 });
    expect(existsSync(join(unity.projectDir, PATH))).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, SHOTS, 'assistant-confirm-390');
    await expectNoSideScroll(page);
    await page.getByTestId('assistant-deny').click();
    await textOf(panel.getByTestId('assistant-log'), /Kept the script\./, 20_000);
    expect(existsSync(join(unity.projectDir, PATH))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('a script the assistant rewrote is an op and a change; Undo in the page restores the file on disk, at 1280 and 390 px', async () => {
    const disk = join(unity.projectDir, PATH);
    expect(readFileSync(disk, 'utf8')).toBe(CODE);
    const problems: string[] = [];
    const page = await sessionPage(1280, 900, problems);
    const panel = page.getByTestId('assistant-panel');
    // The earlier conversation is kept with the session and shown again.
    await textOf(panel.getByTestId('assistant-log'), /make a jump script.*Done: Jumper compiles\..*Kept the script\./);
    await page.locator('[data-testid="live-status"][data-state="open"]').waitFor();
    const writes = '[data-testid="op-row"][data-op="generate_script"][data-state="succeeded"]';
    const writesBefore = await page.locator(writes).count();

    await page.getByTestId('assistant-input').fill('make it jump higher');
    await page.getByTestId('assistant-send').click();
    // The answer streams in, then the tool call with its result, then the closing answer.
    await textOf(panel.getByTestId('assistant-log'), /Raising the jump to 12\./, 20_000);
    await textOf(panel.getByTestId('assistant-log'), /Jumper jumps higher now\./, 30_000);
    await textOf(panel.getByTestId('assistant-tool').last(), /write_script .*Jumper\.cs.*wrote Assets\/Scripts\/Jumper\.cs; compile: compiled/);
    expect(readFileSync(disk, 'utf8')).toBe(HIGHER);
    // The tool call ran as an ordinary operation: it is in the activity list…
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length > (n as number), [writes, writesBefore] as const, { timeout: 15_000 });
    // …and in the change history, as the change Undo takes back.
    const newest = page.getByTestId('change-row').first();
    await page.locator(`[data-testid="change-row"][data-op="modify"][data-path="${PATH}"][data-reverted="false"]`).first().waitFor({ timeout: 20_000 });
    expect(await newest.getAttribute('data-op')).toBe('modify');
    await textOf(page.getByTestId('undo-hint'), /Takes back .*Jumper\.cs/);

    await page.getByTestId('undo').click();
    // Unity's file is back as it was before the assistant rewrote it…
    await eventually(async () => readFileSync(disk, 'utf8') === CODE, 20_000);
    // …and the page says so: the undo is an operation in the activity list, the change is marked undone.
    await textOf(page.locator('[data-testid="op-row"][data-state="succeeded"]', { hasText: 'undo ·' }).first(), new RegExp(`undo · ${PATH.replace(/\./g, '\\.')}`), 15_000);
    await page.locator(`[data-testid="change-row"][data-op="modify"][data-path="${PATH}"][data-reverted="true"]`).first().waitFor({ timeout: 20_000 });
    await screenshot(page, SHOTS, 'assistant-undo-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, SHOTS, 'assistant-undo-390');
    await expectNoSideScroll(page);
    expect(problems).toEqual([]);
  });
});
