import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectProfile, parseToolResult } from '../../local-agent/mcp/index';
import { imageInfo } from '../../local-agent/mcp/image';

const text = (v: unknown) => ({ type: 'text' as const, text: typeof v === 'string' ? v : JSON.stringify(v) });

function png(width: number, height: number): Uint8Array {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  return new Uint8Array([...sig, ...ihdr, ...deflateSync(Buffer.alloc(0))]);
}

describe('agent MCP result envelope', () => {
  it('parses a success envelope with data', () => {
    const r = parseToolResult({ content: [text({ success: true, message: 'done', data: { sha256: 'ab' } })] });
    expect(r).toMatchObject({ ok: true, isError: false, message: 'done', data: { sha256: 'ab' }, retry: false });
  });

  it("reads the real server's reload rejection (an MCPResponse with null message) as a retry", () => {
    const r = parseToolResult({
      content: [text({ success: false, message: null, error: 'Unity is reloading; please retry', data: { reason: 'reloading', retry_after_ms: 250 }, hint: 'retry' })],
    });
    expect(r).toMatchObject({ ok: false, retry: true, retryAfterMs: 250, error: 'Unity is reloading; please retry' });
  });

  it("keeps Unity's ErrorResponse text (code == error, no message) as the error, not as a code", () => {
    const r = parseToolResult({ content: [text({ success: false, code: "Script already exists at 'Assets/A.cs'.", error: "Script already exists at 'Assets/A.cs'." })] });
    expect(r).toMatchObject({ ok: false, error: "Script already exists at 'Assets/A.cs'." });
    expect(r.code).toBeUndefined();
    expect(parseToolResult({ content: [text({ success: false, code: 'stale_file', error: 'stale_file', data: {} })] })).toMatchObject({ code: 'stale_file' });
  });

  it('prefers structuredContent when present', () => {
    const r = parseToolResult({ content: [text('not json')], structuredContent: { success: false, error: 'boom' } });
    expect(r).toMatchObject({ ok: false, error: 'boom' });
  });

  it('a failure with hint retry asks for a retry; the human message wins over a code-like error', () => {
    const r = parseToolResult({
      content: [text({ success: false, code: 'reloading', error: 'reloading', message: 'Unity is reloading', hint: 'retry', data: { retry_after_ms: 250 } })],
    });
    expect(r).toMatchObject({ ok: false, retry: true, retryAfterMs: 250, code: 'reloading', error: 'Unity is reloading' });
    // A success never asks for a retry.
    expect(parseToolResult({ content: [text({ success: true, hint: 'retry' })] }).retry).toBe(false);
  });

  it('keeps only machine-like codes', () => {
    const r = parseToolResult({ content: [text({ success: false, code: 'Script not found at Assets/X.cs', error: 'Script not found at Assets/X.cs' })] });
    expect(r.code).toBeUndefined();
    expect(r.error).toBe('Script not found at Assets/X.cs');
  });

  it('MCP-level errors become typed failures', () => {
    const bad = parseToolResult({ content: [text('MCP error -32602: Input validation error: Invalid arguments for tool x')], isError: true });
    expect(bad).toMatchObject({ ok: false, isError: true, code: 'invalid_params' });
    const crash = parseToolResult({ content: [text('something exploded')], isError: true });
    expect(crash).toMatchObject({ ok: false, code: 'tool_error', error: 'something exploded' });
    const plain = parseToolResult({ content: [text('hello')] });
    expect(plain).toMatchObject({ ok: true, message: 'hello' });
  });

  it('decodes image blocks', () => {
    const img = png(64, 32);
    const r = parseToolResult({
      content: [text({ success: true, data: {} }), { type: 'image', mimeType: 'image/png', data: Buffer.from(img).toString('base64') }],
    });
    expect(r.images).toHaveLength(1);
    expect(r.images[0]!.mimeType).toBe('image/png');
    expect(imageInfo(r.images[0]!.data)).toEqual({ contentType: 'image/png', width: 64, height: 32 });
  });

  it('reads JPEG sizes', () => {
    // SOI, APP0 (length 4), SOF0 (h=20, w=30)
    const jpg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 20, 0, 30, 1, 1, 0x11, 0]);
    expect(imageInfo(jpg)).toEqual({ contentType: 'image/jpeg', width: 30, height: 20 });
    expect(imageInfo(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('agent MCP profile detection', () => {
  it('recognises CoplayDev tools, the seed tools, or neither', () => {
    expect(detectProfile(['create_script', 'apply_text_edits', 'get_sha', 'manage_camera', 'read_console'])).toBe('unity-mcp');
    expect(detectProfile(['generate_script', 'apply_patch', 'render_preview', 'run_build'])).toBe('seed');
    expect(detectProfile(['echo'])).toBeNull();
  });
});
