import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pngSize, startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';
import { encodePng, renderFrame } from '../support/unity-mcp/png';

type Content = { type: string; text?: string; data?: string; mimeType?: string };
type ToolResult = { content: Content[]; isError?: boolean };

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'spark-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** The JSON envelope in the first text block. */
function env(result: ToolResult): any {
  const first = result.content[0];
  expect(first?.type).toBe('text');
  return JSON.parse(first!.text!);
}

async function tool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = await call(client, name, args);
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return env(r);
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Decodes an 8-bit RGB PNG's pixel stream far enough to prove it is a valid image of its size. */
function decodePng(bytes: Buffer): { width: number; height: number; rawLength: number } {
  const size = pngSize(bytes);
  if (!size) throw new Error('not a PNG');
  const idat: Buffer[] = [];
  let off = 8;
  while (off < bytes.length) {
    const len = bytes.readUInt32BE(off);
    const type = bytes.toString('ascii', off + 4, off + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(off + 8, off + 8 + len));
    if (type === 'IEND') break;
    off += 12 + len;
  }
  return { ...size, rawLength: inflateSync(Buffer.concat(idat)).length };
}

/** Width and height from a baseline JPEG's SOF0 segment. */
function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes.at(-2) !== 0xff || bytes.at(-1) !== 0xd9) return undefined;
  for (let i = 2; i + 9 < bytes.length; ) {
    const marker = bytes[i + 1]!;
    if (marker === 0xc0) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Unity MCP test double — unity-mcp profile', () => {
  let server: UnityMcpServerHandle;
  let client: Client;

  beforeAll(async () => {
    server = await startUnityMcpServer({ buildDurationMs: 600 });
    ({ client } = await connect(server.url));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });
  beforeEach(() => server.control.reset());

  it('lists the real tool names with strict input schemas', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['create_script', 'manage_script', 'apply_text_edits', 'get_sha', 'manage_camera', 'manage_asset', 'manage_build', 'read_console', 'manage_editor']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('generate_script');
    const edits = tools.find((t) => t.name === 'apply_text_edits')!;
    expect(Object.keys(edits.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['uri', 'edits', 'precondition_sha256']));
    expect((edits.inputSchema as { additionalProperties?: unknown }).additionalProperties).toBe(false);
    expect(server.profile).toBe('unity-mcp');
  });

  it('create_script writes the file under Assets/ and refuses to overwrite it', async () => {
    const code = 'using UnityEngine;\n\npublic class Hello : MonoBehaviour\n{\n    void Start() { Debug.Log("hi"); }\n}\n';
    const res = await tool(client, 'create_script', { path: 'Assets/Scripts/Hello.cs', contents: code });
    expect(res).toMatchObject({ success: true, data: { uri: 'mcpforunity://path/Assets/Scripts/Hello.cs' } });
    const full = path.join(server.projectDir, 'Assets/Scripts/Hello.cs');
    expect(readFileSync(full, 'utf8')).toBe(code);
    expect(existsSync(full + '.meta')).toBe(true);

    const again = await tool(client, 'create_script', { path: 'Assets/Scripts/Hello.cs', contents: 'x' });
    expect(again.success).toBe(false);
    expect(again.error).toMatch(/already exists/);

    const read = await tool(client, 'manage_script', { action: 'read', name: 'Hello', path: 'Assets/Scripts' });
    expect(read.data.contents).toBe(code);
  });

  it('get_sha + apply_text_edits change the file; a stale or missing sha is refused', async () => {
    const code = 'using UnityEngine;\n\npublic class Patchy : MonoBehaviour\n{\n    int speed = 1;\n}\n';
    await tool(client, 'create_script', { path: 'Assets/Scripts/Patchy.cs', contents: code });
    const full = path.join(server.projectDir, 'Assets/Scripts/Patchy.cs');

    const sha = await tool(client, 'get_sha', { uri: 'unity://path/Assets/Scripts/Patchy.cs' });
    expect(sha).toEqual({ success: true, data: { sha256: sha256(code), lengthBytes: Buffer.byteLength(code) } });

    // Line 5 is "    int speed = 1;": replace "1" (col 17, end exclusive 18) and insert a comment at line 5 col 5.
    const edited = await tool(client, 'apply_text_edits', {
      uri: 'Assets/Scripts/Patchy.cs',
      edits: [
        { startLine: 5, startCol: 17, endLine: 5, endCol: 18, newText: '42' },
        { startLine: 5, startCol: 5, endLine: 5, endCol: 5, newText: '/*fast*/ ' },
      ],
      precondition_sha256: sha.data.sha256,
    });
    const after = readFileSync(full, 'utf8');
    expect(after).toBe(code.replace('    int speed = 1;', '    /*fast*/ int speed = 42;'));
    expect(edited).toMatchObject({ success: true, data: { editsApplied: 2, sha256: sha256(after), path: 'Assets/Scripts/Patchy.cs' } });

    const stale = await tool(client, 'apply_text_edits', {
      uri: 'Assets/Scripts/Patchy.cs',
      edits: [{ startLine: 5, startCol: 5, endLine: 5, endCol: 5, newText: '// x\n' }],
      precondition_sha256: sha.data.sha256,
    });
    expect(stale).toMatchObject({ success: false, code: 'stale_file', data: { status: 'stale_file', current_sha256: sha256(after) } });
    expect(readFileSync(full, 'utf8')).toBe(after);

    const missing = await tool(client, 'apply_text_edits', {
      uri: 'Assets/Scripts/Patchy.cs',
      edits: [{ startLine: 5, startCol: 5, endLine: 5, endCol: 5, newText: '// x\n' }],
    });
    expect(missing).toMatchObject({ success: false, code: 'precondition_required' });

    const overlap = await tool(client, 'apply_text_edits', {
      uri: 'Assets/Scripts/Patchy.cs',
      edits: [
        { startLine: 5, startCol: 5, endLine: 5, endCol: 10, newText: 'a' },
        { startLine: 5, startCol: 8, endLine: 5, endCol: 12, newText: 'b' },
      ],
      precondition_sha256: sha256(after),
    });
    expect(overlap).toMatchObject({ success: false, code: 'overlap' });
  });

  it('manage_camera screenshot returns an inline PNG only with include_image, its longest edge bounded by max_resolution', async () => {
    const plain = await call(client, 'manage_camera', { action: 'screenshot' });
    expect(plain.content).toHaveLength(1);
    const plainEnv = env(plain);
    expect(plainEnv).toMatchObject({ success: true, data: { captureSource: 'game_view', superSize: 1 } });
    expect(plainEnv.data.imageWidth).toBeUndefined();
    // The file keeps the Game View's full size (1280x720 by default).
    expect(pngSize(readFileSync(path.join(server.projectDir, plainEnv.data.path)))).toEqual({ width: 1280, height: 720 });

    // Without max_resolution the inline image's longest edge is 640.
    const shot = await call(client, 'manage_camera', { action: 'screenshot', include_image: true });
    expect(env(shot)).toMatchObject({ success: true, data: { imageWidth: 640, imageHeight: 360, camera: 'Main Camera' } });
    expect(env(shot).data.imageBase64).toBeUndefined();
    const image = shot.content.find((c) => c.type === 'image')!;
    expect(image.mimeType).toBe('image/png');
    expect(decodePng(Buffer.from(image.data!, 'base64'))).toEqual({ width: 640, height: 360, rawLength: (640 * 3 + 1) * 360 });

    const small = await call(client, 'manage_camera', { action: 'screenshot', include_image: 'true', max_resolution: 320, capture_source: 'game_view', camera: 'Main Camera' });
    expect(pngSize(Buffer.from(small.content.find((c) => c.type === 'image')!.data!, 'base64'))).toEqual({ width: 320, height: 180 });
    // Never upscaled: a bound above the Game View's size gives the Game View's size.
    const big = await call(client, 'manage_camera', { action: 'screenshot', include_image: true, max_resolution: 4000 });
    expect(env(big).data).toMatchObject({ imageWidth: 1280, imageHeight: 720 });

    // The invented arguments of older doubles do not exist in the real tools.
    for (const args of [{ max_width: 320 }, { image_format: 'jpg' }]) {
      const r = await call(client, 'manage_camera', { action: 'screenshot', include_image: true, ...args });
      expect(r.isError, JSON.stringify(args)).toBe(true);
    }
    expect((await call(client, 'manage_editor', { action: 'set_game_view_size', width: 320, height: 200 })).isError).toBe(true);
  });

  it('takes and drops the undeclared unity_instance argument, as the real middleware does', async () => {
    expect(await tool(client, 'read_console', { count: 1, unity_instance: 'Project@abc123' })).toMatchObject({ success: true });
  });

  it('manage_build is asynchronous: build returns a job_id and status progresses to succeeded with an artifact', async () => {
    const started = await tool(client, 'manage_build', { action: 'build', target: 'windows64' });
    expect(started).toMatchObject({ success: true, _mcp_status: 'pending', data: { platform: 'StandaloneWindows64' } });
    const jobId: string = started.data.job_id;

    const busy = await tool(client, 'manage_build', { action: 'build', target: 'linux64' });
    expect(busy).toMatchObject({ success: false, error: 'A build is already in progress.' });

    expect(jobId).toMatch(/^build-[0-9a-f]{10}$/);
    const seen: string[] = [];
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = await tool(client, 'manage_build', { action: 'status', job_id: jobId });
      seen.push(status.data.result);
      if (!status._mcp_status) break;
      expect(status).toMatchObject({ success: true, _mcp_status: 'pending', message: expect.stringMatching(/^Build (pending|building)\.\.\.$/) });
      await sleep(40);
    }
    expect(status).toMatchObject({ success: true, message: 'Build Succeeded.', data: { job_id: jobId, result: 'succeeded', platform: 'StandaloneWindows64' } });
    expect(status.data.progress).toBeUndefined(); // the real status has no progress number
    expect(seen).toContain('building');
    expect(status.data.output_path).toMatch(/^Builds\/StandaloneWindows64\/.+\.exe$/);
    expect(readFileSync(path.join(server.projectDir, status.data.output_path)).subarray(0, 23).toString()).toBe('SPARK-FAKE-UNITY-PLAYER');
    expect(await tool(client, 'manage_build', { action: 'status', job_id: 'build-0000000000' })).toMatchObject({ success: false, error: 'No job found with ID: build-0000000000' });
  });

  it('a build fails when a script does not compile', async () => {
    await tool(client, 'create_script', { path: 'Assets/Broken.cs', contents: 'public class Broken {\n#error nope\n}\n' });
    const started = await tool(client, 'manage_build', { action: 'build', target: 'StandaloneLinux64' });
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = await tool(client, 'manage_build', { action: 'status', job_id: started.data.job_id });
      if (!status._mcp_status) break;
      await sleep(40);
    }
    expect(status).toMatchObject({ success: true, message: 'Build Failed.', data: { result: 'failed', error: 'Scripts have compiler errors.' } });
    expect(status.data.errors).toBeGreaterThan(0);
    const console = await tool(client, 'read_console', { types: ['error'], count: '50' });
    expect(console.data.some((e: string) => /Broken\.cs\(2,1\): error CS1029/.test(e))).toBe(true);
    await tool(client, 'delete_script', { uri: 'Assets/Broken.cs' });
  });

  it("refresh_unity compiles on request and read_console lists that file's compiler errors with file and line", async () => {
    await tool(client, 'create_script', { path: 'Assets/Scripts/Warn.cs', contents: 'using UnityEngine;\npublic class Warn {\n#error broken on purpose\n}\n' });
    const refresh = await tool(client, 'refresh_unity', { mode: 'force', scope: 'scripts', compile: 'request', wait_for_ready: true });
    expect(Object.keys(refresh)).toEqual(['success', 'message', 'error', 'data', 'hint']);
    expect(refresh).toMatchObject({ success: true, message: 'Refresh requested.', error: null, hint: null, data: { compile_requested: true, resulting_state: 'idle' } });
    const errors = await tool(client, 'read_console', { types: ['error'], format: 'json', count: 'all', filter_text: 'Assets/Scripts/Warn.cs' });
    expect(errors.data).toEqual([
      { type: 'Error', message: "Assets/Scripts/Warn.cs(3,1): error CS1029: #error: 'broken on purpose'", file: 'Assets/Scripts/Warn.cs', line: 3, stackTrace: null },
    ]);
    // Fixed in place: the compiler error goes away with the next compilation.
    const sha = (await tool(client, 'get_sha', { uri: 'Assets/Scripts/Warn.cs' })).data.sha256;
    await tool(client, 'apply_text_edits', { uri: 'Assets/Scripts/Warn.cs', edits: [{ startLine: 3, startCol: 1, endLine: 4, endCol: 1, newText: '' }], precondition_sha256: sha });
    await tool(client, 'refresh_unity', { compile: 'request' });
    expect((await tool(client, 'read_console', { types: ['error'], format: 'json', filter_text: 'Warn.cs' })).data).toEqual([]);
    expect((await call(client, 'refresh_unity', { compile: 'now' })).isError).toBe(true);
  });

  it('apply_text_edits: identical content is a no-op, more than 64 KiB of new text is too_large', async () => {
    const code = 'using UnityEngine;\npublic class Same {}\n';
    await tool(client, 'create_script', { path: 'Assets/Scripts/Same.cs', contents: code });
    const same = await tool(client, 'apply_text_edits', { uri: 'Assets/Scripts/Same.cs', edits: [{ startLine: 2, startCol: 1, endLine: 3, endCol: 1, newText: 'public class Same {}\n' }], precondition_sha256: sha256(code) });
    expect(same).toMatchObject({ success: true, data: { no_op: true, editsApplied: 0, evidence: { reason: 'identical_content' } } });
    const big = `// ${'x'.repeat(64 * 1024)}\n`;
    const tooLarge = await tool(client, 'apply_text_edits', { uri: 'Assets/Scripts/Same.cs', edits: [{ startLine: 2, startCol: 1, endLine: 2, endCol: 1, newText: big }], precondition_sha256: sha256(code) });
    expect(tooLarge).toMatchObject({ success: false, code: 'too_large', data: { status: 'too_large' } });
    expect(readFileSync(path.join(server.projectDir, 'Assets/Scripts/Same.cs'), 'utf8')).toBe(code);
  });

  it('delete_script moves the file and its .meta (GUID) to the trash; creating it again gives a new GUID', async () => {
    const code = 'using UnityEngine;\npublic class Gone {}\n';
    await tool(client, 'create_script', { path: 'Assets/Scripts/Gone.cs', contents: code });
    const full = path.join(server.projectDir, 'Assets/Scripts/Gone.cs');
    const guid = /guid: ([0-9a-f]{32})/.exec(readFileSync(full + '.meta', 'utf8'))![1];
    expect(await tool(client, 'delete_script', { uri: 'Assets/Scripts/Gone.cs' })).toEqual({ success: true, message: "Script 'Gone.cs' moved to trash successfully.", data: { deleted: true } });
    expect(existsSync(full) || existsSync(full + '.meta')).toBe(false);
    await tool(client, 'create_script', { path: 'Assets/Scripts/Gone.cs', contents: code });
    expect(/guid: ([0-9a-f]{32})/.exec(readFileSync(full + '.meta', 'utf8'))![1]).not.toBe(guid);
  });

  it("execute_menu_item runs a compiled Editor script's [MenuItem] and refuses unknown ones", async () => {
    const editor = [
      'using UnityEditor;', 'using UnityEngine;', 'public static class SparkMenu', '{',
      '    private const string Root = "Tools/Spark/Test/";',
      '    [MenuItem(Root + "Apply")]', '    public static void Apply() { Debug.Log("[Spark] Test applied."); }', '}', '',
    ].join('\n');
    const missing = await tool(client, 'execute_menu_item', { menu_path: 'Tools/Spark/Test/Apply' });
    expect(missing).toMatchObject({ success: false, error: expect.stringMatching(/Failed to execute menu item/) });
    await tool(client, 'create_script', { path: 'Assets/Tools/Editor/SparkMenu.cs', contents: editor });
    const ran = await tool(client, 'execute_menu_item', { menu_path: 'Tools/Spark/Test/Apply' });
    expect(ran).toEqual({ success: true, message: "Attempted to execute menu item: 'Tools/Spark/Test/Apply'. Check Unity logs for confirmation or errors.", error: null, data: null, hint: null });
    expect((await tool(client, 'read_console', { types: ['log'], count: 'all' })).data).toContain('[Spark] Test applied.');
    expect((await call(client, 'execute_menu_item', { menuPath: 'Tools/Spark/Test/Apply' })).isError).toBe(true);
  });

  it('a domain reload after a script write answers every call with the reload rejection until it ends', async () => {
    server.control.reloadAfterWrite(400);
    try {
      await tool(client, 'create_script', { path: 'Assets/Scripts/Reload.cs', contents: 'public class Reload {}\n' });
      const during = await tool(client, 'get_sha', { uri: 'Assets/Scripts/Reload.cs' });
      expect(during).toEqual({ success: false, message: null, error: 'Unity is reloading; please retry', data: { reason: 'reloading', retry_after_ms: 250 }, hint: 'retry' });
      const t0 = Date.now();
      let after: any = during;
      while (after.hint === 'retry' && Date.now() - t0 < 5_000) after = await tool(client, 'get_sha', { uri: 'Assets/Scripts/Reload.cs' });
      expect(after).toMatchObject({ success: true, data: { sha256: sha256('public class Reload {}\n') } });
    } finally {
      server.control.reloadAfterWrite(0);
    }
  });

  it('failNext, retryHintNext, stallNext and crashNext shape the next answers', async () => {
    await tool(client, 'create_script', { path: 'Assets/Ctl.cs', contents: 'public class Ctl {}\n' });
    const args = { uri: 'Assets/Ctl.cs' };

    server.control.failNext('get_sha', 1, 'boom');
    expect(await tool(client, 'get_sha', args)).toMatchObject({ success: false, error: 'boom' });
    expect((await tool(client, 'get_sha', args)).success).toBe(true);

    server.control.retryHintNext('get_sha', 2);
    for (let i = 0; i < 2; i++) expect(await tool(client, 'get_sha', args)).toMatchObject({ success: false, hint: 'retry', error: 'Unity is reloading; please retry' });
    expect((await tool(client, 'get_sha', args)).success).toBe(true);

    server.control.stallNext('get_sha', 300);
    const t0 = Date.now();
    expect((await tool(client, 'get_sha', args)).success).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(server.calls.at(-1)).toMatchObject({ tool: 'get_sha', args });
    expect(server.calls.at(-1)!.ms).toBeGreaterThanOrEqual(280);

    server.control.crashNext('get_sha');
    await expect(call(client, 'get_sha', args)).rejects.toMatchObject({ code: 500, message: expect.stringMatching(/simulated crash/) });
    expect((await tool(client, 'get_sha', args)).success).toBe(true);

    // Faults apply in the order they were queued, per tool.
    server.control.failNext('get_sha');
    server.control.retryHintNext('get_sha');
    expect((await tool(client, 'get_sha', args)).error).toBe('simulated failure');
    expect((await tool(client, 'get_sha', args)).hint).toBe('retry');
    expect((await tool(client, 'read_console', {})).success).toBe(true);
  });

  it('rejects unknown arguments and records the call', async () => {
    const before = server.calls.length;
    const r = await call(client, 'get_sha', { uri: 'Assets/Ctl.cs', bogus: 1 });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toMatch(/bogus/);
    expect(server.calls.slice(before)).toEqual([expect.objectContaining({ tool: 'get_sha', args: { uri: 'Assets/Ctl.cs', bogus: 1 } })]);
  });

  it('refuses paths outside Assets/ and traversal', async () => {
    expect(await tool(client, 'create_script', { path: 'Assets/../Evil.cs', contents: 'x' })).toMatchObject({ success: false, code: 'bad_path' });
    expect(await tool(client, 'create_script', { path: 'Temp/Evil.cs', contents: 'x' })).toMatchObject({ success: false, code: 'path_outside_assets' });
    expect(await tool(client, 'create_script', { path: '/etc/Evil.cs', contents: 'x' })).toMatchObject({ success: false, code: 'path_outside_assets' });
    expect(await tool(client, 'get_sha', { uri: '/etc/passwd' })).toMatchObject({ success: false, code: 'path_outside_assets' });
    expect(await tool(client, 'get_sha', { uri: 'Assets/../../etc/passwd' })).toMatchObject({ success: false, code: 'bad_path' });
    expect(await tool(client, 'manage_asset', { action: 'get_info', path: '../ProjectSettings/ProjectVersion.txt' })).toMatchObject({ success: false, code: 'bad_path' });
    expect(existsSync(path.join(server.projectDir, 'Evil.cs'))).toBe(false);
    expect(existsSync(path.join(server.projectDir, 'Temp'))).toBe(false);
  });

  it('keeps sessions apart and closes one on DELETE', async () => {
    const other = await connect(server.url);
    const [a, b] = await Promise.all([tool(client, 'read_console', { count: 1 }), tool(other.client, 'read_console', { count: 1 })]);
    expect(a.success && b.success).toBe(true);
    const sid = other.transport.sessionId!;
    expect(sid).toBeTruthy();
    expect(sid).not.toBe((client.transport as StreamableHTTPClientTransport).sessionId);
    await other.transport.terminateSession();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(404);
    await other.client.close();
    expect((await tool(client, 'read_console', { count: 1 })).success).toBe(true);
  });
});

