// Spark operations on CoplayDev/unity-mcp's tools (Server/src/services/tools/*.py, v10.1.0):
//   generate_script   → create_script(path, contents) for a new file; for an existing one (overwrite,
//                       undo, rollback) the text is replaced IN PLACE: get_sha, manage_script read,
//                       apply_text_edits with precondition_sha256 (several calls above 64 KiB), so
//                       the .meta GUID stays. delete_script is only ever used by delete_script.
//   apply_patch       → get_sha, manage_script read (before), apply_text_edits(uri, edits,
//                       precondition_sha256), manage_script read (after)
//   after a write     → refresh_unity(compile: "request") then read_console(types: ["error"]) for
//                       that file: the op result's `compile` field
//   render_preview    → manage_camera screenshot, include_image, max_resolution = longest asked edge
//                       (Unity only bounds the longest edge; the Game View's aspect decides the rest)
//   ingest_asset      → manage_asset import (reimports and returns the same data as get_info)
//   deconstruct_asset → manage_asset get_info, plus get_components for prefab-like assets
//   run_build         → manage_build build (PendingResponse with Unity's job_id); build_status →
//                       manage_build status(job_id)
//   run_menu_item     → execute_menu_item(menu_path)
import { MAX_COMPILE_ERRORS, sha256Hex, utf8ByteLength, type CompileError, type CompileResult, type UnityOpOf } from '../../contracts/index';
import { imageInfo } from './image';
import { applyStep, indexOfLineCol, lineColOf, MAX_EDIT_PAYLOAD_BYTES, planReplacement } from './text-replace';
import type { ToolResult } from './envelope';
import {
  buildStatusName,
  isRecord,
  OpError,
  type BuildState,
  type OpContext,
  type PatchApplied,
  type ProfileOps,
  type RenderedFrame,
  type ScriptDeleted,
  type ScriptWritten,
  type MenuItemRun,
} from './ops';


/** The server's short target names (manage_build `target`); it also accepts BuildTarget names, but these are documented. */
const TARGETS: Record<UnityOpOf<'run_build'>['target'], string> = {
  StandaloneWindows64: 'windows64',
  StandaloneOSX: 'osx',
  StandaloneLinux64: 'linux64',
  WebGL: 'webgl',
  Android: 'android',
  iOS: 'ios',
};
/** manage_build `options` flags (a JSON array); Spark options set them with `true`. */
const BUILD_FLAGS = ['clean_build', 'auto_run', 'deep_profiling', 'compress_lz4', 'strict_mode', 'detailed_report'];
/** Spark option names passed through as manage_build string parameters. */
const BUILD_STRING_PARAMS: Record<string, string> = {
  output_path: 'output_path',
  outputPath: 'output_path',
  scripting_backend: 'scripting_backend',
  scriptingBackend: 'scripting_backend',
  subtarget: 'subtarget',
  scenes: 'scenes',
};
const PREFAB_LIKE = /\.(prefab|fbx|obj|blend|dae|3ds|gltf|glb)$/i;

const notFound = (r: ToolResult) => !r.ok && /not found|does not exist|could not find/i.test(r.error ?? '');

function splitScriptPath(path: string): { name: string; dir: string } {
  const slash = path.lastIndexOf('/');
  return { dir: path.slice(0, slash), name: path.slice(slash + 1).replace(/\.cs$/i, '') };
}

/**
 * The script's text, or undefined when the server cannot give it. Best effort: it only feeds the
 * change history, so a failed read must not fail an edit that already happened.
 */
async function readScript(ctx: OpContext, path: string): Promise<string | undefined> {
  if (!ctx.hasTool('manage_script')) return undefined;
  const { name, dir } = splitScriptPath(path);
  const r = await ctx.tryCall('manage_script', { action: 'read', name, path: dir }, { idempotent: true }).catch(() => undefined);
  if (!r) return undefined;
  if (!r.ok || !isRecord(r.data)) return undefined;
  if (typeof r.data.contents === 'string') return r.data.contents;
  // Older servers send the text base64-encoded.
  if (r.data.contentsEncoded === true && typeof r.data.encodedContents === 'string') {
    return Buffer.from(r.data.encodedContents, 'base64').toString('utf8');
  }
  return undefined;
}

