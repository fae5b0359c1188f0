// The "unity-mcp" profile: tool names, parameter names and result shapes copied from
// CoplayDev/unity-mcp (Server/src/services/tools/*.py and the C# handlers under
// MCPForUnity/Editor/Tools), acting on the fake project instead of a live editor.
import { cpSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { resolveTarget, type BuildJob } from './builds';
import { renderPng } from './png';
import {
  applyTextEdits,
  checkBalancedDelimiters,
  compileErrors,
  unityError,
  ok,
  PathError,
  readScriptText,
  sha256Hex,
  toAssetsPath,
  type Envelope,
  type TextEdit,
} from './project';
import { coerceBool, coerceInt, parseJsonPayload, type ToolContext, type ToolDef } from './tool';

/** Optional parameters of the Python tools are `X | None = None`: null is accepted like a missing value. */
const opt = <T extends z.ZodType>(s: T) => s.nullish();
const intOrStr = z.union([z.int(), z.string()]);
const boolOrStr = z.union([z.boolean(), z.string()]);

const MAX_EDIT_PAYLOAD_BYTES = 64 * 1024;
const SCRIPT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The Python layer's MCPResponse: all five keys, nulls included, in this order. */
function mcpResponse(success: boolean, message: string | null, error: string | null, data: unknown, hint: string | null = null): Envelope {
  return { success, message, error, data, hint } as unknown as Envelope;
}

function pathFailure(err: unknown): Envelope {
  if (err instanceof PathError) return { success: false, code: err.code, error: err.code, message: err.message };
  throw err;
}

function scriptUri(rel: string) {
  return `mcpforunity://path/${rel}`;
}

function defaultScript(name: string, scriptType?: string | null, ns?: string | null): string {
  const base = scriptType && /^[A-Za-z_][\w.]*$/.test(scriptType) && scriptType !== 'C#' ? scriptType : 'MonoBehaviour';
  const body = [
    `public class ${name} : ${base}`,
    '{',
    '    void Start()',
    '    {',
    '    }',
    '',
    '    void Update()',
    '    {',
    '    }',
    '}',
  ];
  const lines = ns ? [`namespace ${ns}`, '{', ...body.map((l) => (l ? `    ${l}` : l)), '}'] : body;
  return ['using UnityEngine;', '', ...lines, ''].join('\n');
}

/** The C# side of manage_script create (shared by create_script and manage_script). */
async function createScriptAt(ctx: ToolContext, dirRel: string, name: string, contents: string | null | undefined, scriptType?: string | null, ns?: string | null): Promise<Envelope> {
  if (!SCRIPT_NAME.test(name)) {
    return unityError(`Invalid script name: '${name}'. Use only letters, numbers, underscores, and don't start with a number.`);
  }
  const rel = `${dirRel}/${name}.cs`;
  const full = ctx.project.full(rel);
  if (existsSync(full)) return unityError(`Script already exists at '${rel}'. Use 'update' action to modify.`);
  const text = contents ? contents : defaultScript(name, scriptType, ns);
  const bal = checkBalancedDelimiters(text);
  if (!bal.ok) {
    return unityError('validation_failed', {
      status: 'validation_failed',
      diagnostics: [`ERROR: Unbalanced delimiters: expected '${bal.expected}' (Line ${bal.line})`],
    });
  }
  await ctx.project.writeAsset(rel, text);
  ctx.project.recompileAfterChange(rel);
  return ok(`Script '${name}.cs' created successfully at '${rel}'.`, { uri: scriptUri(rel), scheduledRefresh: false });
}

/** Where a script URI points: the real server keeps the directory and the name without extension, then adds .cs. */
function scriptRelFromUri(uri: string): string {
  const rel = toAssetsPath(uri, { findAssetsSegment: true });
  const dir = path.posix.dirname(rel);
  const name = path.posix.basename(rel, path.posix.extname(rel));
  return `${dir}/${name}.cs`;
}

/** manage_asset paths: "Assets/..." or relative to Assets ("Materials/My.mat"), as AssetPathUtility sanitizes them. */
function assetRel(p: string, allowRoot = false): string {
  const s = p.trim().replace(/\\/g, '/');
  const withRoot = /^assets(\/|$)/i.test(s) || s.includes('://') || s.startsWith('/') ? s : `Assets/${s}`;
  return toAssetsPath(withRoot, { allowAssetsRoot: allowRoot });
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, 'i');
}

/** manage_camera's actions (checked in Python before Unity sees the call). */
const CAMERA_ACTIONS = [
  'ping', 'ensure_brain', 'get_brain_status', 'create_camera', 'set_target', 'set_priority', 'set_lens', 'set_body', 'set_aim',
  'set_noise', 'add_extension', 'remove_extension', 'set_blend', 'force_camera', 'release_override', 'list_cameras', 'screenshot',
  'screenshot_multiview',
];
const SURROUND = ['front', 'back', 'left', 'right', 'top', 'bottom'];
/** Longest edge of an inline screenshot when max_resolution is not given. */
const DEFAULT_MAX_RESOLUTION = 640;
const MAIN_CAMERA = 'Main Camera';

const BUILD_ACTIONS = ['build', 'status', 'platform', 'settings', 'scenes', 'profiles', 'batch', 'cancel'];

