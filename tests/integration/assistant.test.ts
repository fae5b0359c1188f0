import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { rollUpEvents } from '../../db/queries/rollups';
import type { AssistantStreamEvent } from '../../contracts/assistant';
import { eventually, userWithProject } from '../support/api';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startScriptedLlm, type ChatRequest, type ScriptedTurn } from '../support/scripted-llm';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { openSocket, type TestSocket } from '../support/ws-client';

const MODEL = 'scripted-model';
// USD per million tokens: input 2, cached input 1, output 8.
const PRICES = { [MODEL]: { input: 2, output: 8, cached: 1 } };
const PATH = 'Assets/Scripts/PlayerController2D.cs';
// An #error on line 5: Unity (and its double) report CS1029 there.
const BROKEN = 'using UnityEngine;\n\npublic class PlayerController2D : MonoBehaviour\n{\n#error speed is not declared\n    void Update() { transform.position += Vector3.right * speed * Time.deltaTime; }\n}\n';
const FIXED = BROKEN.replace('#error speed is not declared\n', '    public float speed = 5f;\n');

/** The scripted model: each turn decided from what it was sent, as a real one would. */
function script(req: ChatRequest): ScriptedTurn {
  const sessionId = /session_id "([0-9a-f-]{36})"/.exec(req.messages[0]?.content ?? '')?.[1] ?? 'none';
  const last = req.messages[req.messages.length - 1]!;
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')!.content ?? '';
  if (/keep going/i.test(lastUser)) {
    // A model that never stops: first a write outside Assets/ (refused like a person's), then reads forever.
    const first = last.role === 'user';
    return first
      ? { toolCalls: [{ name: 'write_script', arguments: { session_id: sessionId, path: 'Assets/../Secrets.cs', code: 'class S {}' } }], usage: { prompt_tokens: 10, completion_tokens: 2 } }
      : { text: 'Reading again. ', toolCalls: [{ name: 'read_script', arguments: { session_id: sessionId, path: PATH } }], usage: { prompt_tokens: 10, completion_tokens: 2 } };
  }
  if (last.role === 'user' && /player controller/i.test(lastUser)) {
    return { text: 'Writing a 2D player controller. ', toolCalls: [{ name: 'write_script', arguments: { session_id: sessionId, path: PATH, code: BROKEN } }], usage: { prompt_tokens: 1000, completion_tokens: 50, cached_tokens: 200 } };
  }
  if (last.role === 'tool' && /CS1029/.test(last.content ?? '')) {
    return { text: 'It does not compile; fixing line 5.', toolCalls: [{ name: 'patch_script', arguments: { session_id: sessionId, path: PATH, edits: [{ startLine: 5, startCol: 1, endLine: 6, endCol: 1, newText: '    public float speed = 5f;\n' }] } }], usage: { prompt_tokens: 1500, completion_tokens: 40 } };
  }
  if (last.role === 'user' && /delete/i.test(lastUser)) {
    return { toolCalls: [{ name: 'delete_script', arguments: { session_id: sessionId, path: PATH } }], usage: { prompt_tokens: 300, completion_tokens: 20 } };
  }
  if (last.role === 'tool') return { text: /declined/.test(last.content ?? '') ? 'Left it in place.' : 'Done: it compiles.', usage: { prompt_tokens: 1800, completion_tokens: 10 } };
  return { text: 'I can help with Unity.', usage: { prompt_tokens: 100, completion_tokens: 5 } };
}

