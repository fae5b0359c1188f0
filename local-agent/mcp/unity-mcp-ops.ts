// Spark operations on CoplayDev/unity-mcp's tools (Server/src/services/tools/*.py):
//   generate_script   → create_script(path, contents); overwrite = manage_script read (to keep the
//                       old text), delete_script, create_script (the server has no "update": its
//                       create refuses an existing file, and apply_text_edits is capped and guarded)
//   apply_patch       → get_sha, manage_script read (before), apply_text_edits(uri, edits,
//                       precondition_sha256), manage_script read (after)
//   render_preview    → manage_editor set_game_view_size(w, h), then manage_camera screenshot with
//                       include_image (the frame comes back as an image block; max_width pins it)
//   ingest_asset      → manage_asset import (reimports and returns the same data as get_info)
//   deconstruct_asset → manage_asset get_info, plus get_components for prefab-like assets
//   run_build         → manage_build build (async: returns job_id); build_status → manage_build status
import { createHash } from 'node:crypto';
import type { UnityOpOf } from '../../contracts/index';
import { imageInfo } from './image';
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
} from './ops';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

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
  const word = d.state ?? d.result ?? d.status;
  const status = buildStatusName(word) ?? (r.pending ? 'running' : undefined);
  if (!status) throw new OpError('unity_error', `manage_build status: unknown state ${JSON.stringify(word)}`);
  const state: BuildState = { jobId: typeof d.job_id === 'string' ? d.job_id : jobId, status };
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

export const unityMcpOps: ProfileOps = {
  async generateScript(op, ctx): Promise<ScriptWritten> {
    let before: string | undefined;
    let beforeSha: string | undefined;
    if (op.overwrite) {
      const existing = await getSha(ctx, op.path);
      if (existing) {
        beforeSha = existing.sha256;
        before = await readScript(ctx, op.path);
        if (before !== undefined && sha256(before) !== beforeSha) before = undefined; // changed in between: cannot vouch for it
        if (!ctx.hasTool('delete_script')) throw new OpError('unsupported', 'this Unity MCP server cannot overwrite scripts (no delete_script)');
        ctx.progress('deleting', undefined, op.path);
        await ctx.call('delete_script', { uri: op.path });
      }
    }
    ctx.progress('writing', undefined, op.path);
    try {
      await createScript(ctx, op.path, op.code);
    } catch (err) {
      // Put the old script back so a failed overwrite does not lose it.
      if (before !== undefined) await ctx.tryCall('create_script', { path: op.path, contents: before }).catch(() => undefined);
      throw err;
    }
    // The sha Unity sees (it may normalise the text); our own hash if it cannot tell us now.
    const written = await getSha(ctx, op.path).catch(() => undefined);
    const out: ScriptWritten = {
      path: op.path,
      sha256: written?.sha256 ?? sha256(op.code),
      bytes: written?.lengthBytes ?? byteLength(op.code),
      overwritten: beforeSha !== undefined,
    };
    if (beforeSha !== undefined) out.before_sha256 = beforeSha;
    if (before !== undefined) out.before = before;
    return out;
  },

  async deleteScript(op, ctx): Promise<ScriptDeleted> {
    const current = await getSha(ctx, op.path);
    if (!current) throw new OpError('not_found', `script not found: ${op.path}`);
    let before = await readScript(ctx, op.path);
    if (before !== undefined && sha256(before) !== current.sha256) before = undefined;
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
    if (before !== undefined && sha256(before) !== current.sha256) before = undefined;
    ctx.progress('patching', undefined, op.path);
    const r = await ctx.call('apply_text_edits', { uri: op.path, edits: op.edits, precondition_sha256: current.sha256 });
    const reported = isRecord(r.data) && typeof r.data.sha256 === 'string' ? r.data.sha256 : undefined;
    const after = await readScript(ctx, op.path);
    const afterSha = after !== undefined ? sha256(after) : (reported ?? (await getSha(ctx, op.path).catch(() => undefined))?.sha256);
    if (!afterSha) throw new OpError('unity_error', `cannot read ${op.path} after patching`);
    const out: PatchApplied = { path: op.path, before_sha256: current.sha256, after_sha256: afterSha };
    if (before !== undefined) out.before = before;
    if (after !== undefined) out.after = after;
    return out;
  },

  async renderPreview(op, ctx): Promise<RenderedFrame> {
    // The screenshot is of the Game View at its size; set it so the frame has the asked size.
    if (ctx.hasTool('manage_editor')) {
      await ctx.call('manage_editor', { action: 'set_game_view_size', width: op.width, height: op.height }, { idempotent: true });
    }
    ctx.progress('rendering');
    const args: Record<string, unknown> = { action: 'screenshot', include_image: true, max_width: op.width };
    if (op.camera !== undefined) args.camera = op.camera;
    if (op.format === 'jpg') args.image_format = 'jpg';
    const r = await ctx.call('manage_camera', args, { idempotent: true });
    const image = r.images[0];
    if (!image) throw new OpError('no_image', 'manage_camera screenshot returned no image (is include_image supported?)');
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
};
