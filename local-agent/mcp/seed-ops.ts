// Spark operations on the seed's Unity MCP server: one tool per operation, named like it and
// taking its arguments (the operation minus `op`). The server reports shas but has no read tool,
// so patches carry shas without the before/after texts.
import { utf8ByteLength } from '../../contracts/bytes';
import { imageInfo } from './image';
import type { ToolResult } from './envelope';
import { buildStatusName, isRecord, OpError, type BuildState, type ProfileOps } from './ops';

function argsOf<T extends { op: string }>(op: T): Record<string, unknown> {
  const { op: _name, ...args } = op;
  return args;
}

function dataOf(r: ToolResult): Record<string, unknown> {
  return isRecord(r.data) ? r.data : {};
}

function str(d: Record<string, unknown>, key: string): string | undefined {
  return typeof d[key] === 'string' ? d[key] : undefined;
}

function firstFrame(r: ToolResult, tool: string) {
  const image = r.images[0];
  if (!image) return undefined;
  const info = imageInfo(image.data);
  if (!info) throw new OpError('bad_image', `unreadable ${image.mimeType} image from ${tool}`);
  return { ...info, data: image.data };
}

function toBuildState(jobId: string, r: ToolResult): BuildState {
  const d = dataOf(r);
  const status = buildStatusName(d.state ?? d.status);
  if (!status) throw new OpError('unity_error', `build_status: unknown state ${JSON.stringify(d.state ?? d.status)}`);
  const state: BuildState = { jobId: str(d, 'jobId') ?? jobId, status };
  if (typeof d.progress === 'number') state.progress = d.progress;
  const artifact = str(d, 'artifactPath');
  if (status === 'succeeded' && artifact) {
    state.artifact = { path: artifact };
    if (typeof d.artifactBytes === 'number') state.artifact.sizeBytes = d.artifactBytes;
    const sha = str(d, 'artifactSha256');
    if (sha) state.artifact.sha256 = sha;
  }
  const message = str(d, 'error') ?? r.message;
  if (message !== undefined) state.message = message;
  return state;
}

export const seedOps: ProfileOps = {
  async generateScript(op, ctx) {
    ctx.progress('writing', undefined, op.path);
    const r = await ctx.call('generate_script', argsOf(op));
    const d = dataOf(r);
    const sha256 = str(d, 'sha256');
    if (!sha256) throw new OpError('unity_error', 'generate_script returned no sha256');
    return {
      path: op.path,
      sha256,
      bytes: typeof d.bytes === 'number' ? d.bytes : utf8ByteLength(op.code),
      overwritten: d.created === false,
      changed: true, // the seed server cannot say whether the text was already there
    };
  },

  async deleteScript(op) {
    // Spark's own tool set has no delete: say so rather than leave the file behind silently.
    throw new OpError('unsupported', `this Unity MCP server (seed profile) cannot delete scripts: ${op.path}`);
  },

  async applyPatch(op, ctx) {
    ctx.progress('patching', undefined, op.path);
    const r = await ctx.call('apply_patch', argsOf(op));
    const d = dataOf(r);
    const before = str(d, 'previousSha256');
    const after = str(d, 'sha256');
    if (!before || !after) throw new OpError('unity_error', 'apply_patch returned no shas');
    return { path: op.path, before_sha256: before, after_sha256: after };
  },

  async renderPreview(op, ctx) {
    ctx.progress('rendering');
    const r = await ctx.call('render_preview', argsOf(op), { idempotent: true });
    const frame = firstFrame(r, 'render_preview');
    if (!frame) throw new OpError('no_image', 'render_preview returned no image');
    return frame;
  },

  async ingestAsset(op, ctx) {
    const r = await ctx.call('ingest_asset', argsOf(op), { idempotent: true });
    const out = { ...dataOf(r) };
    const frame = firstFrame(r, 'ingest_asset');
    if (frame) out.previewImage = frame;
    return out;
  },

  async deconstructAsset(op, ctx) {
    const r = await ctx.call('deconstruct_asset', argsOf(op), { idempotent: true });
    return dataOf(r);
  },

  async startBuild(op, ctx) {
    const r = await ctx.call('run_build', argsOf(op));
    const d = dataOf(r);
    const jobId = str(d, 'jobId');
    if (!jobId) throw new OpError('unity_error', 'run_build returned no jobId');
    return { jobId, status: buildStatusName(d.state) ?? 'queued', progress: typeof d.progress === 'number' ? d.progress : 0 };
  },

  async compileStatus() {
    return { status: 'unknown', errors: [], reason: 'the seed Unity MCP server has no refresh_unity or read_console' };
  },

  async runMenuItem(op) {
    throw new OpError('unsupported', `this Unity MCP server (seed profile) cannot run menu items: ${op.menuPath}`);
  },

  async buildStatus(jobId, ctx) {
    const r = await ctx.tryCall('build_status', { jobId }, { idempotent: true });
    if (!r.ok && r.code === 'not_found') throw new OpError('not_found', `no build job ${jobId}`);
    if (!r.ok) throw new OpError(r.code ?? 'unity_error', `build_status: ${r.error}`);
    return toBuildState(jobId, r);
  },
};