async function getSha(ctx: OpContext, path: string): Promise<{ sha256: string; lengthBytes?: number } | undefined> {
  const r = await ctx.tryCall('get_sha', { uri: path }, { idempotent: true });
  if (notFound(r)) return undefined;
  if (!r.ok) throw new OpError(r.code ?? 'unity_error', `get_sha: ${r.error}`);
  const sha = isRecord(r.data) ? r.data.sha256 : undefined;
  if (typeof sha !== 'string') throw new OpError('unity_error', 'get_sha returned no sha256');
  const len = isRecord(r.data) && typeof r.data.lengthBytes === 'number' ? r.data.lengthBytes : undefined;
  return len === undefined ? { sha256: sha } : { sha256: sha, lengthBytes: len };
}

async function createScript(ctx: OpContext, path: string, code: string): Promise<void> {
  const r = await ctx.tryCall('create_script', { path, contents: code });
  if (r.ok) return;
  if (/already exists/i.test(r.error ?? '')) throw new OpError('exists', `${path} already exists; pass overwrite: true to replace it`);
  throw new OpError(r.code ?? 'unity_error', `create_script: ${r.error}`);
}

function toBuildState(jobId: string, r: ToolResult): BuildState {
  const d = isRecord(r.data) ? r.data : {};
  // ManageBuild's status data says `result` ("pending", "building", "succeeded", ...).
  const word = d.result ?? d.state ?? d.status;
  const status = buildStatusName(word) ?? (r.pending ? 'running' : undefined);
  if (!status) throw new OpError('unity_error', `manage_build status: unknown state ${JSON.stringify(word)}`);
  const state: BuildState = { jobId: typeof d.job_id === 'string' ? d.job_id : jobId, status };
  if (typeof word === 'string') state.unityState = word;
  if (typeof d.progress === 'number') state.progress = d.progress;
  else if (status === 'succeeded') state.progress = 1;
  if (status === 'succeeded') {
    const path = typeof d.artifact_path === 'string' ? d.artifact_path : typeof d.output_path === 'string' ? d.output_path : undefined;
    if (path) {
      state.artifact = { path };
      if (typeof d.artifact_sha256 === 'string') state.artifact.sha256 = d.artifact_sha256;
      if (typeof d.total_size_mb === 'number') state.artifact.sizeBytes = Math.round(d.total_size_mb * 1048576);
    }
  }
  const message = typeof d.error === 'string' ? d.error : r.message;
  if (message !== undefined) state.message = message;
  if (r.pollIntervalMs !== undefined) state.pollMs = r.pollIntervalMs;
  return state;
}

/**
 * Replaces the whole text of an existing script in place (apply_text_edits, precondition_sha256,
 * at most 64 KiB of new text per call), so Unity keeps the file and its GUID. Returns the new sha.
 */
async function replaceInPlace(ctx: OpContext, path: string, current: { sha256: string; text: string }, code: string): Promise<string> {
  const plan = planReplacement(current.text, code);
  if (plan.noOp) return current.sha256;
  if ('error' in plan) throw new OpError('too_large', `cannot replace ${path} in place: ${plan.error}`);
  let text = current.text;
  let sha = current.sha256;
  for (const step of plan.steps) {
    const start = lineColOf(text, step.start);
    const end = lineColOf(text, step.end);
    const edit = { startLine: start.line, startCol: start.col, endLine: end.line, endCol: end.col, newText: step.newText };
    // Guarded by the sha: safe to send again if the answer was lost.
    const r = await ctx.tryCall('apply_text_edits', { uri: path, edits: [edit], precondition_sha256: sha }, { idempotent: true });
    if (!r.ok) throw new OpError(r.code ?? 'unity_error', `apply_text_edits on ${path}: ${r.error}`);
    text = applyStep(text, step);
    const reported = isRecord(r.data) && typeof r.data.sha256 === 'string' ? r.data.sha256 : undefined;
    sha = reported ?? (await sha256Hex(text));
  }
  return sha;
}

