// The "seed" profile: a Unity MCP server that speaks Spark's own operation names
// (contracts/unity-ops.ts), with the same {success, message?, error?, data?, hint?} envelope.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { pathProblem } from '../../../contracts/paths';
import { BUILD_TARGETS, buildOptions, textEdit } from '../../../contracts/unity-ops';
import { MAX_CAMERA_NAME_LEN, MAX_PATCH_BYTES, MAX_PATCH_EDITS, MAX_PREVIEW_PX, MAX_SCRIPT_BYTES, MIN_PREVIEW_PX } from '../../../contracts/limits';
import type { BuildJob } from './builds';
import { encodeJpeg } from './jpeg';
import { pngSize, renderFrame, renderPng } from './png';
import { applyTextEdits, compileErrors, fail, ok, PathError, readScriptText, sha256Hex, type Envelope, type TextEdit } from './project';
import type { ToolContext, ToolDef } from './tool';

const MAIN_CAMERA = 'Main Camera';

function checkPath(p: string, script: boolean): Envelope | undefined {
  const problem = pathProblem(p, ['Assets/']);
  if (problem) return fail(problem.includes("'..'") ? 'bad_path' : problem.includes('under') ? 'path_outside_assets' : 'bad_path', problem);
  if (script && (!p.endsWith('.cs') || p.endsWith('/.cs'))) return fail('bad_extension', 'script path must end with .cs');
  return undefined;
}

function guard<T>(fn: () => Promise<T>): Promise<T | Envelope> {
  return fn().catch((err) => {
    if (err instanceof PathError) return fail(err.code, err.message);
    throw err;
  });
}

