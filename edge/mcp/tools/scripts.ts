import { utf8ByteLength } from '../../../contracts/bytes';
import type { McpToolInput } from '../../../contracts/mcp-tools';
import type { ScriptContent, ScriptListItem } from '../../../contracts/scripts-api';
import { compileResult } from '../../../contracts/unity-results';
import { listSessionScripts, readSessionScript } from '../../../db/queries/scripts';
import { openRoom } from '../../services/room';
import type { ToolContext, ToolOutcome } from '../context';
import { ToolError } from '../context';
import { awaitHistory } from '../history-wait';
import { resultOf } from '../op-outcome';
import { runOp } from '../run-op';
import { withoutSession } from './input';

export async function listScriptsTool(ctx: ToolContext, input: McpToolInput<'list_scripts'>): Promise<ToolOutcome> {
  const { sessionId } = await openRoom(ctx, ctx.projectId, input.session_id, 'read');
  const items: ScriptListItem[] = (await listSessionScripts(ctx.db, sessionId)).map((r) => ({
    path: r.path,
    sha256: r.sha256,
    bytes: r.bytes,
    change_id: r.changeId,
    updated_at: r.updatedAt.toISOString(),
  }));
  return { structured: { items }, summary: `${items.length} script(s)` };
}

export async function readScriptTool(ctx: ToolContext, input: McpToolInput<'read_script'>): Promise<ToolOutcome> {
  const { sessionId } = await openRoom(ctx, ctx.projectId, input.session_id, 'read');
  const row = await readSessionScript(ctx.db, sessionId, input.path);
  if (!row) throw new ToolError('not_found', `this session has no script at ${input.path}`, 'path');
  const script: ScriptContent = {
    path: row.path,
    sha256: row.sha256,
    bytes: utf8ByteLength(row.content),
    change_id: row.changeId,
    updated_at: row.updatedAt.toISOString(),
    content: row.content,
  };
  return { structured: script, summary: `${script.path} (${script.bytes} bytes, sha256 ${script.sha256})` };
}

export async function writeScriptTool(ctx: ToolContext, input: McpToolInput<'write_script'>): Promise<ToolOutcome> {
  const { view } = await runOp(ctx, input.session_id, { op: 'generate_script', ...withoutSession(input) });
  return written({ ...resultOf(view), history: await awaitHistory(ctx, input.session_id, [view]) });
}

export async function patchScriptTool(ctx: ToolContext, input: McpToolInput<'patch_script'>): Promise<ToolOutcome> {
  const { view } = await runOp(ctx, input.session_id, { op: 'apply_patch', ...withoutSession(input) });
  return written({ ...resultOf(view), history: await awaitHistory(ctx, input.session_id, [view]) });
}

export async function deleteScriptTool(ctx: ToolContext, input: McpToolInput<'delete_script'>): Promise<ToolOutcome> {
  const { view } = await runOp(ctx, input.session_id, { op: 'delete_script', ...withoutSession(input) });
  return { structured: { ...resultOf(view), history: await awaitHistory(ctx, input.session_id, [view]) }, summary: `deleted ${input.path}` };
}

/** A write's answer leads with whether Unity compiles it: that is what an AI client acts on next. */
function written(result: Record<string, unknown>): ToolOutcome {
  const compile = compileResult.safeParse(result.compile);
  const status = compile.success ? compile.data.status : 'unknown';
  const errors = compile.success ? compile.data.errors.map((e) => `${e.file}:${e.line}: ${e.message}`) : [];
  return { structured: result, summary: [`wrote ${String(result.path)}; compile: ${status}`, ...errors].join('\n') };
}

/**
 * Unity's compile result for each script the session wrote lately, newest first, as the agent
 * reported it right after the write (Unity's console, filtered to that file).
 */
export async function readConsoleTool(ctx: ToolContext, input: McpToolInput<'read_console'>): Promise<ToolOutcome> {
  const { stub } = await openRoom(ctx, ctx.projectId, input.session_id, 'read');
  const seen = new Set<string>();
  const scripts: Record<string, unknown>[] = [];
  for (const view of [...(await stub.listOps())].reverse()) {
    if (view.state !== 'succeeded' || (view.op !== 'generate_script' && view.op !== 'apply_patch')) continue;
    const result = view.result as { path?: unknown; compile?: unknown } | undefined;
    const compile = compileResult.safeParse(result?.compile);
    if (typeof result?.path !== 'string' || !compile.success || seen.has(result.path)) continue;
    seen.add(result.path);
    scripts.push({ path: result.path, call_id: view.callId, checked_at: new Date(view.updatedAt).toISOString(), ...compile.data });
  }
  const withErrors = scripts.filter((s) => s.status === 'errors').length;
  return { structured: { scripts }, summary: scripts.length === 0 ? 'no script writes with a compile result in this session yet' : `${scripts.length} script(s), ${withErrors} with compile errors` };
}