describe('Ask Spark: the assistant drives Unity through the MCP tools', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let bare: SparkWorker;
  let llm: Awaited<ReturnType<typeof startScriptedLlm>>;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  let agent: RealAgent;
  let sql: postgres.Sql;
  let browser: TestSocket;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;
  const runsUrl = () => `${worker.url}/api/projects/${user.projectId}/sessions/${sessionId}/assistant/runs`;

  /** Asks, reading the event stream to its end; `onEvent` may answer (confirm) while it runs. */
  async function ask(message: string, onEvent?: (e: AssistantStreamEvent) => Promise<void>, base = worker.url) {
    const res = await fetch(`${base}/api/projects/${user.projectId}/sessions/${sessionId}/assistant/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } }, events: [] as AssistantStreamEvent[] };
    const events: AssistantStreamEvent[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(part, { stream: true });
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const line = buffer.slice(0, i).replace(/^data: /, '');
        buffer = buffer.slice(i + 2);
        const e = JSON.parse(line) as AssistantStreamEvent;
        events.push(e);
        await onEvent?.(e);
      }
    }
    return { status: res.status, body: null, events };
  }

  beforeAll(async () => {
    db = await createTestDatabase('assistant');
    llm = await startScriptedLlm(script);
    worker = await startSparkWorker({
      databaseUrl: db.url,
      vars: { LLM_BASE_URL: llm.url, LLM_MODEL: MODEL, LLM_API_KEY: 'test-key', LLM_PRICES: JSON.stringify(PRICES), MCP_TOOL_BUDGET_SECONDS: '20' },
    });
    unity = await startUnityMcpServer({ profile: 'unity-mcp' });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    user = await userWithProject(worker.url, 'assistant');
    sessionId = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'ask spark' })).body.id;
    const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url });
    browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}/api/projects/${user.projectId}/sessions/${sessionId}/connect?role=browser`, { token: user.token });
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.dispose();
    await sql?.end();
    await unity?.close();
    await bare?.dispose();
    await worker?.dispose();
    await llm?.close();
    await db?.drop();
  });

  it('"make a 2D player controller": writes it, reads the compile error, patches it, and counts every model call', async () => {
    const { status, events } = await ask('make a 2D player controller');
    expect(status).toBe(200);
    const done = events.at(-1);
    expect(done, JSON.stringify(events)).toMatchObject({ type: 'done', state: 'done' });
    // The answer streamed in pieces, and the tool calls were shown as they ran.
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(3);
    expect(events.filter((e) => e.type === 'tool_call' || e.type === 'tool_result'), JSON.stringify(events.filter((e) => e.type === 'tool_result'))).toHaveLength(4);
    expect(events.filter((e) => e.type === 'tool_call').map((e) => (e as { name: string }).name)).toEqual(['write_script', 'patch_script']);
    const results = events.filter((e): e is Extract<AssistantStreamEvent, { type: 'tool_result' }> => e.type === 'tool_result');
    expect(results[0]!.text).toContain('CS1029');
    expect(results[1]!.text).toContain('compile: compiled');
    expect(readFileSync(join(unity.projectDir, PATH), 'utf8')).toBe(FIXED);

    // The model was offered the MCP tools with their JSON Schemas, and saw the compile error.
    const first = llm.requests[0]!;
    expect(first.authorization).toBe('Bearer test-key');
    expect(first.body).toMatchObject({ model: MODEL, stream: true });
    const write = first.body.tools!.find((t) => t.function.name === 'write_script')!;
    expect(write.function.parameters).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['session_id', 'path', 'code']) });
    expect(llm.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: expect.stringContaining('CS1029') });

    // Each tool call was an ordinary operation: the browser saw it, the history has it.
    expect((await browser.next((m) => m.t === 'op.update' && m.op.op === 'apply_patch' && m.op.state === 'succeeded')).op.summary).toContain(PATH);
    const patches = await eventually(async () => {
      const rows = await sql`select op from patches where session_id = ${sessionId} order by created_at`;
      return rows.length >= 2 ? rows : null;
    });
    expect(patches.map((r) => r.op)).toEqual(['create', 'modify']);

    // One usage.llm event per model call, with the scripted tokens and the computed cost.
    const usage = await eventually(async () => {
      const rows = await sql`select payload from spark_events where project_id = ${user.projectId} and type = 'usage.llm' order by (payload->>'input_tokens')::int`;
      return rows.length >= 3 ? rows.map((r) => r.payload as Record<string, unknown>) : null;
    });
    expect(usage).toHaveLength(3);
    expect(usage[0]).toMatchObject({ model: MODEL, provider: expect.stringContaining('127.0.0.1'), input_tokens: 1000, output_tokens: 50, cached_tokens: 200, cost_usd: (800 * 2 + 200 * 1 + 50 * 8) / 1e6 });
    expect(usage[1]).toMatchObject({ input_tokens: 1500, output_tokens: 40, cached_tokens: 0, cost_usd: (1500 * 2 + 40 * 8) / 1e6 });
    expect(usage[2]).toMatchObject({ input_tokens: 1800, output_tokens: 10, cost_usd: (1800 * 2 + 10 * 8) / 1e6 });
    expect(events.filter((e) => e.type === 'usage')).toHaveLength(3);
    // The daily rollup (what the Operations dashboard reads) counts them.
    const h = createDb({ url: db.url, max: 1 });
    try {
      await rollUpEvents(h.db, { marginMs: 0 });
    } finally {
      await h.close();
    }
    const [daily] = await sql`select requests::int, input_tokens::int, output_tokens::int, cost_usd from usage_daily where project_id = ${user.projectId} and model = ${MODEL}`;
    expect(daily).toMatchObject({ requests: 3, input_tokens: 4300, output_tokens: 100 });
    expect(Number(daily!.cost_usd)).toBeCloseTo(0.0022 + 0.00332 + 0.00368, 9);

    // The prompt and the answers are kept with the session.
    const kept = await user.api.get(`/api/projects/${user.projectId}/sessions/${sessionId}/assistant/messages`);
    expect(kept.status).toBe(200);
    expect(kept.body.items[0]).toMatchObject({ role: 'user', content: 'make a 2D player controller' });
    expect(kept.body.items.at(-1)).toMatchObject({ role: 'assistant', content: 'Done: it compiles.' });
  });

  it('the prompt and the answers are in the session\'s event log export, and an import into another project keeps them', async () => {
    type Line = { id: string; type: string; kind: string; session_id: string; payload: Record<string, any> };
    const exportOf = async (projectId: string, token: string, session: string) => {
      const res = await fetch(`${worker.url}/api/projects/${projectId}/events/export?session_id=${session}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      return { text, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) };
    };
    const talk = (lines: Line[]) => lines.filter((e) => e.type.startsWith('assistant.'));
    // The events travel through the queue: wait until the whole conversation (1 prompt, 3 answers) is stored.
    const exported = await eventually(async () => {
      const e = await exportOf(user.projectId, user.token, sessionId);
      return talk(e.lines).length >= 4 ? e : null;
    });
    const conversation = talk(exported.lines);
    expect(conversation.map((e) => e.type)).toEqual(['assistant.prompt', 'assistant.answer', 'assistant.answer', 'assistant.answer']);
    expect(conversation.every((e) => e.session_id === sessionId && e.kind === 'message')).toBe(true);
    expect(conversation[0]!.payload).toMatchObject({ text: 'make a 2D player controller' });
    expect(conversation[1]!.payload).toMatchObject({ text: 'Writing a 2D player controller. ', tool_calls: [{ name: 'write_script', arguments: expect.stringContaining('PlayerController2D') }] });
    expect(conversation[2]!.payload).toMatchObject({ text: 'It does not compile; fixing line 5.', tool_calls: [{ name: 'patch_script' }] });
    expect(conversation[3]!.payload).toEqual({ run_id: conversation[0]!.payload.run_id, text: 'Done: it compiles.', tool_calls: [] });
    // Next to the operations they caused, in the order they happened.
    const types = exported.lines.map((e) => e.type);
    expect(types.indexOf('assistant.prompt')).toBeLessThan(types.indexOf('unity.script_generated'));
    expect(types.lastIndexOf('assistant.answer')).toBeGreaterThan(types.lastIndexOf('unity.patch_applied'));

    // Imported into another project, the conversation is in its log, unchanged, and exports again.
    const other = await userWithProject(worker.url, 'assistant-copy');
    const imported = await fetch(`${worker.url}/api/projects/${other.projectId}/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/x-ndjson' },
      body: exported.text,
    });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ lines: exported.lines.length, imported: exported.lines.length, rejected: 0 });
    expect(talk((await exportOf(other.projectId, other.token, sessionId)).lines)).toEqual(conversation);
  });

  /** Answers the confirmation a run asks for, from the run's own stream. */
  const answering = (approve: boolean, seen: { waitedWithFile?: boolean; answer?: number }) => {
    let runId = '';
    return async (e: AssistantStreamEvent) => {
      if (e.type === 'run') runId = e.run_id;
      if (e.type !== 'confirm') return;
      expect(e.name).toBe('delete_script');
      // Nothing ran while it waits.
      seen.waitedWithFile = existsSync(join(unity.projectDir, PATH));
      const wrongCall = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/assistant/runs/${runId}/confirm`, { tool_call_id: 'not-this-one', approve: true });
      expect(wrongCall.status).toBe(409);
      const res = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/assistant/runs/${runId}/confirm`, { tool_call_id: e.id, approve });
      seen.answer = res.status;
    };
  };

  it('a destructive call waits for the person: declined leaves the file, approved deletes it (undoable)', async () => {
    const no: { waitedWithFile?: boolean; answer?: number } = {};
    const declined = await ask('delete the controller', answering(false, no));
    expect(no).toEqual({ waitedWithFile: true, answer: 200 });
    expect(declined.events.find((e) => e.type === 'tool_result')).toMatchObject({ name: 'delete_script', is_error: true, text: expect.stringContaining('declined') });
    expect(declined.events.at(-1)).toMatchObject({ type: 'done', state: 'done' });
    expect(existsSync(join(unity.projectDir, PATH))).toBe(true);

    const yes: { waitedWithFile?: boolean; answer?: number } = {};
    const approved = await ask('delete the controller', answering(true, yes));
    expect(yes).toEqual({ waitedWithFile: true, answer: 200 });
    expect(approved.events.find((e) => e.type === 'tool_result')).toMatchObject({ name: 'delete_script', is_error: false });
    expect(existsSync(join(unity.projectDir, PATH))).toBe(false);
    // An ordinary change: undo brings the file back.
    await eventually(async () => (await sql`select 1 from patches where session_id = ${sessionId} and op = 'delete'`).length > 0);
    const undo = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/changes/undo`, {});
    expect(undo.status, JSON.stringify(undo.body)).toBeLessThan(300);
    await eventually(async () => existsSync(join(unity.projectDir, PATH)));
  });

  const stoppedRun = { id: '' };
  it('stop ends a run waiting for a confirmation; nothing destructive runs', async () => {
    const stopped = await ask('delete the controller', async (e) => {
      if (e.type === 'run') (stoppedRun.id = e.run_id);
      if (e.type !== 'confirm') return;
      const res = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/assistant/runs/${stoppedRun.id}/stop`, {});
      expect(res.status).toBe(200);
    });
    expect(stopped.events.at(-1)).toMatchObject({ type: 'done', state: 'stopped' });
    expect(existsSync(join(unity.projectDir, PATH))).toBe(true);
  });
  it("the model's arguments are checked like a person's, and the step limit ends a run that never stops", async () => {
    // The undo above put the file back; the session lists it again once the agent's report is stored.
    await eventually(async () => {
      const scripts = await user.api.get(`/api/projects/${user.projectId}/sessions/${sessionId}/scripts`);
      return scripts.body.items.some((s: { path: string }) => s.path === PATH);
    }, 30_000);
    const before = llm.requests.length;
    const run = await ask('keep going');
    expect(run.status).toBe(200);
    const results = run.events.filter((e): e is Extract<AssistantStreamEvent, { type: 'tool_result' }> => e.type === 'tool_result');
    // The write outside Assets/ never reached Unity: the same check as the MCP endpoint's, naming the field.
    expect(results[0]).toMatchObject({ name: 'write_script', is_error: true, text: expect.stringMatching(/^invalid_arguments: .*\(path\)$/) });
    expect(existsSync(join(unity.projectDir, 'Secrets.cs'))).toBe(false);
    expect(results.slice(1).filter((r) => r.name !== 'read_script' || r.is_error)).toEqual([]);
    // Eight model calls, then the run stops and says why.
    expect(llm.requests.length - before).toBe(8);
    expect(run.events.filter((e) => e.type === 'usage')).toHaveLength(8);
    expect(results).toHaveLength(8);
    expect(run.events.at(-1)).toMatchObject({ type: 'done', state: 'stopped', reason: expect.stringContaining('step limit') });
  });

  it('a project can turn the assistant off, and a spent monthly budget refuses the next run', async () => {
    const put = (body: unknown) =>
      fetch(`${worker.url}/api/projects/${user.projectId}/assistant/settings`, { method: 'PUT', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ enabled: false })).status).toBe(200);
    const off = await ask('hello');
    expect(off.status).toBe(409);
    expect(off.body!.error.message).toContain('turned off');

    const settings = (await (await put({ enabled: true, monthly_budget_usd: 0.001 })).json()) as { spent_this_month_usd: number; configured: boolean; model: string };
    expect(settings).toMatchObject({ configured: true, model: MODEL });
    expect(settings.spent_this_month_usd).toBeGreaterThan(0.001);
    const spent = await ask('hello');
    expect(spent.status).toBe(409);
    expect(spent.body!.error).toMatchObject({ code: 'assistant_unavailable', message: expect.stringContaining('budget') });
    expect((await put({ monthly_budget_usd: 'lots' })).status).toBe(400);
    expect((await put({ monthly_budget_usd: null })).status).toBe(200);
  });

  it('without LLM_BASE_URL it says how to configure a model, and never pretends', async () => {
    bare = await startSparkWorker({ databaseUrl: db.url });
    const before = llm.requests.length;
    const res = await ask('make a 2D player controller', undefined, bare.url);
    expect(res.status).toBe(503);
    expect(res.body!.error).toMatchObject({ code: 'llm_not_configured', message: expect.stringContaining('LLM_BASE_URL') });
    const settings = await fetch(`${bare.url}/api/projects/${user.projectId}/assistant/settings`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(await settings.json()).toMatchObject({ configured: false, configure: expect.stringContaining('LLM_MODEL') });
    expect(llm.requests.length).toBe(before);
  });
});