export function unityMcpTools(ctx: ToolContext): ToolDef[] {
  const { project, builds } = ctx;
  const pollInterval = Math.min(5, Math.max(0.1, ctx.buildDurationMs / 4000));
  let buildScenes: string[] | undefined;

  /** ManageBuild status data: what BuildJob reports, nothing more (no progress number). */
  const buildStatusData = (job: BuildJob) => {
    const result = { queued: 'pending', running: 'building' }[job.state as string] ?? job.state;
    const data: Record<string, unknown> = { job_id: job.id, result, platform: job.target, output_path: job.outputPath };
    if (job.startedAt) data.started_at = new Date(job.startedAt).toISOString();
    if (job.completedAt) {
      data.completed_at = new Date(job.completedAt).toISOString();
      data.duration_seconds = (job.completedAt - (job.startedAt ?? job.createdAt)) / 1000;
      data.total_size_mb = Number(((job.sizeBytes ?? 0) / 1048576).toFixed(2));
      data.errors = job.errors;
      data.warnings = job.warnings;
    }
    if (job.error) data.error = job.error;
    return data;
  };

  const buildStatusEnvelope = (job: BuildJob): Envelope => {
    const data = buildStatusData(job);
    if (job.state === 'queued' || job.state === 'running') {
      return { success: true, _mcp_status: 'pending', _mcp_poll_interval: pollInterval, message: `Build ${data.result}...`, data };
    }
    return ok(job.state === 'succeeded' ? 'Build Succeeded.' : 'Build Failed.', data);
  };

  const tools: ToolDef[] = [
    // ---------------- scripts ----------------
    {
      name: 'create_script',
      description: 'Create a new C# script at the given project path.',
      inputSchema: z.strictObject({
        path: z.string().describe("Path under Assets/ to create the script at, e.g., 'Assets/Scripts/My.cs'"),
        contents: z.string().describe('Contents of the script to create. Note, this is Base64 encoded over transport.'),
        script_type: opt(z.string()).describe("Script type (e.g., 'C#')"),
        namespace: opt(z.string()).describe('Namespace for the script'),
      }),
      async handler(a: { path: string; contents: string; script_type?: string | null; namespace?: string | null }) {
        const raw = a.path.replace(/\\/g, '/');
        const dirRaw = path.posix.dirname(raw);
        if (!dirRaw || dirRaw === '.' || dirRaw.split('/')[0]!.toLowerCase() !== 'assets') {
          return { success: false, code: 'path_outside_assets', message: `path must be under 'Assets/'; got '${a.path}'.` };
        }
        let rel: string;
        try {
          rel = toAssetsPath(raw);
        } catch (err) {
          return pathFailure(err);
        }
        const name = path.posix.basename(rel, path.posix.extname(rel));
        if (!name) return { success: false, code: 'bad_path', message: 'path must include a script file name.' };
        if (!rel.toLowerCase().endsWith('.cs')) return { success: false, code: 'bad_extension', message: 'script file must end with .cs.' };
        try {
          return await createScriptAt(ctx, path.posix.dirname(rel), name, a.contents, a.script_type, a.namespace);
        } catch (err) {
          return pathFailure(err);
        }
      },
    },
    {
      name: 'manage_script',
      description: 'Compatibility router for legacy script operations. Prefer apply_text_edits (ranges) or script_apply_edits (structured) for edits.',
      inputSchema: z.strictObject({
        action: z.enum(['create', 'read', 'delete']).describe('Perform CRUD operations on C# scripts.'),
        name: z.string().describe('Script name (no .cs extension)'),
        path: z.string().describe("Asset path (default: 'Assets/')"),
        contents: opt(z.string()).describe('Contents of the script to create'),
        script_type: opt(z.string()).describe("Script type (e.g., 'C#')"),
        namespace: opt(z.string()).describe('Namespace for the script'),
      }),
      async handler(a: { action: 'create' | 'read' | 'delete'; name: string; path: string; contents?: string | null; script_type?: string | null; namespace?: string | null }) {
        let dirRel: string;
        try {
          let p = a.path.trim().replace(/\\/g, '/').replace(/\/+$/, '');
          if (p.toLowerCase().endsWith('.cs')) p = path.posix.dirname(p);
          if (!/^assets(\/|$)/i.test(p) && !p.startsWith('/') && !/^[A-Za-z]:/.test(p)) p = p ? `Assets/${p}` : 'Assets';
          dirRel = toAssetsPath(p, { allowAssetsRoot: true });
        } catch (err) {
          if (err instanceof PathError) return unityError(`Invalid path. Target directory must be within 'Assets/'. Provided: '${a.path}'`);
          throw err;
        }
        const name = a.name.replace(/\.cs$/i, '');
        if (!SCRIPT_NAME.test(name)) {
          return unityError(`Invalid script name: '${name}'. Use only letters, numbers, underscores, and don't start with a number.`);
        }
        const rel = `${dirRel}/${name}.cs`;
        try {
          const full = project.full(rel);
          if (a.action === 'create') return await createScriptAt(ctx, dirRel, name, a.contents, a.script_type, a.namespace);
          if (!existsSync(full)) {
            return unityError(a.action === 'delete' ? `Script not found at '${rel}'. Cannot delete.` : `Script not found at '${rel}'.`);
          }
          if (a.action === 'read') {
            const contents = readScriptText(full);
            return ok(`Script '${name}.cs' read successfully.`, { uri: scriptUri(rel), path: rel, contents, contentsEncoded: false });
          }
          await project.deleteAsset(rel);
          project.recompileAfterChange(rel);
          return ok(`Script '${name}.cs' moved to trash successfully.`, { deleted: true });
        } catch (err) {
          return pathFailure(err);
        }
      },
    },
    {
      name: 'apply_text_edits',
      description:
        'Apply small text edits to a C# script identified by URI. Lines and columns are 1-indexed, end exclusive; tabs count as 1 column. ' +
        'Requires precondition_sha256 (the file\'s current SHA256 from get_sha); a stale SHA is refused.',
      inputSchema: z.strictObject({
        uri: z.string().describe('URI of the script to edit under Assets/ directory, unity://path/Assets/... or file://... or Assets/...'),
        edits: z
          .array(
            z.strictObject({
              startLine: z.int(),
              startCol: z.int(),
              endLine: z.int(),
              endCol: z.int(),
              newText: z.string(),
            }),
          )
          .describe('List of edits to apply to the script, i.e. a list of {startLine,startCol,endLine,endCol,newText} (1-indexed!)'),
        precondition_sha256: opt(z.string()).describe('Optional SHA256 of the script to edit, used to prevent concurrent edits'),
        strict: opt(z.boolean()).describe('Optional strict flag, used to enforce strict mode'),
        options: opt(z.record(z.string(), z.unknown())).describe('Optional options, used to pass additional options to the script editor'),
      }),
      async handler(a: { uri: string; edits: TextEdit[]; precondition_sha256?: string | null; strict?: boolean | null; options?: Record<string, unknown> | null }) {
        let rel: string;
        try {
          rel = scriptRelFromUri(a.uri);
        } catch (err) {
          return pathFailure(err);
        }
        const warnings: string[] = [];
        const edits = a.edits.map((e) => ({ ...e }));
        for (const e of edits) {
          const zero = (['startLine', 'startCol', 'endLine', 'endCol'] as const).some((k) => e[k] < 1);
          if (!zero) continue;
          if (a.strict) {
            return unityError('zero_based_explicit_fields', { normalizedEdits: edits });
          }
          for (const k of ['startLine', 'startCol', 'endLine', 'endCol'] as const) e[k] = Math.max(1, e[k]);
          if (!warnings.includes('zero_based_explicit_fields_normalized')) warnings.push('zero_based_explicit_fields_normalized');
        }
        let full: string;
        try {
          full = project.full(rel);
        } catch (err) {
          return pathFailure(err);
        }
        const withExtras = (env: Envelope): Envelope => {
          const data = (env.data && typeof env.data === 'object' ? env.data : {}) as Record<string, unknown>;
          data.normalizedEdits ??= edits;
          if (warnings.length) data.warnings ??= warnings;
          return { ...env, data };
        };
        if (!existsSync(full)) return withExtras(unityError(`Script not found at '${rel}'.`));
        const original = readScriptText(full);
        const current = sha256Hex(original);
        if (!a.precondition_sha256) {
          return withExtras(unityError('precondition_required', { status: 'precondition_required', current_sha256: current }));
        }
        if (a.precondition_sha256.toLowerCase() !== current) {
          return withExtras(
            unityError('stale_file', {
              status: 'stale_file',
              expected_sha256: a.precondition_sha256,
              current_sha256: current,
            }),
          );
        }
        const payload = edits.reduce((n, e) => n + Buffer.byteLength(e.newText, 'utf8'), 0);
        if (payload > MAX_EDIT_PAYLOAD_BYTES) {
          return withExtras(unityError('too_large', { status: 'too_large', limitBytes: MAX_EDIT_PAYLOAD_BYTES, hint: 'split into smaller edits' }));
        }
        const out = applyTextEdits(original, edits, { usingGuard: true });
        if (!out.ok) return withExtras(out.env);
        if (out.text === original) {
          return withExtras(
            ok(`No-op: contents unchanged for '${rel}'.`, {
              uri: scriptUri(rel),
              path: rel,
              editsApplied: 0,
              no_op: true,
              sha256: current,
              evidence: { reason: 'identical_content' },
            }),
          );
        }
        const bal = checkBalancedDelimiters(out.text);
        if (!bal.ok) {
          const startLine = Math.max(1, bal.line - 5);
          const endLine = bal.line + 5;
          return withExtras(
            unityError('unbalanced_braces', { status: 'unbalanced_braces', line: bal.line, expected: bal.expected, evidenceWindow: { startLine, endLine } }),
          );
        }
        await project.writeAsset(rel, out.text);
        project.recompileAfterChange(rel);
        const refresh = String(a.options?.refresh ?? '').toLowerCase();
        const immediate = refresh === 'immediate' || refresh === 'sync';
        return withExtras(
          ok(`Applied ${out.applied} text edit(s) to '${rel}'.`, {
            uri: scriptUri(rel),
            path: rel,
            editsApplied: out.applied,
            sha256: sha256Hex(out.text),
            scheduledRefresh: !immediate,
          }),
        );
      },
    },
    {
      name: 'get_sha',
      description: 'Get SHA256 and basic metadata for a Unity C# script without returning file contents',
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({
        uri: z.string().describe('URI of the script to edit under Assets/ directory, unity://path/Assets/... or file://... or Assets/...'),
      }),
      async handler(a: { uri: string }) {
        try {
          const rel = scriptRelFromUri(a.uri);
          const full = project.full(rel);
          if (!existsSync(full)) return unityError(`Script not found at '${rel}'.`);
          const text = readScriptText(full);
          return { success: true, data: { sha256: sha256Hex(text), lengthBytes: Buffer.byteLength(text, 'utf8') } };
        } catch (err) {
          return pathFailure(err);
        }
      },
    },
    {
      name: 'delete_script',
      description: 'Delete a C# script by URI or Assets-relative path.',
      inputSchema: z.strictObject({
        uri: z.string().describe('URI of the script to delete under Assets/ directory, unity://path/Assets/... or file://... or Assets/...'),
      }),
      async handler(a: { uri: string }) {
        try {
          const rel = scriptRelFromUri(a.uri);
          if (!existsSync(project.full(rel))) return unityError(`Script not found at '${rel}'. Cannot delete.`);
          await project.deleteAsset(rel);
          project.recompileAfterChange(rel);
          return ok(`Script '${path.posix.basename(rel)}' moved to trash successfully.`, { deleted: true });
        } catch (err) {
          return pathFailure(err);
        }
      },
    },
    {
      name: 'validate_script',
      description: 'Validate a C# script and return diagnostics.',
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({
        uri: z.string().describe('URI of the script to validate under Assets/ directory, unity://path/Assets/... or file://... or Assets/...'),
        level: opt(z.enum(['basic', 'standard'])).describe('Validation level'),
        include_diagnostics: opt(z.boolean()).describe('Include full diagnostics and summary'),
      }),
      async handler(a: { uri: string; level?: string | null; include_diagnostics?: boolean | null }) {
        try {
          const rel = scriptRelFromUri(a.uri);
          const full = project.full(rel);
          if (!existsSync(full)) return unityError(`Failed to read script: Could not find file '${rel}'.`);
          const diagnostics = compileErrors(rel, readScriptText(full)).map((e) => ({ line: e.line, col: e.col, severity: 'error', message: `${e.code}: ${e.message}` }));
          if (diagnostics.length) return unityError('Validation failed.', { diagnostics });
          return a.include_diagnostics
            ? { success: true, data: { diagnostics, summary: { warnings: 0, errors: 0 } } }
            : { success: true, data: { warnings: 0, errors: 0 } };
        } catch (err) {
          return pathFailure(err);
        }
      },
    },

    // ---------------- assets ----------------
    {
      name: 'manage_asset',
      description:
        'Performs asset operations (import, create, modify, delete, etc.) in Unity.\n\n' +
        'Tip (payload safety): for `action="search"`, prefer paging (`page_size`, `page_number`) and keep `generate_preview=false` (previews can add large base64 blobs).',
      annotations: { destructiveHint: true },
      inputSchema: z.strictObject({
        action: z.enum(['import', 'create', 'modify', 'delete', 'duplicate', 'move', 'rename', 'search', 'get_info', 'create_folder', 'get_components']),
        path: z.string().describe("Asset path (e.g., 'Materials/MyMaterial.mat') or search scope (e.g., 'Assets')."),
        asset_type: opt(z.string()),
        properties: opt(z.union([z.record(z.string(), z.unknown()), z.string()])),
        destination: opt(z.string()),
        generate_preview: opt(z.boolean()),
        search_pattern: opt(z.string()),
        filter_type: opt(z.string()),
        filter_date_after: opt(z.string()),
        page_size: opt(z.union([z.number(), z.string()])),
        page_number: opt(z.union([z.number(), z.string()])),
      }),
      async handler(a: {
        action: string; path: string; asset_type?: string | null; properties?: unknown; destination?: string | null; generate_preview?: boolean | null;
        search_pattern?: string | null; filter_type?: string | null; filter_date_after?: string | null; page_size?: unknown; page_number?: unknown;
      }) {
        const props = parseJsonPayload(a.properties ?? undefined);
        if (props !== undefined && (typeof props !== 'object' || Array.isArray(props) || props === null)) {
          return { success: false, message: 'manage_asset: properties must be a dict or JSON string' };
        }
        let rel: string;
        try {
          rel = assetRel(a.path, a.action === 'search' || a.action === 'create_folder');
        } catch (err) {
          return pathFailure(err);
        }
        try {
          const full = project.full(rel);
          const info = (r: string) => {
            const d = project.assetInfo(r, false);
            if (a.generate_preview && d.assetType === 'UnityEngine.Texture2D') {
              const png = renderPng(128, 128, 7);
              d.previewBase64 = png.toString('base64');
              d.previewWidth = 128;
              d.previewHeight = 128;
            }
            return d;
          };
          switch (a.action) {
            case 'get_info':
              if (!existsSync(full)) return unityError(`Asset not found at path: ${rel}`);
              return ok('Asset info retrieved.', info(rel));
            case 'import':
              if (!existsSync(full)) return unityError(`Asset does not exist at path: ${rel}`);
              project.ensureMeta(rel);
              return ok(`Asset '${rel}' imported successfully.`, info(rel));
            case 'create_folder':
              if (existsSync(full)) return unityError(`Asset already exists at path: ${rel}`);
              mkdirSync(full, { recursive: true });
              project.ensureMeta(rel);
              return ok(`Folder '${rel}' created successfully.`, info(rel));
            case 'create': {
              if (!a.asset_type) return unityError("'asset_type' is required for create.");
              if (existsSync(full)) return unityError(`Asset already exists at path: ${rel}`);
              if (a.asset_type.toLowerCase() === 'folder') {
                mkdirSync(full, { recursive: true });
              } else {
                const yaml = `%YAML 1.1\n%TAG !u! tag:unity3d.com,2011:\n--- !u!21 &2100000\n${a.asset_type}:\n  m_Name: ${path.posix.basename(rel, path.posix.extname(rel))}\n` +
                  Object.entries((props as Record<string, unknown>) ?? {}).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('');
                await project.writeAsset(rel, yaml);
              }
              project.ensureMeta(rel);
              return ok(`Asset '${rel}' created successfully.`, info(rel));
            }
            case 'delete':
              if (!existsSync(full)) return unityError(`Asset not found at path: ${rel}`);
              await project.deleteAsset(rel);
              if (rel.toLowerCase().endsWith('.cs')) project.recompileAfterChange(rel);
              return ok(`Asset '${rel}' deleted successfully.`);
            case 'duplicate':
            case 'move':
            case 'rename': {
              if (!existsSync(full)) return unityError(`Asset not found at path: ${rel}`);
              if (!a.destination) return unityError(`'destination' is required for ${a.action}.`);
              let dest = assetRel(a.action === 'rename' && !a.destination.includes('/') ? `${path.posix.dirname(rel)}/${a.destination}` : a.destination);
              const destFull = project.full(dest);
              if (existsSync(destFull)) return unityError(`Asset already exists at destination: ${dest}`);
              mkdirSync(path.dirname(destFull), { recursive: true });
              if (a.action === 'duplicate') {
                cpSync(full, destFull, { recursive: true });
              } else {
                renameSync(full, destFull);
                if (existsSync(full + '.meta')) renameSync(full + '.meta', destFull + '.meta');
              }
              project.ensureMeta(dest);
              return ok(`Asset '${rel}' ${a.action === 'duplicate' ? 'duplicated' : 'moved'} to '${dest}'.`, info(dest));
            }
            case 'search': {
              if (!existsSync(full) || !statSync(full).isDirectory()) return unityError(`Search scope is not a folder: ${rel}`);
              let pattern = a.search_pattern ?? undefined;
              let filterType = a.filter_type ?? undefined;
              const t = pattern && /^t:(\w+)$/.exec(pattern.trim());
              if (t) {
                filterType = t[1];
                pattern = undefined;
              }
              const re = pattern ? globToRegExp(pattern.includes('*') || pattern.includes('?') ? pattern : `*${pattern}*`) : undefined;
              const since = a.filter_date_after ? Date.parse(a.filter_date_after) : NaN;
              let hits = project.listAssets(rel).filter((p) => {
                if (re && !re.test(path.posix.basename(p))) return false;
                if (filterType && !project.assetInfo(p, false).assetType!.toString().toLowerCase().endsWith(filterType.toLowerCase())) return false;
                if (!Number.isNaN(since) && statSync(project.full(p)).mtimeMs <= since) return false;
                return true;
              });
              const total = hits.length;
              const pageSize = Math.max(1, coerceInt(a.page_size) ?? 50);
              const pageNumber = Math.max(1, coerceInt(a.page_number) ?? 1);
              hits = hits.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
              return ok(`Found ${total} asset(s).`, { totalAssets: total, pageSize, pageNumber, assets: hits.map(info) });
            }
            default:
              return unityError(`Action '${a.action}' is not supported by this Unity MCP test double.`);
          }
        } catch (err) {
          return pathFailure(err);
        }
      },
    },

    // ---------------- camera / screenshots ----------------
    {
      name: 'manage_camera',
      description:
        'Manage cameras (Unity Camera + Cinemachine). CAPTURE: screenshot captures the Game View to Assets/Screenshots; ' +
        'include_image=true also returns it inline as a PNG image block whose longest edge is at most max_resolution (default 640).',
      annotations: { destructiveHint: true },
      inputSchema: z.strictObject({
        action: z.string().describe('The camera action to perform.'),
        target: opt(z.string()),
        search_method: opt(z.enum(['by_id', 'by_name', 'by_path'])),
        properties: opt(z.union([z.record(z.string(), z.unknown()), z.string()])),
        screenshot_file_name: opt(z.string()),
        screenshot_super_size: opt(intOrStr),
        camera: opt(z.string()),
        include_image: opt(boolOrStr),
        max_resolution: opt(intOrStr),
        capture_source: opt(z.enum(['game_view', 'scene_view'])),
        batch: opt(z.string()),
        view_target: opt(z.union([z.string(), z.int(), z.array(z.number())])),
        view_position: opt(z.union([z.array(z.number()), z.string()])),
        view_rotation: opt(z.union([z.array(z.number()), z.string()])),
        orbit_angles: opt(intOrStr),
        orbit_elevations: opt(z.union([z.array(z.number()), z.string()])),
        orbit_distance: opt(z.union([z.number(), z.string()])),
        orbit_fov: opt(z.union([z.number(), z.string()])),
        output_folder: opt(z.string()),
      }),
      async handler(a: Record<string, any>) {
        const action = String(a.action).toLowerCase();
        if (!CAMERA_ACTIONS.includes(action)) {
          return { success: false, message: `Unknown action '${a.action}'. Valid actions: ${CAMERA_ACTIONS.join(', ')}.` };
        }
        if (action === 'ping') return ok('Cinemachine is not installed; basic Camera mode.', { cinemachine: false, version: null });
        if (action === 'list_cameras') {
          return ok('Found 1 camera(s).', {
            cameras: [{ name: MAIN_CAMERA, path: MAIN_CAMERA, instanceID: 20100, enabled: true, isMain: true, isCinemachine: false, priority: 0 }],
            brain: null,
          });
        }
        if (action !== 'screenshot' && action !== 'screenshot_multiview') {
          return unityError(`Action '${action}' is not supported by this Unity MCP test double.`);
        }
        if (a.camera && a.camera.toLowerCase() !== MAIN_CAMERA.toLowerCase() && a.camera !== '20100') {
          return unityError(`Camera '${a.camera}' not found.`);
        }
        const superSize = coerceInt(a.screenshot_super_size) ?? 1;
        if (superSize < 1) return { success: false, message: 'screenshot_super_size must be an integer >= 1.' };
        const maxResolution = coerceInt(a.max_resolution) ?? DEFAULT_MAX_RESOLUTION;
        if (maxResolution <= 0) return { success: false, message: 'max_resolution must be a positive integer.' };
        const sceneView = a.capture_source === 'scene_view';
        if (sceneView && superSize > 1) return { success: false, message: "capture_source='scene_view' does not support super_size above 1." };
        if (sceneView && a.camera) return { success: false, message: "capture_source='scene_view' does not support camera selection." };
        const frame = project.nextFrame();
        const fileW = Math.min(8192, project.gameView.width * superSize);
        const fileH = Math.min(8192, project.gameView.height * superSize);
        // The inline image is only ever scaled down so that its longest edge fits max_resolution.
        const bound = (w: number, h: number) => {
          const s = Math.min(1, maxResolution / Math.max(w, h));
          return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
        };

        let folderRel: string;
        try {
          folderRel = a.output_folder ? assetRel(a.output_folder, true) : 'Assets/Screenshots';
        } catch (err) {
          return pathFailure(err);
        }
        const batch = action === 'screenshot_multiview' ? 'surround' : a.batch;
        if (batch) {
          if (batch !== 'surround' && batch !== 'orbit') return { success: false, message: `Unknown batch mode '${batch}'. Use 'surround' or 'orbit'.` };
          const count = batch === 'surround' ? 6 : Math.min(36, Math.max(1, coerceInt(a.orbit_angles) ?? 8));
          const shots = Array.from({ length: count }, (_, i) => ({ angle: batch === 'surround' ? SURROUND[i] : `azimuth_${Math.round((360 / count) * i)}`, position: [0, 0, -10] }));
          const sheet = bound(fileW, fileH);
          return {
            envelope: ok(`Captured ${shots.length} views (${batch}).`, { sceneCenter: [0, 0, 0], sceneRadius: 10, outputFolder: folderRel, imageWidth: sheet.width, imageHeight: sheet.height, shots }),
            images: [{ data: renderPng(sheet.width, sheet.height, frame), mimeType: 'image/png' }],
          };
        }

        // The file on disk, at full Game View resolution (times super size).
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
        let fileName = (a.screenshot_file_name ?? `screenshot-${stamp}`).trim().replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_') || 'screenshot';
        if (!/\.png$/i.test(fileName)) fileName += '.png';
        let rel = `${folderRel}/${fileName}`;
        for (let n = 1; existsSync(project.full(rel)); n++) rel = `${folderRel}/${fileName.replace(/(\.[^.]+)$/, `-${n}$1`)}`;
        await project.writeAsset(rel, renderPng(fileW, fileH, frame));

        const data: Record<string, unknown> = {
          path: rel,
          fullPath: project.full(rel).split(path.sep).join('/'),
          superSize,
          isAsync: false,
          captureSource: sceneView ? 'scene_view' : 'game_view',
        };
        if (!coerceBool(a.include_image, false)) return ok(`Screenshot captured to '${rel}'.`, data);
        const inline = bound(fileW, fileH);
        return {
          envelope: ok(`Screenshot captured to '${rel}'.`, { ...data, camera: a.camera ?? MAIN_CAMERA, imageWidth: inline.width, imageHeight: inline.height }),
          images: [{ data: renderPng(inline.width, inline.height, frame), mimeType: 'image/png' }],
        };
      },
    },

    // ---------------- editor ----------------
    {
      name: 'manage_editor',
      description:
        "Controls and queries the Unity editor's state and settings. Read-only actions: telemetry_status, telemetry_ping. " +
        'Modifying actions: play, pause, stop, set_active_tool, add_tag, remove_tag, add_layer, remove_layer, deploy_package, restore_package, undo, redo.',
      annotations: { destructiveHint: true },
      inputSchema: z.strictObject({
        action: z.enum([
          'telemetry_status', 'telemetry_ping', 'play', 'pause', 'stop', 'set_active_tool', 'add_tag', 'remove_tag', 'add_layer', 'remove_layer',
          'deploy_package', 'restore_package', 'undo', 'redo',
        ]),
        tool_name: opt(z.string()),
        tag_name: opt(z.string()),
        layer_name: opt(z.string()),
      }),
      async handler(a: { action: string; tool_name?: string | null; tag_name?: string | null; layer_name?: string | null }) {
        if (a.action === 'telemetry_status') return { success: true, telemetry_enabled: false } as Envelope;
        if (a.action === 'telemetry_ping') return { success: true, message: 'telemetry ping queued' };
        switch (a.action) {
          case 'play':
            if (project.playMode !== 'edit') return ok('Already in play mode.', null);
            project.playMode = 'playing';
            return ok('Entered play mode.', null);
          case 'pause':
            if (project.playMode === 'edit') return unityError('Cannot pause/resume: Not in play mode.');
            project.playMode = project.playMode === 'paused' ? 'playing' : 'paused';
            return ok(project.playMode === 'paused' ? 'Game paused.' : 'Game resumed.', null);
          case 'stop':
            if (project.playMode === 'edit') return ok('Already stopped (not in play mode).', null);
            project.playMode = 'edit';
            return ok('Exited play mode.', null);
          default:
            return ok(`Editor action '${a.action}' completed.`, null);
        }
      },
    },

    // ---------------- refresh / compile ----------------
    {
      name: 'refresh_unity',
      description: 'Request a Unity asset database refresh and optionally a script compilation. Can optionally wait for readiness.',
      annotations: { destructiveHint: true },
      inputSchema: z.strictObject({
        mode: opt(z.enum(['if_dirty', 'force'])),
        scope: opt(z.enum(['assets', 'scripts', 'all'])),
        compile: opt(z.enum(['none', 'request'])),
        wait_for_ready: opt(z.boolean()),
      }),
      async handler(a: { mode?: string | null; scope?: string | null; compile?: string | null; wait_for_ready?: boolean | null }) {
        const compileRequested = a.compile === 'request';
        // The editor recompiles on every script change already; a requested compile does it again now.
        if (compileRequested) project.recompile();
        const waited = a.wait_for_ready ?? true;
        return mcpResponse(true, 'Refresh requested.', null, {
          refresh_triggered: true,
          compile_requested: compileRequested,
          // This editor compiles synchronously, so it is idle once the answer is sent.
          resulting_state: waited || !compileRequested ? 'idle' : 'compiling',
          hint: waited ? 'Editor is ready.' : 'Poll editor state until ready_for_tools is true.',
        });
      },
    },

    // ---------------- menu items ----------------
    {
      name: 'execute_menu_item',
      description: 'Execute a Unity menu item by path.',
      inputSchema: z.strictObject({
        menu_path: opt(z.string()).describe("Menu path for 'execute' or 'exists' (e.g., 'File/Save Project')"),
      }),
      async handler(a: { menu_path?: string | null }) {
        const menuPath = a.menu_path?.trim();
        const asMcp = (env: Envelope) => mcpResponse(env.success, env.message ?? null, env.error ?? null, env.data ?? null);
        if (!menuPath) return asMcp(unityError("Required parameter 'menu_path' or 'menuPath' is missing or empty."));
        if (menuPath.toLowerCase() === 'file/quit') return asMcp(unityError(`Execution of menu item '${menuPath}' is blocked for safety reasons.`));
        const item = project.menuItems().find((m) => m.path === menuPath);
        if (!item) {
          return asMcp(unityError(`Failed to execute menu item '${menuPath}'. It might be invalid, disabled, or context-dependent.`));
        }
        project.menuItemsRun.push(menuPath);
        if (item.log) project.log('Log', item.log, item.file);
        return asMcp(ok(`Attempted to execute menu item: '${menuPath}'. Check Unity logs for confirmation or errors.`));
      },
    },

    // ---------------- builds ----------------
    {
      name: 'manage_build',
      description:
        'Manage Unity player builds — trigger builds, switch platforms, configure settings, manage build scenes and profiles, run batch builds across platforms. ' +
        'Actions: build, status, platform, settings, scenes, profiles, batch, cancel. build is asynchronous: it returns a job_id; poll status with job_id.',
      annotations: { destructiveHint: true, readOnlyHint: false },
      inputSchema: z.strictObject({
        action: z.string().describe('Action: build, status, platform, settings, scenes, profiles, batch, cancel'),
        target: opt(z.string()).describe('Build target: windows64, osx, linux64, android, ios, webgl, uwp, tvos, visionos'),
        output_path: opt(z.string()),
        scenes: opt(z.string()),
        development: opt(z.string()).describe('Development build (true/false)'),
        options: opt(z.string()).describe('JSON array of BuildOptions: clean_build, auto_run, deep_profiling, compress_lz4, strict_mode, detailed_report'),
        subtarget: opt(z.string()),
        scripting_backend: opt(z.string()),
        profile: opt(z.string()),
        property: opt(z.string()),
        value: opt(z.string()),
        activate: opt(z.string()),
        targets: opt(z.string()),
        profiles: opt(z.string()),
        output_dir: opt(z.string()),
        job_id: opt(z.string()).describe('Job ID for status/cancel'),
      }),
      async handler(a: Record<string, string | null | undefined>) {
        const action = String(a.action).toLowerCase();
        if (!BUILD_ACTIONS.includes(action)) {
          return { success: false, message: `Unknown action '${a.action}'. Valid actions: ${BUILD_ACTIONS.join(', ')}` };
        }
        switch (action) {
          case 'build': {
            if (builds.busy()) return unityError('A build is already in progress.');
            const resolved = resolveTarget(a.target ?? project.activeBuildTarget);
            if ('error' in resolved) return unityError(resolved.error);
            if (a.scripting_backend && !['mono', 'il2cpp'].includes(a.scripting_backend.toLowerCase())) {
              return unityError(`Unknown scripting_backend '${a.scripting_backend}'. Valid: mono, il2cpp`);
            }
            let outputPath: string | undefined;
            if (a.output_path) {
              const full = path.resolve(project.projectDir, a.output_path);
              const r = path.relative(project.projectDir, full);
              if (r === '' || r.startsWith('..') || path.isAbsolute(r)) return unityError('output_path must be inside the project folder (test double).');
              outputPath = r.split(path.sep).join('/');
            }
            let options = parseJsonPayload(a.options ?? undefined);
            if (typeof options === 'string') options = options.split(',').map((s) => s.trim()).filter(Boolean);
            const job = builds.submit({
              target: resolved.target,
              development: coerceBool(a.development, false) ?? false,
              options: options ?? null,
              outputPath,
            });
            return {
              success: true,
              _mcp_status: 'pending',
              _mcp_poll_interval: pollInterval,
              message: `Build scheduled for ${job.target}. Polling for completion...`,
              data: { job_id: job.id, platform: job.target },
            };
          }
          case 'status': {
            if (!a.job_id) {
              const last = builds.busy() ?? builds.last();
              if (!last) return unityError('No build jobs found.');
              return buildStatusEnvelope(last);
            }
            const job = builds.jobs.get(a.job_id);
            if (!job) return unityError(`No job found with ID: ${a.job_id}`);
            return buildStatusEnvelope(job);
          }
          case 'cancel': {
            const job = a.job_id ? builds.jobs.get(a.job_id) : builds.busy();
            if (!job) return unityError(a.job_id ? `No job found with ID: ${a.job_id}` : 'No active build to cancel.');
            if (job.state === 'running') return unityError('Cannot cancel a single build in progress. Unity cannot stop BuildPipeline.BuildPlayer once it started.');
            if (!builds.cancel(job)) return unityError(`Build is already ${job.state.charAt(0).toUpperCase() + job.state.slice(1)}.`);
            return ok(`Build ${job.id} cancelled.`, buildStatusData(job));
          }
          case 'platform': {
            if (!a.target) return ok('Current platform.', { target: project.activeBuildTarget, target_group: 'Standalone', subtarget: 'Player' });
            const resolved = resolveTarget(a.target);
            if ('error' in resolved) return unityError(resolved.error);
            if (resolved.target === project.activeBuildTarget) return ok('Already on this platform.', { target: resolved.target });
            const previous = project.activeBuildTarget;
            project.activeBuildTarget = resolved.target;
            return ok(`Switched to ${resolved.target}. Assets reimported for new platform.`, { target: resolved.target, previous });
          }
          case 'settings': {
            if (!a.property) return unityError("'property' parameter is required.");
            const key = a.property.toLowerCase();
            const fields: Record<string, [() => string, (v: string) => void]> = {
              product_name: [() => project.productName, (v) => (project.productName = v)],
              company_name: [() => project.companyName, (v) => (project.companyName = v)],
              version: [() => project.bundleVersion, (v) => (project.bundleVersion = v)],
            };
            const f = fields[key];
            if (!f) return unityError(`Unknown property '${a.property}'. Valid: ${Object.keys(fields).join(', ')}`);
            if (a.value == null || a.value === '') return ok(`Read ${key}.`, { property: key, value: f[0]() });
            f[1](a.value);
            return ok(`Set ${key} = ${a.value}.`, { property: key, value: f[0]() });
          }
          case 'scenes': {
            if (a.scenes == null) {
              const list = buildScenes ?? project.scenes();
              return ok(`Build scenes (${list.length}).`, { scenes: list.map((p) => ({ path: p, enabled: true, guid: project.guidOf(p) })) });
            }
            let parsed = parseJsonPayload(a.scenes);
            if (typeof parsed === 'string') parsed = parsed.split(',').map((s) => s.trim()).filter(Boolean);
            if (!Array.isArray(parsed)) return unityError("'scenes' must be an array of scene paths or {path, enabled} objects.");
            buildScenes = parsed.map((s) => (typeof s === 'string' ? s : String((s as { path?: unknown }).path ?? '')));
            return ok(`Updated build scenes (${buildScenes.length}).`, { scenes: buildScenes.map((p) => ({ path: p, enabled: true })) });
          }
          default:
            return unityError(`Action '${action}' is not supported by this Unity MCP test double.`);
        }
      },
    },

    // ---------------- console ----------------
    {
      name: 'read_console',
      description:
        "Gets messages from or clears the Unity Editor console. Note: For maximum client compatibility, pass count as a quoted string (e.g., '5'). " +
        "The 'get' action is read-only; 'clear' modifies ephemeral UI state (not project data).",
      annotations: { readOnlyHint: true },
      inputSchema: z.strictObject({
        action: opt(z.enum(['get', 'clear'])),
        types: opt(z.union([z.array(z.enum(['error', 'warning', 'log', 'all'])), z.string()])),
        count: opt(intOrStr),
        filter_text: opt(z.string()),
        page_size: opt(intOrStr),
        cursor: opt(intOrStr),
        format: opt(z.enum(['plain', 'detailed', 'json'])),
        include_stacktrace: opt(boolOrStr),
      }),
      async handler(a: Record<string, any>) {
        const action = (a.action ?? 'get').toLowerCase();
        if (action === 'clear') {
          project.console.length = 0;
          return ok('Console cleared successfully.');
        }
        let types: string[] = typeof a.types === 'string' ? (parseJsonPayload(a.types) as string[] | string) as string[] : (a.types ?? ['error', 'warning', 'log']);
        if (typeof types === 'string') types = String(types).split(',').map((t) => t.trim().toLowerCase());
        if (types.includes('all')) types = ['error', 'warning', 'log'];
        const format = (a.format ?? 'plain').toLowerCase();
        const withStack = coerceBool(a.include_stacktrace, false);
        const countRaw = typeof a.count === 'string' && ['all', '*'].includes(a.count.trim().toLowerCase()) ? undefined : coerceInt(a.count) ?? 10;
        const filter = a.filter_text ? String(a.filter_text).toLowerCase() : undefined;
        const matches = project.console.filter(
          (e) => types.includes(e.type.toLowerCase()) && (!filter || e.message.toLowerCase().includes(filter)),
        );
        const shape = (e: (typeof matches)[number]) =>
          format === 'plain' ? e.message : { type: e.type, message: e.message, file: e.file, line: e.line, stackTrace: withStack ? e.stackTrace : null };
        const pageSize = coerceInt(a.page_size);
        const cursor = coerceInt(a.cursor);
        if (pageSize !== undefined || cursor !== undefined) {
          const size = Math.min(500, Math.max(1, pageSize ?? 50));
          const from = Math.max(0, cursor ?? 0);
          const items = matches.slice(from, from + size).map(shape);
          const truncated = matches.length > from + size;
          return ok(`Retrieved ${items.length} log entries.`, {
            cursor: from, pageSize: size, nextCursor: truncated ? String(from + size) : null, truncated, total: matches.length, items,
          });
        }
        const items = (countRaw === undefined ? matches : matches.slice(0, countRaw)).map(shape);
        return ok(`Retrieved ${items.length} log entries.`, items);
      },
    },
  ];
  return tools;
}
