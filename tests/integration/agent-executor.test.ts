// The agent's executor against the Unity MCP test double, over real MCP Streamable HTTP, for both
// tool profiles: files really change on disk, previews are real PNGs, builds really run.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileResult, EVENT_CATALOG, functionCallPayload, parseCatalogEvent, sparkEventV1, subjectForEventType, type UnityOperationInput } from '../../contracts/index';
import type { OpDispatch } from '../../contracts/ws';
import { createExecutor, type Executor, type OpHooks } from '../../local-agent/executor';
import { createMetrics } from '../../local-agent/metrics';
import { loadPresets } from '../../web/presets';
import { eventually } from '../support/api';
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

/**
 * Every event must be a valid SparkEventV1 once wrapped, of a catalog type with its kind and a
 * payload the consumer can parse, and Unity events must map to a NATS subject.
 */
function checkEvents(rec: Recorded, callId: string) {
  for (const e of rec.events) {
    const parsed = sparkEventV1.safeParse({ v: 1, id: randomUUID(), type: e.type, source: 'spark-agent', kind: e.kind, ts: Date.now() / 1000, session_id: SESSION, payload: e.payload });
    expect(parsed.success, `${e.type}: ${JSON.stringify(parsed.error?.issues[0])}`).toBe(true);
    const read = parseCatalogEvent(parsed.data!);
    expect(read, `${e.type} is in the catalog`).not.toBeNull();
    expect(read!.ok, `${e.type}: ${read!.ok ? '' : read!.error.message}`).toBe(true);
    expect(e.kind).toBe(EVENT_CATALOG[e.type as keyof typeof EVENT_CATALOG].kind);
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
  // A script write first asks for the file's sha (is it there? is it the same text?).
  'unity-mcp': { write: 'create_script', firstOfWrite: 'get_sha', preview: 'manage_camera', build: 'manage_build' },
  seed: { write: 'generate_script', firstOfWrite: 'generate_script', preview: 'render_preview', build: 'run_build' },
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

  it('renders a PNG preview of the asked longest edge and serves the identical request from the cache', async () => {
    const { h, rec } = hooks();
    const before = server.calls.length;
    const d = dispatch({ op: 'render_preview', width: 320, height: 200 });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    expect(rec.frames).toHaveLength(1);
    const f = rec.frames[0]!;
    // The real screenshot bounds the longest edge (the double's Game View is 16:9); the seed renders the asked size.
    const size = profile === 'unity-mcp' ? { width: 320, height: 180 } : { width: 320, height: 200 };
    expect(f).toMatchObject({ contentType: 'image/png', ...size });
    expect(pngSize(f.data)).toEqual(size);
    expect(out.result).toMatchObject({ ...size, cached: false, requested: { width: 320, height: 200 } });
    if (profile === 'unity-mcp') {
      expect((out.result as { note: string }).note).toMatch(/Unity produced 320×180 for the asked 320×200/);
      const shot = server.calls.filter((c) => c.tool === 'manage_camera').at(-1)!;
      expect(shot.args).toEqual({ action: 'screenshot', include_image: true, max_resolution: 320, capture_source: 'game_view' });
      expect(server.calls.some((c) => c.tool === 'manage_editor')).toBe(false);
    }
    expect(types(rec).filter((t) => t.startsWith('preview.'))).toEqual(['preview.started', 'preview.frame', 'preview.completed']);
    expect(eventOf(rec, 'preview.frame')).toMatchObject({ ...size, bytes: f.data.byteLength, cached: false });
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

    const third = await exec.run(dispatch({ op: 'render_preview', width: 48, height: 64 }), hooks().h);
    expect(third.result).toMatchObject(profile === 'unity-mcp' ? { width: 64, height: 36, cached: false } : { width: 48, height: 64, cached: false });
    expect(server.calls.length).toBeGreaterThan(afterFirst);
  });

  it('runs a build to completion, reporting Unity\'s job id and states', async () => {
    const { h, rec } = hooks();
    const d = dispatch({ op: 'run_build', target: 'StandaloneLinux64', development: true });
    const out = await exec.run(d, h);
    expect(out.error).toBeUndefined();
    const result = out.result as { jobId: string; status: string; artifact: { path: string } };
    expect(result.jobId).toMatch(/^build-[0-9a-f]{10}$/);
    expect(result.status).toBe('succeeded');
    expect(existsSync(path.join(server.projectDir, result.artifact.path))).toBe(true);
    const buildProgress = rec.progress.filter((p) => p.stage === 'build');
    expect(buildProgress.length).toBeGreaterThan(2);
    expect(buildProgress.every((p) => p.message?.startsWith(`${result.jobId}: `))).toBe(true);
    if (profile === 'unity-mcp') expect(buildProgress.some((p) => p.message === `${result.jobId}: Build building...`)).toBe(true);
    expect(buildProgress.at(-1)!.progress).toBe(1);
    const bt = types(rec).filter((t) => t.startsWith('build.'));
    expect(bt[0]).toBe('build.started');
    expect(eventOf(rec, 'build.progress')).toMatchObject({ jobId: result.jobId });
    expect(bt.at(-1)).toBe('build.completed');
    expect(eventOf(rec, 'build.completed')).toMatchObject({ jobId: result.jobId, artifact: { path: result.artifact.path } });
    checkEvents(rec, d.callId);

    const status = await exec.run(dispatch({ op: 'build_status', jobId: result.jobId }), hooks().h);
    expect(status.error).toBeUndefined();
    expect(status.result).toMatchObject({ jobId: result.jobId, status: 'succeeded', progress: 1 });
    const unknown = await exec.run(dispatch({ op: 'build_status', jobId: 'build-00000000ff' }), hooks().h);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
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
      // Wait for Unity to finish that build, so the next test's build is not refused as busy.
      const jobId = eventOf(rec, 'build.progress')!.jobId as string;
      await eventually(async () => ((await quick.run(dispatch({ op: 'build_status', jobId }), hooks().h)).result as { status?: string } | undefined)?.status === 'succeeded');
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
    // A timeout well above a normal answer on a busy 2-core machine, a stall well above the timeout.
    const stalled = await createExecutor({ mcpUrl: server.url, mcpToken: API_KEY, timeouts: { unity: 1_200 }, retry: { baseDelayMs: 10 } });
    try {
      server.control.stallNext(tools.preview, 3_000);
      const before = callsTo(tools.preview);
      const out = await stalled.run(dispatch({ op: 'render_preview', width: 40, height: 30 }), hooks().h);
      expect(out.error).toBeUndefined();
      expect(callsTo(tools.preview) - before).toBe(2);

      server.control.crashNext(tools.preview);
      const out2 = await stalled.run(dispatch({ op: 'render_preview', width: 41, height: 30 }), hooks().h);
      expect(out2.error).toBeUndefined();
      expect(stalled.info().unity).toBe('up');

      // A non-idempotent write is not retried after a timeout.
      server.control.stallNext(tools.write, 3_000);
      const out3 = await stalled.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Slow.cs', code: 'public class Slow {}\n' }), hooks().h);
      expect(out3).toMatchObject({ ok: false, error: { code: 'timeout' } });
    } finally {
      await stalled.close();
    }
  });

  it('opens the circuit after repeated failures, fails fast, and recovers after the cooldown', async () => {
    let clock = Date.now();
    // No retries: each op is one failed call (the first one it makes), so five ops are five failures in a row.
    const ex = await createExecutor({ mcpUrl: server.url, mcpToken: API_KEY, now: () => clock, retry: { maxRetries: 0 }, breaker: { failureThreshold: 5, cooldownMs: 10_000 } });
    try {
      server.control.failNext(tools.firstOfWrite, 3);
      server.control.failNext(tools.firstOfWrite, 2, 'No Unity Editor instances found. Please ensure Unity is running with MCP for Unity bridge.');
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

  it('a wrong or missing token is reported as refused, not as Unity unreachable', async () => {
    const server = await startUnityMcpServer({ apiKey: API_KEY });
    const ex = await createExecutor({ mcpUrl: server.url, mcpToken: 'wrong', retry: { maxRetries: 0 } });
    const none = await createExecutor({ mcpUrl: server.url, retry: { maxRetries: 0 } });
    try {
      expect(ex.info().profile).toBeNull();
      for (const e of [ex, none]) {
        const out = await e.run(dispatch({ op: 'render_preview', width: 32, height: 32 }), hooks().h);
        expect(out).toMatchObject({ ok: false, error: { code: 'unity_auth' } });
        expect(out.error!.message).toMatch(/^Unity refused the token: check UNITY_MCP_TOKEN/);
        expect(e.info().circuit).toBe('closed'); // a setting to fix, not an outage
      }
      await none.close();
    } finally {
      await ex.close();
      await server.close();
    }
  });
});

describe('agent executor on the real unity-mcp signatures: scripts stay in place', () => {
  let server: UnityMcpServerHandle;
  let exec: Executor;
  const full = (rel: string) => path.join(server.projectDir, rel);
  const guidOf = (rel: string) => /guid: ([0-9a-f]{32})/.exec(readFileSync(full(rel) + '.meta', 'utf8'))![1];
  const callsOf = (tool: string, since = 0) => server.calls.slice(since).filter((c) => c.tool === tool);

  beforeAll(async () => {
    server = await startUnityMcpServer();
    exec = await createExecutor({ mcpUrl: server.url, timeouts: { unity: 5_000 }, retry: { baseDelayMs: 10 } });
  });
  afterAll(async () => {
    await exec?.close();
    await server?.close();
  });

  it('overwrite and undo replace the text in place: same GUID, never delete_script; the same text again is no change', async () => {
    const file = 'Assets/Scripts/Hero.cs';
    const v1 = 'using UnityEngine;\n\npublic class Hero : MonoBehaviour\n{\n    public int hp = 3;\n}\n';
    const v2 = v1.replace('hp = 3', 'hp = 5').replace('}\n', '    void Heal() { hp++; }\n}\n');
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code: v1 }), hooks().h)).ok).toBe(true);
    const guid = guidOf(file);
    const since = server.calls.length;

    const over = hooks();
    const out = await exec.run(dispatch({ op: 'generate_script', path: file, code: v2, overwrite: true }), over.h);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ changed: true, overwritten: true, before: v1, before_sha256: sha256(v1), sha256: sha256(v2) });
    expect(readFileSync(full(file), 'utf8')).toBe(v2);
    expect(guidOf(file)).toBe(guid);
    expect(eventOf(over.rec, 'unity.script_generated')).toMatchObject({ before: v1, after: v2, overwritten: true });
    const edits = callsOf('apply_text_edits', since);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.args).toMatchObject({ uri: file, precondition_sha256: sha256(v1) });

    // Undo, as the edge's restoreOp asks for it: the earlier text, overwrite: true.
    const undo = await exec.run(dispatch({ op: 'generate_script', path: file, code: v1, overwrite: true }), hooks().h);
    expect(undo.result).toMatchObject({ changed: true, sha256: sha256(v1) });
    expect(readFileSync(full(file), 'utf8')).toBe(v1);
    expect(guidOf(file)).toBe(guid);

    const again = hooks();
    const same = await exec.run(dispatch({ op: 'generate_script', path: file, code: v1, overwrite: true }), again.h);
    expect(same.result).toMatchObject({ changed: false, sha256: sha256(v1) });
    expect(types(again.rec)).not.toContain('unity.script_generated');
    expect(callsOf('apply_text_edits', since)).toHaveLength(2);
    expect(callsOf('delete_script', since)).toEqual([]);
    expect(callsOf('create_script', since)).toEqual([]);
  });

  it('writes a replacement above 64 KiB in several apply_text_edits calls, each within the limit and balanced', async () => {
    const file = 'Assets/Scripts/Huge.cs';
    const body = (tag: string) =>
      Array.from({ length: 900 }, (_, i) => `    void M${i}() { Debug.Log("${tag} ${i} ${'x'.repeat(120)}"); }`).join('\n');
    const v1 = `using UnityEngine;\n\npublic class Huge : MonoBehaviour\n{\n${body('a')}\n}\n`;
    const v2 = `using UnityEngine;\n\npublic class Huge : MonoBehaviour\n{\n${body('b')}\n}\n`;
    expect(Buffer.byteLength(v2)).toBeGreaterThan(2 * 64 * 1024);
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code: v1 }), hooks().h)).ok).toBe(true);
    const guid = guidOf(file);
    const since = server.calls.length;
    const out = await exec.run(dispatch({ op: 'generate_script', path: file, code: v2, overwrite: true }), hooks().h);
    expect(out.error).toBeUndefined();
    expect(readFileSync(full(file), 'utf8')).toBe(v2);
    expect(guidOf(file)).toBe(guid);
    const edits = callsOf('apply_text_edits', since);
    expect(edits.length).toBeGreaterThanOrEqual(3);
    for (const e of edits) {
      const newText = (e.args as { edits: { newText: string }[] }).edits.reduce((n, x) => n + Buffer.byteLength(x.newText), 0);
      expect(newText).toBeLessThanOrEqual(64 * 1024);
    }
    expect(callsOf('delete_script', since)).toEqual([]);
  });

  it('applies a patch bringing more than 64 KiB of new text in balanced pieces', async () => {
    const file = 'Assets/Scripts/Grow.cs';
    const v1 = 'using UnityEngine;\n\npublic class Grow : MonoBehaviour\n{\n    void A() { }\n}\n';
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code: v1 }), hooks().h)).ok).toBe(true);
    const added = Array.from({ length: 700 }, (_, i) => `    void G${i}() { Debug.Log("${'g'.repeat(120)} ${i}"); }\n`).join('');
    const since = server.calls.length;
    const out = await exec.run(dispatch({ op: 'apply_patch', path: file, edits: [{ startLine: 6, startCol: 1, endLine: 6, endCol: 1, newText: added }], precondition_sha256: sha256(v1) }), hooks().h);
    expect(out.error).toBeUndefined();
    const expected = v1.replace('    void A() { }\n', `    void A() { }\n${added}`);
    expect(readFileSync(full(file), 'utf8')).toBe(expected);
    expect(out.result).toMatchObject({ before_sha256: sha256(v1), after_sha256: sha256(expected) });
    expect(callsOf('apply_text_edits', since).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps a header before the first using: only the changed part is replaced', async () => {
    const file = 'Assets/Scripts/Licensed.cs';
    const v1 = '// Copyright the studio\nusing UnityEngine;\npublic class Licensed { int a = 1; }\n';
    const v2 = v1.replace('a = 1', 'a = 2');
    expect((await exec.run(dispatch({ op: 'generate_script', path: file, code: v1 }), hooks().h)).ok).toBe(true);
    const out = await exec.run(dispatch({ op: 'generate_script', path: file, code: v2, overwrite: true }), hooks().h);
    expect(out.error).toBeUndefined();
    expect(readFileSync(full(file), 'utf8')).toBe(v2);
  });

  it('reports compile errors of the written file, and "compiled" for a good one', async () => {
    const bad = 'using UnityEngine;\npublic class Broken : MonoBehaviour\n{\n#error the hero has no name\n}\n';
    const out = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Broken.cs', code: bad }), hooks().h);
    expect(out.error).toBeUndefined();
    const compile = compileResult.parse((out.result as { compile: unknown }).compile);
    expect(compile).toEqual({ status: 'errors', errors: [{ file: 'Assets/Scripts/Broken.cs', line: 4, message: "error CS1029: #error: 'the hero has no name'" }] });
    const refresh = server.calls.filter((c) => c.tool === 'refresh_unity').at(-1)!;
    expect(refresh.args).toEqual({ mode: 'force', scope: 'scripts', compile: 'request', wait_for_ready: true });

    // Another file's errors are not this file's.
    const good = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/Fine.cs', code: 'using UnityEngine;\npublic class Fine {}\n' }), hooks().h);
    expect((good.result as { compile: unknown }).compile).toEqual({ status: 'compiled', errors: [] });

    // A patch that fixes it compiles.
    const fix = await exec.run(dispatch({ op: 'apply_patch', path: 'Assets/Scripts/Broken.cs', edits: [{ startLine: 4, startCol: 1, endLine: 5, endCol: 1, newText: '' }] }), hooks().h);
    expect(fix.error).toBeUndefined();
    expect((fix.result as { compile: unknown }).compile).toEqual({ status: 'compiled', errors: [] });
  });

  it('a 5-second domain reload after a write ends in success, telling the person Unity is reloading', async () => {
    server.control.reloadAfterWrite(5_000);
    try {
      const { h, rec } = hooks();
      const t0 = Date.now();
      const out = await exec.run(dispatch({ op: 'generate_script', path: 'Assets/Scripts/AfterReload.cs', code: 'using UnityEngine;\npublic class AfterReload {}\n' }), h);
      expect(out.error).toBeUndefined();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(4_500);
      expect(out.result).toMatchObject({ changed: true, compile: { status: 'compiled' } });
      expect(rec.progress.filter((p) => p.stage === 'reloading').length).toBeGreaterThan(1);
      expect(rec.progress.find((p) => p.stage === 'reloading')!.message).toBe('Unity is reloading…');
    } finally {
      server.control.reloadAfterWrite(0);
    }
  });

  it('gives up on a reload that outlasts the budget with a clear error', async () => {
    const short = await createExecutor({ mcpUrl: server.url, reloadBudgetMs: 300 });
    try {
      server.control.startReload(3_000);
      const out = await short.run(dispatch({ op: 'render_preview', width: 64, height: 64 }), hooks().h);
      expect(out).toMatchObject({ ok: false, error: { code: 'unity_reloading' } });
      expect(out.error!.message).toMatch(/still reloading/);
    } finally {
      server.control.reset();
      await short.close();
    }
  });

  it("runs a preset's settings menu item once its Editor script compiled; other menu items are refused", async () => {
    const preset = loadPresets().find((p) => p.id === 'platformer-2d')!;
    const editor = preset.scripts.find((s) => s.path.endsWith('WebGLSettings.cs'))!;
    const menuPath = preset.applySettings.menuItem;
    const early = await exec.run(dispatch({ op: 'run_menu_item', menuPath }), hooks().h);
    expect(early).toMatchObject({ ok: false, error: { code: 'menu_item_failed' } });
    const written = await exec.run(dispatch({ op: 'generate_script', path: editor.path, code: editor.code }), hooks().h);
    expect((written.result as { compile: { status: string } }).compile.status).toBe('compiled');
    const out = await exec.run(dispatch({ op: 'run_menu_item', menuPath }), hooks().h);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ menuPath, executed: true });
    expect(server.calls.filter((c) => c.tool === 'execute_menu_item').at(-1)!.args).toEqual({ menu_path: menuPath });
    const before = server.calls.length;
    const quit = await exec.run(dispatch({ op: 'run_menu_item', menuPath: 'File/Quit' }), hooks().h);
    expect(quit).toMatchObject({ ok: false, error: { code: 'invalid_op' } });
    expect(server.calls.length).toBe(before);
  });
});