/** What a file is made of, without Unity: scripts, YAML assets, images, plain text, other binaries. */
function deconstruct(full: string, rel: string): Record<string, unknown> {
  const st = statSync(full);
  if (st.isDirectory()) {
    return { kind: 'folder', children: readdirSync(full).filter((n) => !n.endsWith('.meta')).sort() };
  }
  const bytes = readFileSync(full);
  const ext = path.extname(rel).toLowerCase();
  if (ext === '.cs') {
    const text = readScriptText(full);
    const usings = [...text.matchAll(/^\s*using\s+([\w.]+)\s*;/gm)].map((m) => m[1]);
    const namespaces = [...text.matchAll(/\bnamespace\s+([\w.]+)/g)].map((m) => m[1]);
    const types = [...text.matchAll(/\b(class|struct|interface|enum)\s+([A-Za-z_]\w*)(?:\s*:\s*([^{\r\n]+))?/g)].map((m) => ({
      kind: m[1],
      name: m[2],
      bases: m[3] ? m[3].split(',').map((s) => s.trim()).filter(Boolean) : [],
    }));
    const methods = [
      ...text.matchAll(/^[ \t]*(?:(?:public|private|protected|internal|static|virtual|override|async|sealed|abstract)\s+)*[\w<>[\],.?]+\s+([A-Za-z_]\w*)\s*\([^;{)]*\)\s*(?:\{|=>|$)/gm),
    ]
      .map((m) => m[1]!)
      .filter((n) => !['if', 'for', 'foreach', 'while', 'switch', 'using', 'return', 'new', 'catch', 'lock'].includes(n));
    return { kind: 'script', lines: text.split(/\r?\n/).length, usings, namespaces, types, methods, compileErrors: compileErrors(rel, text) };
  }
  const png = pngSize(bytes);
  if (png) return { kind: 'texture', format: 'png', width: png.width, height: png.height, bitDepth: bytes[24], colorType: bytes[25] };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let i = 2; i + 9 < bytes.length; ) {
      if (bytes[i] !== 0xff) break;
      const marker = bytes[i + 1]!;
      const len = bytes.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xc3) {
        return { kind: 'texture', format: 'jpeg', width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
    return { kind: 'texture', format: 'jpeg' };
  }
  const head = bytes.subarray(0, 64).toString('utf8');
  if (head.startsWith('%YAML')) {
    const text = bytes.toString('utf8');
    const docs = [...text.matchAll(/^--- !u!(\d+) &(-?\d+)[^\n]*\n([A-Za-z_]\w*):/gm)].map((m) => ({ classId: Number(m[1]), fileId: m[2], type: m[3] }));
    const names = [...text.matchAll(/^\s+m_Name:\s*(.+)$/gm)].map((m) => m[1]!.trim()).filter(Boolean);
    const counts: Record<string, number> = {};
    for (const d of docs) counts[d.type!] = (counts[d.type!] ?? 0) + 1;
    return { kind: 'yaml', documents: docs.length, types: counts, objects: docs.slice(0, 200), names: names.slice(0, 200) };
  }
  const sample = bytes.subarray(0, 4096);
  const binary = sample.includes(0) || sample.some((b) => b < 9 || (b > 13 && b < 32));
  if (!binary) {
    const text = bytes.toString('utf8');
    return { kind: 'text', lines: text.split(/\r?\n/).length, characters: text.length };
  }
  return { kind: 'binary', magic: bytes.subarray(0, 8).toString('hex') };
}

export function seedTools(ctx: ToolContext): ToolDef[] {
  const { project, builds } = ctx;

  const assetSummary = (rel: string) => {
    const info = project.assetInfo(rel, false);
    return {
      path: rel,
      guid: info.guid,
      assetType: info.assetType,
      isFolder: info.isFolder,
      sizeBytes: info.fileSizeBytes,
      sha256: info.sha256,
      lastWriteTimeUtc: info.lastWriteTimeUtc,
    };
  };

  const jobData = (job: BuildJob) => ({
    jobId: job.id,
    target: job.target,
    development: job.development,
    state: job.state,
    progress: Number(builds.progress(job).toFixed(3)),
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt ? new Date(job.startedAt).toISOString() : null,
    completedAt: job.completedAt ? new Date(job.completedAt).toISOString() : null,
    durationSeconds: job.completedAt && job.startedAt ? (job.completedAt - job.startedAt) / 1000 : null,
    artifactPath: job.state === 'succeeded' ? job.artifactPath : null,
    artifactBytes: job.sizeBytes ?? null,
    artifactSha256: job.sha256 ?? null,
    errors: job.errors,
    warnings: job.warnings,
    error: job.error ?? null,
  });

  return [
    {
      name: 'generate_script',
      description: 'Write a C# script under Assets/ (refused if it exists unless overwrite is true). Unity recompiles afterwards; compile errors are reported.',
      inputSchema: z.strictObject({
        path: z.string().describe("Script path under Assets/, ending in .cs, e.g. 'Assets/Scripts/Player.cs'"),
        code: z.string().describe('The full C# source'),
        overwrite: z.boolean().optional().describe('Replace an existing script (default false)'),
      }),
      handler: (a: { path: string; code: string; overwrite?: boolean }) =>
        guard(async () => {
          const bad = checkPath(a.path, true);
          if (bad) return bad;
          if (Buffer.byteLength(a.code, 'utf8') > MAX_SCRIPT_BYTES) return fail('too_large', `code must be at most ${MAX_SCRIPT_BYTES} bytes (UTF-8)`);
          const full = project.full(a.path);
          const existed = existsSync(full);
          if (existed && !a.overwrite) return fail('exists', `Script already exists at '${a.path}'; pass overwrite: true to replace it.`);
          await project.writeAsset(a.path, a.code);
          project.recompileAfterChange(a.path);
          return ok(`Script ${existed ? 'overwritten' : 'created'} at '${a.path}'.`, {
            path: a.path,
            created: !existed,
            sha256: sha256Hex(a.code),
            bytes: Buffer.byteLength(a.code, 'utf8'),
            compileErrors: compileErrors(a.path, a.code),
          });
        }),
    },
    {
      name: 'apply_patch',
      description:
        'Apply range edits to a script: 1-based lines and columns (a tab is one column), end exclusive, ranges against the current text. ' +
        'With precondition_sha256 the patch is refused when the file changed.',
      inputSchema: z.strictObject({
        path: z.string(),
        edits: z.array(textEdit).min(1).max(MAX_PATCH_EDITS),
        precondition_sha256: z.string().optional().describe('SHA-256 (hex) of the file the patch was written against'),
      }),
      handler: (a: { path: string; edits: TextEdit[]; precondition_sha256?: string }) =>
        guard(async () => {
          const bad = checkPath(a.path, true);
          if (bad) return bad;
          const full = project.full(a.path);
          if (!existsSync(full)) return fail('not_found', `Script not found at '${a.path}'.`);
          if (a.edits.reduce((n, e) => n + Buffer.byteLength(e.newText, 'utf8'), 0) > MAX_PATCH_BYTES) {
            return fail('too_large', `edits' newText must total at most ${MAX_PATCH_BYTES} bytes (UTF-8)`);
          }
          const original = readScriptText(full);
          const current = sha256Hex(original);
          if (a.precondition_sha256 !== undefined && a.precondition_sha256.toLowerCase() !== current) {
            return fail('stale_file', 'The script changed since the patch was written; read it again.', {
              expected_sha256: a.precondition_sha256,
              current_sha256: current,
            });
          }
          const out = applyTextEdits(original, a.edits, { usingGuard: false });
          if (!out.ok) return out.env;
          if (out.text !== original) {
            await project.writeAsset(a.path, out.text);
            project.recompileAfterChange(a.path);
          }
          return ok(`Applied ${out.applied} edit(s) to '${a.path}'.`, {
            path: a.path,
            editsApplied: out.applied,
            previousSha256: current,
            sha256: sha256Hex(out.text),
            bytes: Buffer.byteLength(out.text, 'utf8'),
            changed: out.text !== original,
            compileErrors: compileErrors(a.path, out.text),
          });
        }),
    },
    {
      name: 'render_preview',
      description: 'Render the open scene from a camera (the main camera by default) and return the frame inline as an image block.',
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({
        width: z.int().min(MIN_PREVIEW_PX).max(MAX_PREVIEW_PX),
        height: z.int().min(MIN_PREVIEW_PX).max(MAX_PREVIEW_PX),
        camera: z.string().min(1).max(MAX_CAMERA_NAME_LEN).optional(),
        format: z.enum(['png', 'jpg']).optional(),
      }),
      async handler(a: { width: number; height: number; camera?: string; format?: 'png' | 'jpg' }) {
        if (a.camera && a.camera.toLowerCase() !== MAIN_CAMERA.toLowerCase()) return fail('camera_not_found', `Camera '${a.camera}' not found in the open scene.`);
        const frame = project.nextFrame();
        const jpg = a.format === 'jpg';
        const bytes = jpg ? encodeJpeg(a.width, a.height, renderFrame(a.width, a.height, frame), 85) : renderPng(a.width, a.height, frame);
        const mimeType = jpg ? ('image/jpeg' as const) : ('image/png' as const);
        return {
          envelope: ok(`Rendered ${a.width}x${a.height} from '${a.camera ?? MAIN_CAMERA}'.`, {
            width: a.width,
            height: a.height,
            camera: a.camera ?? MAIN_CAMERA,
            format: jpg ? 'jpg' : 'png',
            mimeType,
            bytes: bytes.length,
            sha256: sha256Hex(bytes),
            frame,
          }),
          images: [{ data: bytes, mimeType }],
        };
      },
    },
    {
      name: 'ingest_asset',
      description: 'Import a file that is already under Assets/ (creates its .meta) and describe it; optionally return a preview image.',
      inputSchema: z.strictObject({
        path: z.string(),
        generatePreview: z.boolean().optional(),
      }),
      handler: (a: { path: string; generatePreview?: boolean }) =>
        guard(async () => {
          const bad = checkPath(a.path, false);
          if (bad) return bad;
          const full = project.full(a.path);
          if (!existsSync(full)) return fail('not_found', `Asset not found at '${a.path}'.`);
          const hadMeta = existsSync(full + '.meta');
          project.ensureMeta(a.path);
          project.log('Log', `[MCP] Imported ${a.path}`);
          const data: Record<string, unknown> = { ...assetSummary(a.path), imported: !hadMeta };
          if (!a.generatePreview) return ok(`Asset '${a.path}' ingested.`, data);
          const png = renderPng(128, 128, 7);
          data.preview = { width: 128, height: 128, mimeType: 'image/png' };
          return { envelope: ok(`Asset '${a.path}' ingested.`, data), images: [{ data: png, mimeType: 'image/png' as const }] };
        }),
    },
    {
      name: 'deconstruct_asset',
      description: 'Describe what an asset is made of: a script (usings, types, methods, compile errors), a YAML asset (objects), an image (size) or a folder.',
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({ path: z.string() }),
      handler: (a: { path: string }) =>
        guard(async () => {
          const bad = checkPath(a.path, false);
          if (bad) return bad;
          const full = project.full(a.path);
          if (!existsSync(full)) return fail('not_found', `Asset not found at '${a.path}'.`);
          return ok(`Deconstructed '${a.path}'.`, { ...assetSummary(a.path), ...deconstruct(full, a.path) });
        }),
    },
    {
      name: 'run_build',
      description: 'Queue a player build for a BuildTarget. Returns a jobId at once; poll build_status. Builds run one at a time.',
      inputSchema: z.strictObject({
        target: z.enum(BUILD_TARGETS),
        development: z.boolean().optional(),
        options: buildOptions.optional(),
      }),
      async handler(a: { target: (typeof BUILD_TARGETS)[number]; development?: boolean; options?: Record<string, unknown> }) {
        const job = builds.submit({ target: a.target, development: a.development ?? false, options: a.options ?? null });
        return ok(`Build queued for ${a.target}.`, { jobId: job.id, target: job.target, state: job.state, progress: 0 });
      },
    },
    {
      name: 'build_status',
      description: 'State (queued, running, succeeded, failed, cancelled) and progress (0..1) of a build job; the artifact path once it succeeded.',
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({ jobId: z.string() }),
      async handler(a: { jobId: string }) {
        const job = builds.jobs.get(a.jobId);
        if (!job) return fail('not_found', `No build job with id '${a.jobId}'.`);
        return ok(`Build ${job.state}.`, jobData(job));
      },
    },
  ];
}
