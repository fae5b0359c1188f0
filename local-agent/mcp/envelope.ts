// The Unity MCP server's answer, typed. CoplayDev/unity-mcp (and the seed's server) return one
// JSON object as text (and as structuredContent) shaped {success, message?, error?, code?, data?,
// hint?}, plus image blocks for screenshots. MCP-level failures (unknown tool, rejected arguments,
// an exception in the tool) arrive as `isError: true` with plain text instead.
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The result object every CoplayDev tool returns (Server/src/models: MCPResponse). */
export const unityEnvelope = z.looseObject({
  success: z.boolean(),
  message: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  code: z.string().optional().catch(undefined),
  data: z.unknown().optional(),
  /** `"retry"`: the editor is busy (domain reload, compiling); call again shortly. */
  hint: z.string().optional().catch(undefined),
  /** PendingResponse of long-running jobs (builds): poll again after `_mcp_poll_interval` seconds. */
  _mcp_status: z.string().optional().catch(undefined),
  _mcp_poll_interval: z.number().optional().catch(undefined),
});
export type UnityEnvelope = z.infer<typeof unityEnvelope>;

export interface ToolImage {
  mimeType: string;
  data: Uint8Array;
}

export interface ToolResult {
  /** The tool did what was asked: no MCP error and `success !== false`. */
  ok: boolean;
  /** The MCP result carried `isError: true` (the call failed before or outside the tool's own logic). */
  isError: boolean;
  data?: unknown;
  message?: string;
  /** What went wrong, when !ok; always set then. */
  error?: string;
  /** A machine code the server gave (e.g. 'path_outside_assets'), or one derived from an MCP error. */
  code?: string;
  hint?: string;
  /** The server asked to be called again shortly (hint "retry" on a failure). */
  retry: boolean;
  /** Suggested delay before the retry, when the server gave one (data.retry_after_ms). */
  retryAfterMs?: number;
  /** The job behind this answer is still running (PendingResponse); poll again. */
  pending?: boolean;
  /** Suggested poll interval (ms) of a pending answer. */
  pollIntervalMs?: number;
  images: ToolImage[];
  /** All text blocks joined (for logs and non-envelope answers). */
  text: string;
}

function envelopeOf(result: CallToolResult, text: string[]): UnityEnvelope | undefined {
  const structured = unityEnvelope.safeParse(result.structuredContent);
  if (structured.success) return structured.data;
  for (const t of text) {
    if (!t.trimStart().startsWith('{')) continue;
    try {
      const parsed = unityEnvelope.safeParse(JSON.parse(t));
      if (parsed.success) return parsed.data;
    } catch {
      /* not JSON: plain text */
    }
  }
  return undefined;
}

/** Codes for the MCP SDK's own error texts, so callers can tell "bad arguments" from "Unity broke". */
function mcpErrorCode(text: string): string {
  if (/^(MCP error -32602: )?Input validation error/i.test(text) || /Invalid arguments for tool/i.test(text)) return 'invalid_params';
  if (/Tool \S+ (not found|disabled)/i.test(text)) return 'unknown_tool';
  return 'tool_error';
}

const MACHINE_CODE = /^[a-z][a-z0-9_.]{0,63}$/;

export function parseToolResult(result: CallToolResult): ToolResult {
  const text: string[] = [];
  const images: ToolImage[] = [];
  for (const block of result.content ?? []) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'image') images.push({ mimeType: block.mimeType, data: new Uint8Array(Buffer.from(block.data, 'base64')) });
  }
  const joined = text.join('\n');
  const isError = result.isError === true;
  const env = envelopeOf(result, text);
  if (env === undefined) {
    return isError
      ? { ok: false, isError, error: joined || 'tool failed', code: mcpErrorCode(joined), retry: false, images, text: joined }
      : { ok: true, isError, message: joined || undefined, retry: false, images, text: joined };
  }
  const ok = env.success && !isError;
  const out: ToolResult = { ok, isError, retry: false, images, text: joined };
  if (env.data !== undefined) out.data = env.data;
  if (env.message !== undefined) out.message = env.message;
  // The real C# ErrorResponse puts the same sentence in `code` and `error`; keep `code` only when
  // it is a machine code, and prefer `message` (the human text) for the error.
  if (env.code !== undefined && MACHINE_CODE.test(env.code)) out.code = env.code;
  if (env.hint !== undefined) out.hint = env.hint;
  if (env._mcp_status === 'pending') out.pending = true;
  if (env._mcp_poll_interval !== undefined && env._mcp_poll_interval > 0) out.pollIntervalMs = Math.round(env._mcp_poll_interval * 1000);
  if (!ok) {
    out.error = env.message ?? env.error ?? (joined || 'tool failed');
    // Only a failure with hint "retry" means "come back": a success may carry a stale hint.
    out.retry = env.hint === 'retry';
    const after = (env.data as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
    if (out.retry && typeof after === 'number' && Number.isFinite(after)) out.retryAfterMs = after;
  }
  return out;
}
