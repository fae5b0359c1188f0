// "Ask Spark" in the session view, end to end: the built UI served by the real Worker in Chromium,
// a scripted OpenAI-compatible model, the real agent and the Unity double.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, screenshot, textOf, watchProblems } from '../support/browser';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startScriptedLlm, type ChatRequest, type ScriptedTurn } from '../support/scripted-llm';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('tests/artifacts/screenshots');
const PATH = 'Assets/Scripts/Jumper.cs';
const CODE = 'using UnityEngine;\n\npublic class Jumper : MonoBehaviour\n{\n    public float jump = 7f;\n}\n';

function script(req: ChatRequest): ScriptedTurn {
  const sessionId = /session_id "([0-9a-f-]{36})"/.exec(req.messages[0]?.content ?? '')?.[1] ?? 'none';
  const last = req.messages[req.messages.length - 1]!;
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
    const owner = await userWithProject(url, 'askweb');
    const sessionId = (await owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name: 'ask in the browser' })).body.id as string;
    const code = (await owner.api.post(`/api/projects/${owner.projectId}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({ edge: url, code, mcpUrl: unity.url });

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems: string[] = [];
    watchProblems(page, problems);
    await page.goto(`${url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/projects$/);
    await page.goto(`${url}/projects/${owner.projectId}/sessions/${sessionId}`);

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
});
