import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOL_NAMES } from '../../contracts/mcp-tools';
import { eventually, userWithProject } from '../support/api';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { openSocket, type TestSocket } from '../support/ws-client';

// An AI client's view of Spark: the MCP SDK's own Client over Streamable HTTP → /mcp on the edge
// in workerd → the session's room → the real agent → the test Unity MCP server (a real project
// folder), with a browser's WebSocket open on the same session to see the same operations.
describe('Spark as a remote MCP server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  let agent: RealAgent;
  let sql: postgres.Sql;
  let browser: TestSocket;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;
  let mcpToken: string;
  let client: Client;

  const tokenOf = async (u: typeof user, scope: string) => {
    const res = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: `${scope} token`, scope });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.token as string;
  };
  const connect = async (token: string, path = '/mcp') => {
    const c = new Client({ name: 'spark-tests', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(worker.url + path), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return c;
  };
  const call = (name: string, args: Record<string, unknown>, onprogress?: (p: Progress) => void) =>
    client.callTool({ name, arguments: args }, CallToolResultSchema, onprogress ? { onprogress } : undefined) as Promise<CallToolResult>;
  const structured = (r: CallToolResult) => r.structuredContent as Record<string, any>;

  beforeAll(async () => {
    db = await createTestDatabase('mcp');
    // A short tool budget and a small per-token limit, so both can be reached in a test.
    worker = await startSparkWorker({ databaseUrl: db.url, withAssets: true, vars: { MCP_TOOL_BUDGET_SECONDS: '8' }, rateLimit: { limit: 100, period: 60 } });
    unity = await startUnityMcpServer({ profile: 'unity-mcp', buildDurationMs: 800 });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    user = await userWithProject(worker.url, 'mcp');
    sessionId = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'ai at work' })).body.id;
    const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
    // The agent gives up on a reloading Unity after 1.5 s (60 s by default).
    agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url, extraEnv: { UNITY_RELOAD_BUDGET_MS: '1500' } });
    browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}/api/projects/${user.projectId}/sessions/${sessionId}/connect?role=browser`, { token: user.token });
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
    mcpToken = await tokenOf(user, 'mcp');
    client = await connect(mcpToken);
  });
  afterAll(async () => {
    await client?.close();
    await browser?.close();
    await agent?.dispose();
    await sql?.end();
    await unity?.close();
    await worker?.dispose();
    await db?.drop();
  });

  it('lists every tool, each input schema taken from the contracts (unknown fields refused)', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...MCP_TOOL_NAMES].sort());
    const write = tools.find((t) => t.name === 'write_script')!;
    expect(write.inputSchema).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['session_id', 'path', 'code']) });
    const preview = tools.find((t) => t.name === 'render_preview')!;
    expect(preview.inputSchema.properties).toMatchObject({ width: { type: 'integer', minimum: 16 }, format: { enum: ['png', 'jpg'] } });
    // The endpoint is in the API's OpenAPI document, with its refusals.
    const doc = (await (await worker.fetch('/api/openapi.json')).json()) as { paths: Record<string, { post?: { responses: Record<string, unknown> } }> };
    expect(Object.keys(doc.paths['/mcp/{projectId}']!.post!.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
    expect(doc.paths['/mcp']!.post).toBeDefined();
  });

  it('writes a script the way the browser does: file on disk, live in the browser, in the history, and undone', async () => {
    const code = 'using UnityEngine;\n\npublic class FromMcp : MonoBehaviour { }\n';
    const written = await call('write_script', { session_id: sessionId, path: 'Assets/Scripts/FromMcp.cs', code });
    expect(written.isError, JSON.stringify(written.content)).toBeFalsy();
    const callId = structured(written).call_id as string;
    expect(structured(written)).toMatchObject({ path: 'Assets/Scripts/FromMcp.cs', compile: { status: 'compiled' } });
    expect(readFileSync(join(unity.projectDir, 'Assets/Scripts/FromMcp.cs'), 'utf8')).toBe(code);
    // The browser watching the session saw the same operation run.
    expect((await browser.next((m) => m.t === 'op.update' && m.op.callId === callId && m.op.state === 'succeeded')).op).toMatchObject({ op: 'generate_script', summary: 'Assets/Scripts/FromMcp.cs' });
    // The change history has it when the tool answers (it waits for the agent's outbox and the queue).
    expect(structured(written).history).toBe('recorded');
    expect(await sql`select op from patches where call_id = ${callId}`).toEqual([{ op: 'create' }]);
    const changes = await call('list_changes', { session_id: sessionId });
    expect(structured(changes).items).toEqual(expect.arrayContaining([expect.objectContaining({ call_id: callId, path: 'Assets/Scripts/FromMcp.cs', op: 'create' })]));
    const read = await call('read_script', { session_id: sessionId, path: 'Assets/Scripts/FromMcp.cs' });
    expect(structured(read)).toMatchObject({ content: code });

    const undone = await call('undo', { session_id: sessionId });
    expect(undone.isError, JSON.stringify(undone.content)).toBeFalsy();
    expect(structured(undone)).toMatchObject({ path: 'Assets/Scripts/FromMcp.cs' });
    expect(existsSync(join(unity.projectDir, 'Assets/Scripts/FromMcp.cs'))).toBe(false);
    expect((await sql`select reverted_at from patches where call_id = ${callId}`)[0]?.reverted_at).not.toBeNull();
  });

  it('drives a whole session: create, write, patch on a precondition, console, delete, rollback, preset, build status, events', async () => {
    const created = await call('create_session', { name: 'second' });
    const second = structured(created).id as string;
    expect(structured(await call('list_sessions', {})).items.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([sessionId, second]));
    const file = (p: string) => join(unity.projectDir, p);
    const a = 'Assets/Scripts/Mover.cs';
    const original = 'using UnityEngine;\n\npublic class Mover : MonoBehaviour\n{\n    public float speed = 1f;\n}\n';
    const first = await call('write_script', { session_id: second, path: a, code: original });
    expect(structured(first)).toMatchObject({ history: 'recorded' });
    const { sha256 } = structured(await call('read_script', { session_id: second, path: a }));
    const stale = await call('patch_script', { session_id: second, path: a, edits: [{ startLine: 5, startCol: 26, endLine: 5, endCol: 28, newText: '5f' }], precondition_sha256: '0'.repeat(64) });
    expect(stale.isError).toBe(true);
    const patched = await call('patch_script', { session_id: second, path: a, edits: [{ startLine: 5, startCol: 26, endLine: 5, endCol: 28, newText: '5f' }], precondition_sha256: sha256 });
    expect(patched.isError, JSON.stringify(patched.content)).toBeFalsy();
    expect(readFileSync(file(a), 'utf8')).toContain('public float speed = 5f;');
    const console_ = await call('read_console', { session_id: second });
    expect(structured(console_).scripts[0]).toMatchObject({ path: a, status: 'compiled', errors: [] });
    const b = 'Assets/Scripts/Extra.cs';
    await call('write_script', { session_id: second, path: b, code: '// extra\n' });
    expect(existsSync(file(b))).toBe(true);
    // Back to just after the first write: Mover as written, Extra never there.
    const firstChange = structured(await call('list_changes', { session_id: second })).items.find((c: { call_id: string }) => c.call_id === structured(first).call_id);
    const rolled = await call('rollback', { session_id: second, to: firstChange.id });
    expect(rolled.isError, JSON.stringify(rolled.content)).toBeFalsy();
    expect(structured(rolled)).toMatchObject({ history: 'recorded' });
    expect(readFileSync(file(a), 'utf8')).toBe(original);
    expect(existsSync(file(b))).toBe(false);
    expect(structured(await call('delete_script', { session_id: second, path: a }))).toMatchObject({ history: 'recorded' });
    expect(existsSync(file(a))).toBe(false);

    const preset = await call('apply_preset', { session_id: second, preset: 'platformer-2d' });
    expect(preset.isError, JSON.stringify(preset.content)).toBeFalsy();
    expect(existsSync(file('Assets/Platformer2D/Scripts/PlayerController2D.cs'))).toBe(true);
    expect((await call('apply_preset', { session_id: second, preset: 'no-such-preset' })).isError).toBe(true);

    const build = await call('run_build', { session_id: second, target: 'StandaloneLinux64' });
    const status = await call('build_status', { session_id: second, jobId: structured(build).jobId });
    expect(structured(status)).toMatchObject({ jobId: structured(build).jobId, status: 'succeeded' });

    const events = await eventually(async () => {
      const page = structured(await call('query_events', { session_id: second, type: 'tool.call' }));
      return page.items.some((e: { payload: { call_id: string } }) => e.payload.call_id === structured(build).call_id) ? page : null;
    });
    expect(events.items.every((e: { session_id: string; type: string }) => e.session_id === second && e.type === 'tool.call')).toBe(true);
  });

  it('refuses what the API refuses, as a tool error naming the field, and runs nothing', async () => {
    const before = unity.calls.length;
    const outside = await call('write_script', { session_id: sessionId, path: 'ProjectSettings/Evil.cs', code: 'x' });
    expect(outside.isError).toBe(true);
    expect(JSON.stringify(outside.content)).toMatch(/path must be under Assets\//);
    const overlapping = await call('patch_script', {
      session_id: sessionId,
      path: 'Assets/Scripts/X.cs',
      edits: [
        { startLine: 1, startCol: 1, endLine: 2, endCol: 1, newText: 'a' },
        { startLine: 1, startCol: 5, endLine: 1, endCol: 6, newText: 'b' },
      ],
    });
    expect(overlapping.isError).toBe(true);
    expect(structured(overlapping).error).toMatchObject({ code: 'invalid_op', message: expect.stringMatching(/edits must not overlap/), path: 'edits.1' });
    expect(unity.calls.length).toBe(before);
  });

  it('renders a preview as an image block of the asked size', async () => {
    const res = await call('render_preview', { session_id: sessionId, width: 320, height: 180 });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    const image = res.content.find((c) => c.type === 'image');
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
    const png = Buffer.from((image as { data: string }).data, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 180]);
    expect(structured(res)).toMatchObject({ width: 320, height: 180, content_type: 'image/png' });
    await browser.next((m) => m.t === 'frame' && m.callId === structured(res).call_id);
  });

  it('reports progress while the agent builds, then the finished build', async () => {
    const progress: Progress[] = [];
    const res = await call('run_build', { session_id: sessionId, target: 'WebGL' }, (p) => progress.push(p));
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(progress.some((p) => /build-[0-9a-f]{10}/.test(p.message ?? '')), JSON.stringify(progress)).toBe(true);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
    expect(existsSync(join(unity.projectDir, 'Builds/WebGL'))).toBe(true);
  });

  it('answers with a tool error, not a protocol error, while the agent is offline, and queues nothing', async () => {
    await agent.stop();
    await browser.next((m) => m.t === 'agent' && m.online === false);
    const ops = async () => (await user.api.get(`/api/projects/${user.projectId}/sessions/${sessionId}/ops`)).body.items.length as number;
    const queued = await ops();
    const res = await call('write_script', { session_id: sessionId, path: 'Assets/Scripts/Offline.cs', code: '// x\n' });
    expect(res.isError).toBe(true);
    expect(structured(res).error).toMatchObject({ code: 'agent_offline' });
    expect(await ops()).toBe(queued);
    await agent.start();
    // A restarted agent process (Node start, pairing file, socket, hello) can take well over 10 s on
    // a loaded machine; the next tests need it online.
    await browser.next((m) => m.t === 'agent' && m.online && browser.messages.indexOf(m) > browser.messages.findIndex((x) => x.t === 'agent' && x.online === false), 45_000);
  });

  it('says Unity is reloading, as a tool error, when a domain reload outlasts the agent', async () => {
    unity.control.startReload(4000);
    const progress: Progress[] = [];
    const res = await call('write_script', { session_id: sessionId, path: 'Assets/Scripts/Reloading.cs', code: '// x\n' }, (p) => progress.push(p));
    expect(res.isError).toBe(true);
    expect(structured(res).error).toMatchObject({ code: 'unity_reloading', message: expect.stringMatching(/Unity is reloading/) });
    expect(progress.some((p) => /reloading/i.test(p.message ?? '')), JSON.stringify(progress)).toBe(true);
    await eventually(async () => !unity.control.reloading, 10_000);
  });

  it("answers when the call's time budget runs out, and the operation goes on in Spark", async () => {
    // Ten seconds in Unity, each call within the agent's own 10-second limit, past the 8-second budget.
    unity.control.stallNext('get_sha', 5000);
    unity.control.stallNext('create_script', 5000);
    const res = await call('write_script', { session_id: sessionId, path: 'Assets/Scripts/Slow.cs', code: '// slow\n' });
    expect(res.isError).toBe(true);
    const error = structured(res).error;
    expect(error).toMatchObject({ code: 'time_budget', state: 'running' });
    expect(existsSync(join(unity.projectDir, 'Assets/Scripts/Slow.cs'))).toBe(false);
    // Not abandoned: it finishes, and the browser sees it.
    await browser.next((m) => m.t === 'op.update' && m.op.callId === error.call_id && m.op.state === 'succeeded', 20_000);
    expect(existsSync(join(unity.projectDir, 'Assets/Scripts/Slow.cs'))).toBe(true);
  });

  it('limits requests per token (429 with Retry-After), leaving other tokens alone', async () => {
    const token = await tokenOf(user, 'mcp');
    const list = () =>
      fetch(`${worker.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() }));
    // One after another: the first fills the token cache, so the burst does not open a database connection each.
    const answers: Awaited<ReturnType<typeof list>>[] = [];
    for (let i = 0; i < 105; i++) answers.push(await list());
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(100);
    const limited = answers.find((a) => a.status === 429);
    expect(limited).toMatchObject({ retryAfter: '60' });
    expect(JSON.parse(limited!.body).error.code).toBe('rate_limited');
    // The client with its own token is not slowed down by another token's burst.
    expect((await call('list_sessions', {})).isError).toBeFalsy();
  });

  describe('auth', () => {
    /** An initialize request, answered in full (the body read, so the Worker never writes to a closed socket). */
    const initialize = async (headers: Record<string, string>, path = '/mcp') => {
      const res = await fetch(worker.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as unknown };
    };

    it('refuses no token, a wrong token and another project’s token with 401 and WWW-Authenticate', async () => {
      const none = await initialize({});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="spark"/);
      const wrong = await initialize({ authorization: 'Bearer spk_not-a-real-token-0000000000000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const other = await userWithProject(worker.url, 'other');
      const otherToken = await tokenOf(other, 'mcp');
      const foreign = await initialize({ authorization: `Bearer ${otherToken}` }, `/mcp/${user.projectId}`);
      expect(foreign.status).toBe(401);
      expect(foreign.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect((foreign.json() as { error: { message: string } }).error.message).toMatch(/another project/);
      // The SDK's client gets the refusal too, before any tool could run.
      await expect(connect('spk_wrong')).rejects.toThrow(/401|Unauthorized/i);
    });

    it('refuses a read-scope token and a user access token (insufficient_scope); the mcp token also works at its project’s URL', async () => {
      const read = await initialize({ authorization: `Bearer ${await tokenOf(user, 'read')}` });
      expect(read.status).toBe(403);
      expect(read.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
      const person = await initialize({ authorization: `Bearer ${user.token}` });
      expect(person.status).toBe(403);
      const own = await connect(mcpToken, `/mcp/${user.projectId}`);
      const sessions = (await own.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
      expect(structured(sessions).items).toEqual(expect.arrayContaining([expect.objectContaining({ id: sessionId })]));
      await own.close();
    });
  });
});