describe('Unity MCP test double — API key', () => {
  let server: UnityMcpServerHandle;
  beforeAll(async () => {
    server = await startUnityMcpServer({ apiKey: 'sekret' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 401 without the X-API-Key header, 403 with a wrong one, and works with the right one', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, error: 'unauthorized', message: 'Missing or invalid API key' });
    await expect(connect(server.url, { 'X-API-Key': 'wrong' })).rejects.toMatchObject({ code: 403 });
    const { client } = await connect(server.url, { 'X-API-Key': 'sekret' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    await client.close();
  });
});

describe('Unity MCP test double — seed profile', () => {
  let server: UnityMcpServerHandle;
  let client: Client;

  beforeAll(async () => {
    server = await startUnityMcpServer({ profile: 'seed', buildDurationMs: 500 });
    ({ client } = await connect(server.url));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it("lists Spark's own tool names", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['apply_patch', 'build_status', 'deconstruct_asset', 'generate_script', 'ingest_asset', 'render_preview', 'run_build']);
    expect(server.profile).toBe('seed');
  });

  it('generate_script and apply_patch with a precondition sha', async () => {
    const code = 'public class Seed\n{\n    int n = 1;\n}\n';
    const gen = await tool(client, 'generate_script', { path: 'Assets/Seed.cs', code });
    expect(gen).toMatchObject({ success: true, data: { path: 'Assets/Seed.cs', created: true, sha256: sha256(code), compileErrors: [] } });
    expect(readFileSync(path.join(server.projectDir, 'Assets/Seed.cs'), 'utf8')).toBe(code);
    expect(await tool(client, 'generate_script', { path: 'Assets/Seed.cs', code })).toMatchObject({ success: false, code: 'exists' });
    expect(await tool(client, 'generate_script', { path: 'Assets/../Seed.cs', code })).toMatchObject({ success: false, code: 'bad_path' });
    expect(await tool(client, 'generate_script', { path: 'Library/Seed.cs', code })).toMatchObject({ success: false, code: 'path_outside_assets' });

    const edit = { startLine: 3, startCol: 13, endLine: 3, endCol: 14, newText: '7' };
    const patched = await tool(client, 'apply_patch', { path: 'Assets/Seed.cs', edits: [edit], precondition_sha256: sha256(code) });
    const after = code.replace('n = 1', 'n = 7');
    expect(patched).toMatchObject({ success: true, data: { editsApplied: 1, previousSha256: sha256(code), sha256: sha256(after) } });
    expect(await tool(client, 'apply_patch', { path: 'Assets/Seed.cs', edits: [edit], precondition_sha256: sha256(code) })).toMatchObject({
      success: false,
      code: 'stale_file',
    });
    expect(readFileSync(path.join(server.projectDir, 'Assets/Seed.cs'), 'utf8')).toBe(after);
    expect((await call(client, 'apply_patch', { path: 'Assets/Seed.cs', edits: [edit], extra: true })).isError).toBe(true);
  });

  it('render_preview returns a PNG of the requested size', async () => {
    const r = await call(client, 'render_preview', { width: 200, height: 120 });
    expect(env(r)).toMatchObject({ success: true, data: { width: 200, height: 120, format: 'png' } });
    const img = r.content.find((c) => c.type === 'image')!;
    expect(img.mimeType).toBe('image/png');
    expect(decodePng(Buffer.from(img.data!, 'base64'))).toEqual({ width: 200, height: 120, rawLength: (200 * 3 + 1) * 120 });
    const jpg = await call(client, 'render_preview', { width: 96, height: 40, format: 'jpg' });
    expect(env(jpg).data).toMatchObject({ format: 'jpg', mimeType: 'image/jpeg' });
    const jpgImg = jpg.content.find((c) => c.type === 'image')!;
    expect(jpgImg.mimeType).toBe('image/jpeg');
    expect(jpegSize(Buffer.from(jpgImg.data!, 'base64'))).toEqual({ width: 96, height: 40 });
    const wide = await call(client, 'render_preview', { width: 4096, height: 16 });
    expect(pngSize(Buffer.from(wide.content.find((c) => c.type === 'image')!.data!, 'base64'))).toEqual({ width: 4096, height: 16 });
    expect((await call(client, 'render_preview', { width: 4097, height: 16 })).isError).toBe(true);
    expect(env(await call(client, 'render_preview', { width: 64, height: 64, camera: 'Nope' }))).toMatchObject({ success: false, code: 'camera_not_found' });
  });

  it('ingest_asset and deconstruct_asset describe real files', async () => {
    const png = encodePng(8, 5, renderFrame(8, 5));
    writeFileSync(path.join(server.projectDir, 'Assets/pic.png'), png);
    const ing = await call(client, 'ingest_asset', { path: 'Assets/pic.png', generatePreview: true });
    expect(env(ing)).toMatchObject({ success: true, data: { path: 'Assets/pic.png', assetType: 'UnityEngine.Texture2D', sizeBytes: png.length, sha256: sha256(png), imported: true } });
    expect(ing.content.some((c) => c.type === 'image')).toBe(true);
    expect(existsSync(path.join(server.projectDir, 'Assets/pic.png.meta'))).toBe(true);
    expect(await tool(client, 'deconstruct_asset', { path: 'Assets/pic.png' })).toMatchObject({ success: true, data: { kind: 'texture', width: 8, height: 5 } });
    const script = await tool(client, 'deconstruct_asset', { path: 'Assets/Seed.cs' });
    expect(script.data).toMatchObject({ kind: 'script', types: [{ kind: 'class', name: 'Seed' }] });
    expect(await tool(client, 'deconstruct_asset', { path: 'Assets/Scenes/SampleScene.unity' })).toMatchObject({ data: { kind: 'yaml', types: { Camera: 1 } } });
  });

  it('run_build queues jobs one at a time; build_status progresses to succeeded with an artifact', async () => {
    const a = await tool(client, 'run_build', { target: 'StandaloneLinux64', development: true, options: { compress: 'lz4' } });
    const b = await tool(client, 'run_build', { target: 'WebGL' });
    expect(a).toMatchObject({ success: true, data: { state: 'queued', progress: 0 } });
    const poll = async (jobId: string) => {
      const states: string[] = [];
      for (let i = 0; i < 150; i++) {
        const s = await tool(client, 'build_status', { jobId });
        states.push(s.data.state);
        if (['succeeded', 'failed', 'cancelled'].includes(s.data.state)) return { s, states };
        await sleep(30);
      }
      throw new Error('build did not finish');
    };
    const [ra, rb] = await Promise.all([poll(a.data.jobId), poll(b.data.jobId)]);
    expect(ra.s.data).toMatchObject({ state: 'succeeded', progress: 1, artifactPath: expect.stringMatching(/^Builds\/StandaloneLinux64\//) });
    expect(rb.s.data).toMatchObject({ state: 'succeeded', artifactPath: 'Builds/WebGL/index.html' });
    expect(rb.states).toContain('queued');
    expect(ra.states).toContain('running');
    expect(Date.parse(rb.s.data.startedAt)).toBeGreaterThanOrEqual(Date.parse(ra.s.data.completedAt));
    const bytes = readFileSync(path.join(server.projectDir, ra.s.data.artifactPath));
    expect(sha256(bytes)).toBe(ra.s.data.artifactSha256);
    expect(await tool(client, 'build_status', { jobId: 'nope' })).toMatchObject({ success: false, code: 'not_found' });
  });
});