/** The text with the (non-overlapping, 1-based, end-exclusive) edits applied; undefined if one is out of range. */
function applyEditsLocally(text: string, edits: UnityOpOf<'apply_patch'>['edits']): string | undefined {
  const spans: { start: number; end: number; newText: string }[] = [];
  for (const e of edits) {
    const start = indexOfLineCol(text, e.startLine, e.startCol);
    const end = indexOfLineCol(text, e.endLine, e.endCol);
    if (start === undefined || end === undefined) return undefined;
    spans.push({ start, end, newText: e.newText });
  }
  spans.sort((a, b) => b.start - a.start);
  let out = text;
  for (const sp of spans) out = applyStep(out, sp);
  return out;
}

/** A console entry of read_console's json/detailed format. */
interface ConsoleEntry {
  type?: unknown;
  message?: unknown;
  file?: unknown;
  line?: unknown;
}

/** This file's compiler errors among console entries ("Assets/X.cs(12,5): error CS1002: ; expected"). */
function compileErrorsFor(path: string, entries: unknown[]): CompileError[] {
  const out: CompileError[] = [];
  const seen = new Set<string>();
  for (const raw of entries) {
    if (!isRecord(raw)) continue;
    const e = raw as ConsoleEntry;
    const message = typeof e.message === 'string' ? e.message : '';
    const file = typeof e.file === 'string' && e.file ? e.file.replace(/\\/g, '/') : undefined;
    const located = /^(.+?\.cs)\((\d+),(\d+)\):\s*(.*)$/s.exec(message);
    const entryFile = file ?? located?.[1]?.replace(/\\/g, '/');
    if (entryFile !== path && !entryFile?.endsWith(`/${path}`)) continue;
    if (typeof e.type === 'string' && !/error|exception|assert/i.test(e.type)) continue;
    const line = typeof e.line === 'number' && e.line > 0 ? e.line : located ? Number(located[2]) : 0;
    const text = (located ? located[4]! : message).slice(0, 2000);
    const key = `${line}|${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: path, line, message: text });
    if (out.length >= MAX_COMPILE_ERRORS) break;
  }
  return out;
}

/** Refresh and compile can wait for the editor up to 60 s on the server side. */
const REFRESH_TIMEOUT_MS = 70_000;

export const unityMcpOps: ProfileOps = {
  async generateScript(op, ctx): Promise<ScriptWritten> {
    const existing = await getSha(ctx, op.path);
    if (existing && !op.overwrite) throw new OpError('exists', `${op.path} already exists; pass overwrite: true to replace it`);
    if (!existing) {
      ctx.progress('writing', undefined, op.path);
      await createScript(ctx, op.path, op.code);
      // The sha Unity sees (it may normalise the text); our own hash if it cannot tell us now.
      const written = await getSha(ctx, op.path).catch(() => undefined);
      return {
        path: op.path,
        sha256: written?.sha256 ?? (await sha256Hex(op.code)),
        bytes: written?.lengthBytes ?? utf8ByteLength(op.code),
        overwritten: false,
        changed: true,
      };
    }
    const out: ScriptWritten = { path: op.path, sha256: existing.sha256, bytes: existing.lengthBytes ?? utf8ByteLength(op.code), overwritten: true, changed: false, before_sha256: existing.sha256 };
    // The same text again: nothing to write and nothing to record.
    if (existing.sha256 === (await sha256Hex(op.code))) return out;
    const before = await readScript(ctx, op.path);
    if (before === undefined || (await sha256Hex(before)) !== existing.sha256) {
      // Without the exact current text there is no range to replace, and deleting is not an option.
      throw new OpError('unreadable', `cannot read the current text of ${op.path} from Unity, so it cannot be replaced in place`);
    }
    ctx.progress('writing', undefined, op.path);
    out.sha256 = await replaceInPlace(ctx, op.path, { sha256: existing.sha256, text: before }, op.code);
    out.bytes = utf8ByteLength(op.code);
    out.changed = true;
    out.before = before;
    return out;
  },

  async deleteScript(op, ctx): Promise<ScriptDeleted> {
    const current = await getSha(ctx, op.path);
    if (!current) throw new OpError('not_found', `script not found: ${op.path}`);
    let before = await readScript(ctx, op.path);
    if (before !== undefined && (await sha256Hex(before)) !== current.sha256) before = undefined;
    ctx.progress('deleting', undefined, op.path);
    await ctx.call('delete_script', { uri: op.path });
    return { path: op.path, before_sha256: current.sha256, ...(before !== undefined ? { before } : {}) };
  },

  async applyPatch(op, ctx): Promise<PatchApplied> {
    const current = await getSha(ctx, op.path);
    if (!current) throw new OpError('not_found', `script not found: ${op.path}`);
    if (op.precondition_sha256 !== undefined && op.precondition_sha256 !== current.sha256) {
      throw new OpError('stale_file', `${op.path} changed since the patch was written (sha256 ${current.sha256})`);
    }
    let before = await readScript(ctx, op.path);
    if (before !== undefined && (await sha256Hex(before)) !== current.sha256) before = undefined;
    ctx.progress('patching', undefined, op.path);
    let reported: string | undefined;
    const newBytes = op.edits.reduce((n, e) => n + utf8ByteLength(e.newText), 0);
    if (newBytes > MAX_EDIT_PAYLOAD_BYTES) {
      // More than Unity takes in one call: apply the edits here and write the result in balanced
      // pieces, so Unity never holds a half-applied patch.
      if (before === undefined) throw new OpError('too_large', `the patch brings ${newBytes} bytes of new text, more than Unity's ${MAX_EDIT_PAYLOAD_BYTES} per edit, and ${op.path} cannot be read to split it`);
      const patched = applyEditsLocally(before, op.edits);
      if (patched === undefined) throw new OpError('bad_range', `an edit of the patch lies outside ${op.path}`);
      reported = await replaceInPlace(ctx, op.path, { sha256: current.sha256, text: before }, patched);
    } else {
      const r = await ctx.call('apply_text_edits', { uri: op.path, edits: op.edits, precondition_sha256: current.sha256 });
      reported = isRecord(r.data) && typeof r.data.sha256 === 'string' ? r.data.sha256 : undefined;
    }
    const after = await readScript(ctx, op.path);
    const afterSha = after !== undefined ? await sha256Hex(after) : (reported ?? (await getSha(ctx, op.path).catch(() => undefined))?.sha256);
    if (!afterSha) throw new OpError('unity_error', `cannot read ${op.path} after patching`);
    const out: PatchApplied = { path: op.path, before_sha256: current.sha256, after_sha256: afterSha };
    if (before !== undefined) out.before = before;
    if (after !== undefined) out.after = after;
    return out;
  },

  async renderPreview(op, ctx): Promise<RenderedFrame> {
    ctx.progress('rendering');
    // The real tool has no width/height: it bounds the longest edge and keeps the Game View's aspect.
    const args: Record<string, unknown> = {
      action: 'screenshot',
      include_image: true,
      max_resolution: Math.max(op.width, op.height),
      capture_source: 'game_view',
    };
    if (op.camera !== undefined) args.camera = op.camera;
    const r = await ctx.call('manage_camera', args, { idempotent: true });
    const image = r.images[0];
    if (!image) throw new OpError('no_image', 'manage_camera screenshot returned no image');
    const info = imageInfo(image.data);
    if (!info) throw new OpError('bad_image', `unreadable ${image.mimeType} image from manage_camera`);
    return { ...info, data: image.data };
  },

  async ingestAsset(op, ctx) {
    const args: Record<string, unknown> = { action: 'import', path: op.path };
    if (op.generatePreview !== undefined) args.generate_preview = op.generatePreview;
    const r = await ctx.call('manage_asset', args, { idempotent: true });
    const out = isRecord(r.data) ? { ...r.data } : {};
    // The preview arrives as base64 inside data; hand it on as a frame like an image block.
    if (typeof out.previewBase64 === 'string') {
      const data = new Uint8Array(Buffer.from(out.previewBase64, 'base64'));
      const info = imageInfo(data);
      if (info) out.previewImage = { ...info, data };
      delete out.previewBase64;
    }
    return out;
  },

  async deconstructAsset(op, ctx) {
    const info = await ctx.call('manage_asset', { action: 'get_info', path: op.path }, { idempotent: true });
    const out: Record<string, unknown> = { info: isRecord(info.data) ? info.data : {} };
    if (PREFAB_LIKE.test(op.path)) {
      // Not every server version implements get_components for assets: it is a bonus, not a must.
      const comps = await ctx.tryCall('manage_asset', { action: 'get_components', path: op.path }, { idempotent: true });
      if (comps.ok) out.components = comps.data;
    }
    return out;
  },

  async startBuild(op, ctx) {
    const args: Record<string, unknown> = { action: 'build', target: TARGETS[op.target] };
    if (op.development !== undefined) args.development = String(op.development);
    const flags: string[] = [];
    for (const [key, value] of Object.entries(op.options ?? {})) {
      if (BUILD_FLAGS.includes(key) && typeof value === 'boolean') {
        if (value) flags.push(key);
      } else if (BUILD_STRING_PARAMS[key] && typeof value === 'string') {
        args[BUILD_STRING_PARAMS[key]!] = value;
      } else {
        // Unknown options are refused, not dropped: a build without them is not what was asked.
        throw new OpError('invalid_op', `build option '${key}' is not supported by this Unity MCP server`);
      }
    }
    if (flags.length > 0) args.options = JSON.stringify(flags);
    const r = await ctx.tryCall('manage_build', args);
    if (!r.ok) {
      const busy = /already in progress/i.test(r.error ?? '');
      throw new OpError(busy ? 'build_busy' : (r.code ?? 'unity_error'), `manage_build build: ${r.error}`);
    }
    const jobId = isRecord(r.data) && typeof r.data.job_id === 'string' ? r.data.job_id : undefined;
    if (!jobId) throw new OpError('unity_error', 'manage_build build returned no job_id');
    const state: BuildState = { jobId, status: 'queued', progress: 0 };
    if (r.pollIntervalMs !== undefined) state.pollMs = r.pollIntervalMs;
    return state;
  },

  async buildStatus(jobId, ctx) {
    const r = await ctx.tryCall('manage_build', { action: 'status', job_id: jobId }, { idempotent: true });
    if (notFound(r) || (!r.ok && /no job/i.test(r.error ?? ''))) throw new OpError('not_found', `no build job ${jobId}`);
    if (!r.ok) throw new OpError(r.code ?? 'unity_error', `manage_build status: ${r.error}`);
    return toBuildState(jobId, r);
  },

  async compileStatus(path, ctx): Promise<CompileResult> {
    const unknown = (reason: string): CompileResult => ({ status: 'unknown', errors: [], reason });
    if (!ctx.hasTool('refresh_unity') || !ctx.hasTool('read_console')) return unknown('this Unity MCP server has no refresh_unity or read_console');
    try {
      ctx.progress('compiling', undefined, path);
      const refresh = await ctx.tryCall(
        'refresh_unity',
        { mode: 'force', scope: 'scripts', compile: 'request', wait_for_ready: true },
        { idempotent: true, timeoutMs: REFRESH_TIMEOUT_MS },
      );
      if (!refresh.ok) return unknown(`refresh_unity: ${refresh.error}`);
      const state = isRecord(refresh.data) ? refresh.data.resulting_state : undefined;
      if (typeof state === 'string' && state !== 'idle') return unknown(`Unity is still ${state.replace('_', ' ')}`);
      const consoleAnswer = await ctx.tryCall(
        'read_console',
        { action: 'get', types: ['error'], format: 'json', count: 'all', filter_text: path, include_stacktrace: false },
        { idempotent: true },
      );
      if (!consoleAnswer.ok) return unknown(`read_console: ${consoleAnswer.error}`);
      const entries = Array.isArray(consoleAnswer.data) ? consoleAnswer.data : isRecord(consoleAnswer.data) && Array.isArray(consoleAnswer.data.items) ? consoleAnswer.data.items : undefined;
      if (!entries) return unknown('read_console answered without entries');
      const errors = compileErrorsFor(path, entries);
      return { status: errors.length > 0 ? 'errors' : 'compiled', errors };
    } catch (err) {
      // The write already happened: a failed check must not fail the op.
      return unknown(err instanceof Error ? err.message : String(err));
    }
  },

  async runMenuItem(op, ctx): Promise<MenuItemRun> {
    if (!ctx.hasTool('execute_menu_item')) throw new OpError('unsupported', 'this Unity MCP server has no execute_menu_item');
    ctx.progress('running', undefined, op.menuPath);
    const r = await ctx.tryCall('execute_menu_item', { menu_path: op.menuPath });
    if (!r.ok) {
      throw new OpError('menu_item_failed', `Unity could not run the menu item '${op.menuPath}' (has its script compiled?): ${r.error}`);
    }
    return { menuPath: op.menuPath, ...(r.message ? { message: r.message } : {}) };
  },
};
