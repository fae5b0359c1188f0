// The agent's executor against the Unity MCP test double, over real MCP Streamable HTTP, for both
// tool profiles: files really change on disk, previews are real PNGs, builds really run.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionCallPayload, sparkEventV1, subjectForEventType, type UnityOperationInput } from '../../contracts/index';
import type { OpDispatch } from '../../contracts/ws';
import { createExecutor, type Executor, type OpHooks } from '../../local-agent/executor';
import { createMetrics } from '../../local-agent/metrics';
import { pngSize, startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const API_KEY = 'test-key-123';
const SESSION = randomUUID();

interface Recorded {
  progress: { stage: string; progress?: number; message?: string }[];
  frames: { contentType: string; width: number; height: number; data: Uint8Array }[];
  events: { type: string; kind: string; payload: Record<string, unknown> }[];
}

/** Hooks that record everything, with typed access to what was recorded. */
function hooks() {
  const rec: Recorded = { progress: [], frames: [], events: [] };
  const h: OpHooks = {
    progress: (stage, progress, message) => void rec.progress.push({ stage, progress, message }),
    frame: (f) => void rec.frames.push(f),
    event: (e) => void rec.events.push(e),
  };
  return { h, rec };
}

function dispatch(op: UnityOperationInput | Record<string, unknown>): OpDispatch {
  const now = Date.now();
  return { t: 'op', callId: randomUUID(), sessionId: SESSION, op: op as OpDispatch['op'], issuedAt: now, expiresAt: now + 60_000 };
}

/** Every event must be a valid SparkEventV1 once wrapped, and Unity events must map to a NATS subject. */
function checkEvents(rec: Recorded, callId: string) {
  for (const e of rec.events) {
    const parsed = sparkEventV1.safeParse({ v: 1, id: randomUUID(), type: e.type, source: 'spark-agent', kind: e.kind, ts: Date.now() / 1000, session_id: SESSION, payload: e.payload });
    expect(parsed.success, `${e.type}: ${JSON.stringify(parsed.error?.issues[0])}`).toBe(true);
    expect(e.payload.call_id).toBe(callId);
    if (e.type === 'tool.call') {
      expect(e.kind).toBe('tool');
      expect(functionCallPayload.safeParse(e.payload).success).toBe(true);
    } else {
      expect(subjectForEventType(e.type, SESSION), e.type).toBeDefined();
    }
  }
}

const types = (rec: Recorded) => rec.events.map((e) => e.type);
const eventOf = (rec: Recorded, type: string) => rec.events.find((e) => e.type === type)?.payload;

const TOOLS = {
  'unity-mcp': { write: 'create_script', preview: 'manage_camera', build: 'manage_build' },
  seed: { write: 'generate_script', preview: 'render_preview', build: 'run_build' },
} as const;

describe.each(['unity-mcp', 'seed'] as const)('agent executor against the %s profile', (profile) => {
  let server: UnityMcpServerHandle;
  let exec: Executor;
  const tools = TOOLS[profile];
  const callsTo = (tool: string) => server.calls.filter((c) => c.tool === tool).length;

  beforeAll(async () => {
    server = await startUnityMcpServer({ profile, apiKey: API_KEY, buildDurationMs: 600 });
    exec = await createExecutor({
      mcpUrl: server.url,
      mcpToken: API_KEY,
      metrics: createMetrics(),
      buildPollMs: 40,
      timeouts: { unity: 2_000 },
      retry: { baseDelayMs: 10, maxDelayMs: 300 },
    });
  });
  afterAll(async () => {
    await exec?.close();
    await server?.close();
  });

  it('connects with the API key and detects the profile', () => {
    expect(exec.info()).toEqual({ profile, unity: 'up', circuit: 'closed' });
  });

  it('writes a script to disk, refuses to overwrite unless asked, then overwrites', async () => {
    const code = 'using UnityEngine;\n\npublic class Player : MonoBehaviour\n{\n    void Update()\n    {\n    }\n}\n';
    const { h, rec } = hooks();
    const d = dispatch({ op: 'generate_script', path: 'Assets/Scripts/Player.cs', code });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
    expect(readFileSync(path.join(server.projectDir, 'Assets/Scripts/Player.cs'), 'utf8')).toBe(code);
    expect(out.result).toMatchObject({ path: 'Assets/Scripts/Player.cs', sha256: sha256(code), bytes: Buffer.byteLength(code), overwritten: false });
    expect(out.mcpMs).toBeGreaterThan(0);
    expect(types(rec)).toEqual(['tool.call', 'unity.started', 'unity.script_generated', 'unity.completed', 'tool.call']);
    expect(eventOf(rec, 'unity.script_generated')).toMatchObject({ path: 'Assets/Scripts/Player.cs', sha256: sha256(code), bytes: Buffer.byteLength(code) });
    const toolCalls = rec.events.filter((e) => e.type === 'tool.call').map((e) => functionCallPayload.parse(e.payload));
    expect(toolCalls.map((p) => p.status)).toEqual(['started', 'succeeded']);
    expect(toolCalls[0]).toMatchObject({ call_id: d.callId, name: 'generate_script', args: { path: 'Assets/Scripts/Player.cs', code_bytes: Buffer.byteLength(code) } });
    expect(JSON.stringify(toolCalls[0]!.args)).not.toContain('MonoBehaviour'); // no code body in args
    expect(toolCalls[1]!.latency_ms).toBeGreaterThanOrEqual(0);
    checkEvents(rec, d.callId);

    const again = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Player.cs', code: '// other\n' }), hooks().h);
    expect(again).toMatchObject({ ok: false, error: { code: 'exists' } });
    expect(readFileSync(path.join(server.projectDir, 'Assets/Scripts/Player.cs'), 'utf8')).toBe(code);

    const code2 = code.replace('Update', 'FixedUpdate');
    const over = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Player.cs', code: code2, overwrite: true }), hooks().h);
    expect(over.error).toBeUndefined();
    expect(over.result).toMatchObject({ sha256: sha256(code2), overwritten: true });
    if (profile === 'unity-mcp') expect(over.result).toMatchObject({ before: code, before_sha256: sha256(code) });
    expect(readFileSync(path.join(server.projectDir, 'Assets/Scripts/Player.cs'), 'utf8')).toBe(code2);
  });

  it('applies a patch on disk and reports before/after', async () => {
    const file = 'Assets/Scripts/Patchme.cs';
    const code = 'using UnityEngine;\n\npublic class Patchme : MonoBehaviour\n{\n    public int speed = 1;\n}\n';
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code }), hooks().h)).ok).toBe(true);
    const expected = code.replace('speed = 1', 'speed = 42');
    const { h, rec } = hooks();
    const d = dispatch({
      op: 'apply_patch',
      path: file,
      edits: [{ startLine: 5, startCol: 24, endLine: 5, endCol: 25, newText: '42' }],
      precondition_sha256: sha256(code),
    });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    const onDisk = readFileSync(path.join(server.projectDir, file), 'utf8');
    expect(onDisk).toBe(expected);
    expect(out.result).toMatchObject({ path: file, before_sha256: sha256(code), after_sha256: sha256(expected) });
    const ev = eventOf(rec, 'unity.patch_applied')!;
    expect(ev).toMatchObject({ path: file, before_sha256: sha256(code), after_sha256: sha256(expected) });
    if (profile === 'unity-mcp') {
      expect(ev).toMatchObject({ before: code, after: expected });
      expect(out.result).toMatchObject({ before: code, after: expected });
    }
    checkEvents(rec, d.callId);

    // A patch written against an older version is refused and changes nothing.
    const stale = await exec.run(
      dispatch({ op: 'apply_patch', path: file, edits: [{ startLine: 1, startCol: 1, endLine: 1, endCol: 1, newText: '// x\n' }], precondition_sha256: sha256(code) }),
      hooks().h,
    );
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale_file' } });
    expect(readFileSync(path.join(server.projectDir, file), 'utf8')).toBe(expected);
  });

  it('keeps large before/after texts out of the event but in the result', async () => {
    if (profile !== 'unity-mcp') return; // the seed server cannot read files back
    const file = 'Assets/Scripts/Big.cs';
    const filler = Array.from({ length: 2000 }, (_, i) => `    // line ${i} ${'x'.repeat(30)}`).join('\n');
    const code = `using UnityEngine;\n\npublic class Big : MonoBehaviour\n{\n${filler}\n}\n`;
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code }), hooks().h)).ok).toBe(true);
    const { h, rec } = hooks();
    const out = await exec.run(dispatch({ op: 'apply_patch', path: file, edits: [{ startLine: 3, startCol: 14, endLine: 3, endCol: 17, newText: 'Huge' }] }), h);
    expect(out.error).toBeUndefined();
    const ev = eventOf(rec, 'unity.patch_applied')!;
    expect(ev.before).toBeUndefined();
    expect(ev.after).toBeUndefined();
    expect(ev).toMatchObject({ content_omitted: true, before_sha256: sha256(code) });
    expect((out.result as { after: string }).after).toContain('public class Huge');
  });

  it('renders a PNG preview of the asked size and serves the identical request from the cache', async () => {
    const { h, rec } = hooks();
    const before = server.calls.length;
    const d = dispatch({ op: 'render_preview', width: 320, height: 200 });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    expect(rec.frames).toHaveLength(1);
    const f = rec.frames[0]!;
    expect(f).toMatchObject({ contentType: 'image/png', width: 320, height: 200 });
    expect(pngSize(f.data)).toEqual({ width: 320, height: 200 });
    expect(out.result).toMatchObject({ width: 320, height: 200, cached: false });
    expect(types(rec).filter((t) => t.startsWith('preview.'))).toEqual(['preview.started', 'preview.frame', 'preview.completed']);
    expect(eventOf(rec, 'preview.frame')).toMatchObject({ width: 320, height: 200, bytes: f.data.byteLength, cached: false });
    checkEvents(rec, d.callId);
    const afterFirst = server.calls.length;
    expect(afterFirst).toBeGreaterThan(before);

    const second = hooks();
    const out2 = await exec.run(dispatch({ op: 'render_preview', width: 320, height: 200, format: 'png' }), second.h);
    expect(out2.result).toMatchObject({ cached: true });
    expect(out2.mcpMs).toBe(0);
    expect(server.calls.length).toBe(afterFirst); // no MCP call at all
    expect(Buffer.from(second.rec.frames[0]!.data).equals(Buffer.from(f.data))).toBe(true);
    expect(eventOf(second.rec, 'preview.frame')).toMatchObject({ cached: true });

    const third = await exec.run(dispatch({ op: 'render_preview', width: 64, height: 48 }), hooks().h);
    expect(third.result).toMatchObject({ width: 64, height: 48, cached: false });
    expect(server.calls.length).toBeGreaterThan(afterFirst);
  });

  it('runs a build to completion with progress', async () => {
    const { h, rec } = hooks();
    const d = dispatch({ op: 'run_build', target: 'StandaloneLinux64', development: true });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    const result = out.result as { jobId: string; status: string; artifact: { path: string } };
    expect(result.status).toBe('succeeded');
    expect(existsSync(path.join(server.projectDir, result.artifact.path))).toBe(true);
    const buildProgress = rec.progress.filter((p) => p.stage === 'build');
    expect(buildProgress.length).toBeGreaterThan(2);
    const values = buildProgress.map((p) => p.progress ?? 0);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // never goes backwards
    expect(values.at(-1)).toBe(1);
    const bt = types(rec).filter((t) => t.startsWith('build.'));
    expect(bt[0]).toBe('build.started');
    expect(bt).toContain('build.progress');
    expect(bt.at(-1)).toBe('build.completed');
    expect(eventOf(rec, 'build.completed')).toMatchObject({ jobId: result.jobId, artifact: { path: result.artifact.path } });
    checkEvents(rec, d.callId);

    const status = await exec.run(dispatch({ op: 'build_status', jobId: result.jobId }), hooks().h);
    expect(status.result).toMatchObject({ jobId: result.jobId, status: 'succeeded', progress: 1 });
  });

  it('emits build.timeout when a build outlives its deadline', async () => {
    const quick = await createExecutor({ mcpUrl: server.url, mcpToken: API_KEY, buildPollMs: 40, buildTimeoutMs: 150 });
    try {
      const { h, rec } = hooks();
      const out = await quick.run(dispatch({ op: 'run_build', target: 'WebGL' }), h);
      expect(out).toMatchObject({ ok: false, error: { code: 'build_timeout' } });
      expect(types(rec)).toContain('build.timeout');
      expect(types(rec)).not.toContain('build.failed');
      const timeoutTool = rec.events.filter((e) => e.type === 'tool.call').at(-1)!.payload;
      expect(timeoutTool.status).toBe('timeout');
      // Let the build finish so the next test's build is not refused as "already in progress".
      await new Promise((r) => setTimeout(r, 700));
    } finally {
      await quick.close();
    }
  });

  it('retries an answer with hint "retry" and succeeds', async () => {
    server.control.retryHintNext(tools.write, 2);
    const before = callsTo(tools.write);
    const out = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Reloaded.cs', code: 'using UnityEngine;\npublic class Reloaded {}\n' }), hooks().h);
    expect(out.error).toBeUndefined();
    expect(callsTo(tools.write) - before).toBe(3);
    expect(existsSync(path.join(server.projectDir, 'Assets/Scripts/Reloaded.cs'))).toBe(true);
  });

  it('retries an idempotent call after a timeout and after a crash (reconnecting)', async () => {
    const stalled = await createExecutor({ mcpUrl: server.url, mcpToken: API_KEY, timeouts: { unity: 400 }, retry: { baseDelayMs: 10 } });
    try {
      server.control.stallNext(tools.preview, 1_500);
      const before = callsTo(tools.preview);
      const out = await stalled.run(dispatch({ op: 'render_preview', width: 40, height: 30 }), hooks().h);
      expect(out.error).toBeUndefined();
      expect(callsTo(tools.preview) - before).toBe(2);

      server.control.crashNext(tools.preview);
      const out2 = await stalled.run(dispatch({ op: 'render_preview', width: 41, height: 30 }), hooks().h);
      expect(out2.error).toBeUndefined();
      expect(stalled.info().unity).toBe('up');

      // A non-idempotent write is not retried after a timeout.
      server.control.stallNext(tools.write, 1_000);
      const out3 = await stalled.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Slow.cs', code: 'public class Slow {}\n' }), hooks().h);
      expect(out3).toMatchObject({ ok: false, error: { code: 'timeout' } });
    } finally {
      await stalled.close();
    }
  });

  it('opens the circuit after repeated failures, fails fast, and recovers after the cooldown', async () => {
    let clock = Date.now();
    const ex = await createExecutor({ mcpUrl: server.url, mcpToken: API_KEY, now: () => clock, breaker: { failureThreshold: 5, cooldownMs: 10_000 } });
    try {
      server.control.failNext(tools.write, 3);
      server.control.failNext(tools.write, 2, 'No Unity Editor instances found. Please ensure Unity is running with MCP for Unity bridge.');
      for (let i = 0; i < 5; i++) {
        const out = await ex.run(dispatch({ op: 'generate_script', path: `Assets/Scripts/Fail${i}.cs`, code: 'public class F {}\n' }), hooks().h);
        expect(out).toMatchObject({ ok: false, error: { code: i < 3 ? 'unity_error' : 'unity_unavailable' } });
        expect(ex.info().circuit).toBe(i < 4 ? 'closed' : 'open');
      }
      expect(ex.info().circuit).toBe('open');
      const before = server.calls.length;
      const { h, rec } = hooks();
      const fast = await ex.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Fast.cs', code: 'public class Fast {}\n' }), h);
      expect(fast).toMatchObject({ ok: false, error: { code: 'circuit_open' } });
      expect(server.calls.length).toBe(before);
      expect(types(rec)).toContain('unity.failed');

      clock += 10_000;
      expect(ex.info().circuit).toBe('half-open');
      const ok = await ex.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Back.cs', code: 'public class Back {}\n' }), hooks().h);
      expect(ok.error).toBeUndefined();
      expect(ex.info().circuit).toBe('closed');
    } finally {
      await ex.close();
    }
  });

  it('refuses a path outside Assets/ without any MCP call', async () => {
    const before = server.calls.length;
    for (const bad of ['Library/Evil.cs', 'Assets/../Evil.cs', '/etc/Evil.cs']) {
      const { h, rec } = hooks();
      const d = dispatch({ op: 'generate_script', path: bad, code: 'x' });
      const out = await exec.run(d, h);
      expect(out).toMatchObject({ ok: false, error: { code: 'invalid_op' }, mcpMs: 0 });
      expect(out.error!.message).toMatch(/path/);
      expect(types(rec)).toEqual(['unity.failed', 'tool.call']);
      expect(eventOf(rec, 'tool.call')).toMatchObject({ status: 'failed', name: 'generate_script' });
      checkEvents(rec, d.callId);
    }
    const asset = await exec.run(dispatch({ op: 'ingest_asset', path: 'Packages/manifest.json' }), hooks().h);
    expect(asset).toMatchObject({ ok: false, error: { code: 'invalid_op' } });
    expect(server.calls.length).toBe(before);
  });

  it('ingests and deconstructs an asset', async () => {
    const { h, rec } = hooks();
    const out = await exec.run(dispatch({ op: 'ingest_asset', path: 'Assets/Scripts/Player.cs' }), h);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ path: 'Assets/Scripts/Player.cs' });
    expect(types(rec)).toContain('unity.asset_ingested');
    const dec = hooks();
    const out2 = await exec.run(dispatch({ op: 'deconstruct_asset', path: 'Assets/Scenes/SampleScene.unity' }), dec.h);
    expect(out2.error).toBeUndefined();
    expect(types(dec.rec)).toContain('unity.asset_deconstructed');
    const missing = await exec.run(dispatch({ op: 'ingest_asset', path: 'Assets/Nope.png' }), hooks().h);
    expect(missing.ok).toBe(false);
    expect(exec.info().circuit).toBe('closed'); // a refusal is not a service failure
  });
});

describe('agent executor without a reachable Unity', () => {
  it('reports Unity down and fails ops clearly', async () => {
    const server = await startUnityMcpServer({ apiKey: API_KEY });
    const url = server.url;
    await server.close();
    const ex = await createExecutor({ mcpUrl: url, retry: { baseDelayMs: 5 } });
    try {
      expect(ex.info()).toEqual({ profile: null, unity: 'down', circuit: 'closed' });
      const out = await ex.run(dispatch({ op: 'render_preview', width: 32, height: 32 }), hooks().h);
      expect(out).toMatchObject({ ok: false, error: { code: 'unity_unreachable' } });
    } finally {
      await ex.close();
    }
  });

  it('a wrong API key is refused', async () => {
    const server = await startUnityMcpServer({ apiKey: API_KEY });
    const ex = await createExecutor({ mcpUrl: server.url, mcpToken: 'wrong', retry: { maxRetries: 0 } });
    try {
      expect(ex.info().profile).toBeNull();
      const out = await ex.run(dispatch({ op: 'render_preview', width: 32, height: 32 }), hooks().h);
      expect(out).toMatchObject({ ok: false, error: { code: 'unity_unreachable' } });
      expect(out.error!.message).toMatch(/401|Unauthorized/i);
    } finally {
      await ex.close();
      await server.close();
    }
  });
});
