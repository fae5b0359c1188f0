// The "Unity editor" behind the fake MCP server: a real folder laid out like a Unity project, with
// scripts, assets, a console log, editor state and a build queue. Both tool profiles act on it.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// ---------- result envelope ----------

/** The JSON every tool answers with, as text content (MCPResponse / SuccessResponse / ErrorResponse). */
export interface Envelope {
  success: boolean;
  message?: string;
  error?: string;
  code?: string;
  data?: unknown;
  hint?: string;
  /** Present on the real server's PendingResponse (long-running jobs such as builds). */
  _mcp_status?: 'pending';
  _mcp_poll_interval?: number;
}

export function ok(message: string, data?: unknown): Envelope {
  return data === undefined ? { success: true, message } : { success: true, message, data };
}

/** A failure: `code` is machine-readable (the real C# ErrorResponse sets code == error). */
export function fail(code: string, message?: string, data?: unknown): Envelope {
  const env: Envelope = { success: false, code, error: code, message: message ?? code };
  if (data !== undefined) env.data = data;
  return env;
}

/**
 * Unity's C# ErrorResponse(messageOrCode, data): `code` and `error` carry the same text and there
 * is no `message` key (MCPForUnity/Editor/Helpers/Response.cs).
 */
export function unityError(messageOrCode: string, data?: unknown): Envelope {
  const env: Envelope = { success: false, code: messageOrCode, error: messageOrCode };
  if (data !== undefined) env.data = data;
  return env;
}

// ---------- hashing ----------

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Unity reads scripts as text (a UTF-8 BOM is dropped) and hashes the UTF-8 of that text. */
export function readScriptText(full: string): string {
  const text = readFileSync(full, 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------- paths ----------

export class PathError extends Error {
  constructor(readonly code: 'path_outside_assets' | 'bad_path', message: string) {
    super(message);
  }
}

const URI_PREFIXES = ['unity://path/', 'mcpforunity://path/'];

/**
 * Turns what a caller sent (Assets/..., unity://path/Assets/..., mcpforunity://path/..., file://...)
 * into a canonical "Assets/..." path, or throws PathError. `findAssetsSegment` mimics the real
 * server's _split_uri, which accepts an absolute path and keeps what follows its "Assets" segment;
 * without it the path must itself start with Assets/. Any '..' segment is refused outright.
 */
export function toAssetsPath(input: string, opts: { findAssetsSegment?: boolean; allowAssetsRoot?: boolean } = {}): string {
  let s = input.trim();
  for (const prefix of URI_PREFIXES) if (s.startsWith(prefix)) s = s.slice(prefix.length);
  if (s.startsWith('file://')) {
    try {
      s = new URL(s).pathname;
    } catch {
      throw new PathError('bad_path', `not a valid file URI: '${input}'`);
    }
  }
  try {
    s = decodeURIComponent(s);
  } catch {
    /* keep as is */
  }
  s = s.replace(/\\/g, '/');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new PathError('bad_path', 'path must not contain control characters.');
  const raw = s.split('/');
  if (raw.includes('..')) throw new PathError('bad_path', 'path must not contain traversal or be absolute.');
  const absolute = s.startsWith('/') || /^[A-Za-z]:/.test(s);
  if (absolute && !opts.findAssetsSegment) throw new PathError('bad_path', 'path must not contain traversal or be absolute.');
  const parts = raw.filter((p) => p !== '' && p !== '.' && !/^[A-Za-z]:$/.test(p));
  const idx = opts.findAssetsSegment
    ? parts.findIndex((p) => p.toLowerCase() === 'assets')
    : parts[0]?.toLowerCase() === 'assets' ? 0 : -1;
  if (idx < 0) throw new PathError('path_outside_assets', `path must be under 'Assets/'; got '${input}'.`);
  const rest = parts.slice(idx + 1);
  if (rest.length === 0 && !opts.allowAssetsRoot) throw new PathError('bad_path', `path must name a file under 'Assets/'; got '${input}'.`);
  return ['Assets', ...rest].join('/');
}

// ---------- text edits (apply_text_edits semantics) ----------

export interface TextEdit {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  newText: string;
}

/** 1-based line/col to a string index, CRLF counting as one newline (ManageScript.TryIndexFromLineCol). */
export function indexFromLineCol(text: string, line1: number, col1: number): number {
  let line = 1;
  let col = 1;
  for (let i = 0; i <= text.length; i++) {
    if (line === line1 && col === col1) return i;
    if (i === text.length) break;
    const c = text[i];
    if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      line++;
      col = 1;
    } else if (c === '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return -1;
}

export type EditOutcome =
  | { ok: true; text: string; applied: number }
  | { ok: false; env: Envelope };

/** Applies `edits` (end exclusive) to `original`; ranges are computed against the original text. */
export function applyTextEdits(original: string, edits: readonly TextEdit[], opts: { usingGuard: boolean }): EditOutcome {
  if (edits.length === 0) return { ok: false, env: fail('No edits provided.') };
  const spans: { start: number; end: number; text: string }[] = [];
  for (const e of edits) {
    let s = indexFromLineCol(original, Math.max(1, e.startLine), Math.max(1, e.startCol));
    if (s < 0) return { ok: false, env: fail(`apply_text_edits: start out of range (line ${e.startLine}, col ${e.startCol})`) };
    let t = indexFromLineCol(original, Math.max(1, e.endLine), Math.max(1, e.endCol));
    if (t < 0) return { ok: false, env: fail(`apply_text_edits: end out of range (line ${e.endLine}, col ${e.endCol})`) };
    if (t < s) [s, t] = [t, s];
    spans.push({ start: s, end: t, text: e.newText });
  }
  if (opts.usingGuard) {
    // The real server refuses edits that start before the first `using` directive.
    const m = /^[ \t]*using\s+(?:static\s+)?(?:[A-Za-z_]\w*\s*=\s*)?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\s*;/m.exec(original);
    const boundary = m ? m.index : 0;
    if (spans.some((sp) => sp.start < boundary)) {
      return {
        ok: false,
        env: fail('using_guard', "Refusing to edit before the first 'using'.", {
          status: 'using_guard',
          hint: "Refusing to edit before the first 'using'. Use anchor_insert near a method or a structured edit.",
        }),
      };
    }
  }
  const sorted = spans.map((sp, i) => ({ ...sp, i })).sort((a, b) => b.start - a.start || a.i - b.i);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.end > sorted[i - 1]!.start) {
      const a = sorted[i]!, b = sorted[i - 1]!;
      return {
        ok: false,
        env: fail('overlap', 'Edits overlap.', {
          status: 'overlap',
          conflicts: [{ startA: a.start, endA: a.end, startB: b.start, endB: b.end }],
          hint: 'Sort ranges descending by start and compute from the same snapshot.',
        }),
      };
    }
  }
  let working = original;
  for (const sp of sorted) working = working.slice(0, sp.start) + sp.text + working.slice(sp.end);
  return { ok: true, text: working, applied: spans.length };
}

/** ManageScript.CheckBalancedDelimiters: braces, parens and brackets outside strings and comments. */
export function checkBalancedDelimiters(text: string): { ok: true } | { ok: false; line: number; expected: string } {
  const stacks: Record<string, number[]> = { '{': [], '(': [], '[': [] };
  const closers: Record<string, string> = { '}': '{', ')': '(', ']': '[' };
  let inString = false, inChar = false, inSingle = false, inMulti = false, escape = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\n') {
      line++;
      if (inSingle) inSingle = false;
    }
    if (escape) { escape = false; continue; }
    if (inString) { if (c === '\\') escape = true; else if (c === '"') inString = false; continue; }
    if (inChar) { if (c === '\\') escape = true; else if (c === "'") inChar = false; continue; }
    if (inSingle) continue;
    if (inMulti) { if (c === '*' && next === '/') { inMulti = false; i++; } continue; }
    if (c === '"') { inString = true; continue; }
    if (c === "'") { inChar = true; continue; }
    if (c === '/' && next === '/') { inSingle = true; i++; continue; }
    if (c === '/' && next === '*') { inMulti = true; i++; continue; }
    if (c in stacks) stacks[c]!.push(line);
    else if (c in closers) {
      const open = closers[c]!;
      if (stacks[open]!.length === 0) return { ok: false, line, expected: open };
      stacks[open]!.pop();
    }
  }
  for (const [open, close] of [['{', '}'], ['(', ')'], ['[', ']']] as const) {
    const st = stacks[open]!;
    if (st.length > 0) return { ok: false, line: st[st.length - 1]!, expected: close };
  }
  return { ok: true };
}

export interface CompileError {
  file: string;
  line: number;
  col: number;
  code: string;
  message: string;
}

/** A crude "compiler": `#error` directives and unbalanced delimiters are compile errors. */
export function compileErrors(rel: string, text: string): CompileError[] {
  const errors: CompileError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    const m = /^\s*#error\b\s*(.*)$/.exec(l);
    if (m) errors.push({ file: rel, line: i + 1, col: l.indexOf('#') + 1, code: 'CS1029', message: `#error: '${m[1]!.trim()}'` });
  });
  const bal = checkBalancedDelimiters(text);
  if (!bal.ok) errors.push({ file: rel, line: bal.line, col: 1, code: 'CS1513', message: `${bal.expected} expected` });
  return errors;
}

// ---------- console ----------

/** One console line as ReadConsole returns it in `detailed`/`json` format. */
export interface ConsoleEntry {
  type: 'Log' | 'Warning' | 'Error';
  message: string;
  file: string;
  line: number;
  stackTrace: string | null;
  /** Not sent: compiler errors are replaced by the next compilation, as in Unity's console. */
  compiler?: boolean;
}

// ---------- asset types ----------

const ASSET_TYPES: [RegExp, string][] = [
  [/\.cs$/i, 'UnityEditor.MonoScript'],
  [/\.(png|jpe?g|tga|psd|tiff?|exr|hdr|bmp|gif)$/i, 'UnityEngine.Texture2D'],
  [/\.mat$/i, 'UnityEngine.Material'],
  [/\.(prefab|fbx|obj|blend|dae|3ds|gltf|glb)$/i, 'UnityEngine.GameObject'],
  [/\.unity$/i, 'UnityEditor.SceneAsset'],
  [/\.(wav|mp3|ogg|aiff?|flac)$/i, 'UnityEngine.AudioClip'],
  [/\.(shader|shadergraph)$/i, 'UnityEngine.Shader'],
  [/\.anim$/i, 'UnityEngine.AnimationClip'],
  [/\.controller$/i, 'UnityEditor.Animations.AnimatorController'],
  [/\.asset$/i, 'UnityEngine.ScriptableObject'],
  [/\.(txt|json|xml|csv|bytes|md|html|yaml|yml)$/i, 'UnityEngine.TextAsset'],
  [/\.(ttf|otf)$/i, 'UnityEngine.Font'],
  [/\.(mp4|mov|webm|avi)$/i, 'UnityEngine.Video.VideoClip'],
  [/\.asmdef$/i, 'UnityEditorInternal.AssemblyDefinitionAsset'],
];

export function assetTypeFor(rel: string, isFolder: boolean): string {
  if (isFolder) return 'UnityEditor.DefaultAsset';
  for (const [re, type] of ASSET_TYPES) if (re.test(rel)) return type;
  return 'UnityEditor.DefaultAsset';
}

// ---------- the project ----------

const BUILT_IN_MENU_ITEMS = ['File/Save Project', 'File/Save', 'Assets/Refresh', 'Edit/Play', 'Edit/Pause', 'Window/General/Console'];

export const DEFAULT_GAME_VIEW = { width: 1280, height: 720 } as const;

export class UnityProject {
  readonly projectDir: string;
  readonly assetsDir: string;
  readonly createdTemp: boolean;
  readonly console: ConsoleEntry[] = [];
  gameView: { width: number; height: number } = { ...DEFAULT_GAME_VIEW };
  playMode: 'edit' | 'playing' | 'paused' = 'edit';
  productName: string;
  companyName = 'DefaultCompany';
  bundleVersion = '0.1';
  activeBuildTarget = 'StandaloneWindows64';
  private frame = 0;

  constructor(projectDir?: string) {
    if (projectDir) {
      this.projectDir = path.resolve(projectDir);
      mkdirSync(this.projectDir, { recursive: true });
      this.createdTemp = false;
    } else {
      this.projectDir = mkdtempSync(path.join(tmpdir(), 'spark-unity-project-'));
      this.createdTemp = true;
    }
    this.assetsDir = path.join(this.projectDir, 'Assets');
    this.productName = path.basename(this.projectDir).replace(/[^A-Za-z0-9_-]/g, '') || 'UnityProject';
    this.scaffold();
  }

  /** Assets/, a scene, ProjectSettings and Packages, like a fresh Unity project (existing files are kept). */
  private scaffold() {
    mkdirSync(path.join(this.assetsDir, 'Scenes'), { recursive: true });
    mkdirSync(path.join(this.projectDir, 'ProjectSettings'), { recursive: true });
    mkdirSync(path.join(this.projectDir, 'Packages'), { recursive: true });
    const put = (rel: string, text: string) => {
      const full = path.join(this.projectDir, rel);
      if (!existsSync(full)) writeFileSync(full, text);
    };
    put('ProjectSettings/ProjectVersion.txt', 'm_EditorVersion: 6000.0.40f1\nm_EditorVersionWithRevision: 6000.0.40f1 (test-double)\n');
    put('Packages/manifest.json', JSON.stringify({ dependencies: { 'com.coplaydev.unity-mcp': '9.0.0' } }, null, 2) + '\n');
    put(
      'Assets/Scenes/SampleScene.unity',
      '%YAML 1.1\n%TAG !u! tag:unity3d.com,2011:\n--- !u!29 &1\nOcclusionCullingSettings:\n  m_ObjectHideFlags: 0\n' +
        '--- !u!1 &100\nGameObject:\n  m_Name: Main Camera\n--- !u!20 &101\nCamera:\n  m_GameObject: {fileID: 100}\n' +
        '--- !u!1 &200\nGameObject:\n  m_Name: Directional Light\n',
    );
  }

  nextFrame(): number {
    return ++this.frame;
  }

  /** Absolute path of a canonical Assets/... path, refusing anything that resolves outside Assets/. */
  full(rel: string): string {
    const full = path.resolve(this.projectDir, ...rel.split('/'));
    const inside = path.relative(this.assetsDir, full);
    if (inside.startsWith('..') || path.isAbsolute(inside)) throw new PathError('path_outside_assets', `path must be under 'Assets/'; got '${rel}'.`);
    // Symlink guard: the nearest existing ancestor must really be inside Assets/.
    let probe = full;
    while (!existsSync(probe)) probe = path.dirname(probe);
    const realAssets = realpathSync(this.assetsDir);
    const realProbe = realpathSync(probe);
    const r = path.relative(realAssets, realProbe);
    if (r.startsWith('..') || path.isAbsolute(r)) throw new PathError('bad_path', 'Refusing a path that leaves Assets/ through a symlink.');
    return full;
  }

  /** Project-relative path (forward slashes) of an absolute path. */
  rel(full: string): string {
    return path.relative(this.projectDir, full).split(path.sep).join('/');
  }

  exists(rel: string): boolean {
    return existsSync(this.full(rel));
  }

  /** Writes a file atomically (temp + rename) and its .meta when missing, as an import would. */
  async writeAsset(rel: string, data: string | Uint8Array): Promise<void> {
    const full = this.full(rel);
    mkdirSync(path.dirname(full), { recursive: true });
    const tmp = `${full}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    writeFileSync(tmp, data);
    await rename(tmp, full);
    this.ensureMeta(rel);
  }

  ensureMeta(rel: string) {
    const meta = this.full(rel) + '.meta';
    if (!existsSync(meta)) {
      writeFileSync(meta, `fileFormatVersion: 2\nguid: ${randomUUID().replace(/-/g, '')}\n`);
    }
  }

  /**
   * Deletes like AssetDatabase.MoveAssetToTrash: the file and its .meta (so its GUID) leave the
   * project for <project>/.Trash/; putting the text back later gives a new GUID.
   */
  async deleteAsset(rel: string): Promise<void> {
    const full = this.full(rel);
    const trash = path.join(this.projectDir, '.Trash', `${Date.now()}-${randomUUID().slice(0, 8)}`);
    mkdirSync(trash, { recursive: true });
    await rename(full, path.join(trash, path.basename(full))).catch(() => rm(full, { recursive: true, force: true }));
    if (existsSync(full + '.meta')) await rename(full + '.meta', path.join(trash, path.basename(full) + '.meta'));
  }

  guidOf(rel: string): string {
    try {
      const m = /^guid:\s*([0-9a-f]{32})\s*$/m.exec(readFileSync(this.full(rel) + '.meta', 'utf8'));
      if (m) return m[1]!;
    } catch {
      /* no meta */
    }
    return createHash('md5').update(rel).digest('hex');
  }

  /** Every file under Assets/ (project-relative), .meta files excluded. */
  listAssets(dirRel = 'Assets'): string[] {
    const out: string[] = [];
    const walk = (full: string) => {
      for (const ent of readdirSync(full, { withFileTypes: true })) {
        const child = path.join(full, ent.name);
        if (ent.isDirectory()) walk(child);
        else if (ent.isFile() && !ent.name.endsWith('.meta') && !ent.name.endsWith('.tmp')) out.push(this.rel(child));
      }
    };
    const start = this.full(dirRel);
    if (existsSync(start) && statSync(start).isDirectory()) walk(start);
    return out.sort();
  }

  scripts(): string[] {
    return this.listAssets().filter((p) => p.toLowerCase().endsWith('.cs'));
  }

  scenes(): string[] {
    return this.listAssets().filter((p) => p.toLowerCase().endsWith('.unity'));
  }

  /** All compile errors in the project's scripts right now. */
  compile(): CompileError[] {
    return this.scripts().flatMap((rel) => compileErrors(rel, readScriptText(this.full(rel))));
  }

  log(type: ConsoleEntry['type'], message: string, file = '', line = 0, compiler = false) {
    this.console.push({
      type,
      message,
      file,
      line,
      stackTrace: type === 'Error' ? `UnityEditor.EditorApplication:Internal_CallUpdateFunctions () (at ${file || 'Editor'}:${line})` : null,
      ...(compiler ? { compiler } : {}),
    });
    if (this.console.length > 2000) this.console.splice(0, this.console.length - 2000);
  }

  /** Called after every script write or delete (a test may start a domain reload from it). */
  onScriptChanged: (rel: string) => void = () => {};

  /**
   * What Unity does after a script changes: recompile. Compiler errors stay in the console while
   * they exist and are replaced by the next compilation's (Unity clears them on recompile).
   */
  recompileAfterChange(changedRel: string) {
    this.recompile();
    this.onScriptChanged(changedRel);
  }

  /** Compiles every script now; returns the compiler errors it printed. */
  recompile(): CompileError[] {
    for (let i = this.console.length - 1; i >= 0; i--) if (this.console[i]!.compiler) this.console.splice(i, 1);
    const errors = this.compile();
    for (const e of errors) this.log('Error', `${e.file}(${e.line},${e.col}): error ${e.code}: ${e.message}`, e.file, e.line, true);
    return errors;
  }

  /** The fields ManageAsset.GetAssetData returns, plus this double's fileSizeBytes and sha256. */
  assetInfo(rel: string, generatePreview: boolean): Record<string, unknown> {
    const full = this.full(rel);
    const st = statSync(full);
    const isFolder = st.isDirectory();
    const data: Record<string, unknown> = {
      path: rel,
      guid: this.guidOf(rel),
      assetType: assetTypeFor(rel, isFolder),
      name: path.basename(rel, path.extname(rel)),
      fileName: path.basename(rel),
      isFolder,
      instanceID: -(parseInt(this.guidOf(rel).slice(0, 7), 16) || 1),
      lastWriteTimeUtc: st.mtime.toISOString(),
      previewBase64: null as string | null,
      previewWidth: 0,
      previewHeight: 0,
      fileSizeBytes: isFolder ? 0 : st.size,
      sha256: isFolder ? null : sha256Hex(readFileSync(full)),
    };
    return data;
  }

  /** Menu items run through execute_menu_item, in order. */
  readonly menuItemsRun: string[] = [];

  /**
   * The editor's menu: a few built-in items plus every [MenuItem("...")] of the Editor scripts,
   * which exist only once the scripts compiled (a project with compile errors loads no new ones).
   * Resolves `const string X = "..."` prefixes; `log` is the first Debug.Log text after the item.
   */
  menuItems(): { path: string; file: string; log?: string }[] {
    const items: { path: string; file: string; log?: string }[] = BUILT_IN_MENU_ITEMS.map((p) => ({ path: p, file: '' }));
    if (this.compile().length > 0) return items;
    for (const rel of this.scripts().filter((p) => /(^|\/)Editor\//.test(p))) {
      const text = readScriptText(this.full(rel));
      const consts = new Map<string, string>();
      for (const m of text.matchAll(/const\s+string\s+(\w+)\s*=\s*"([^"]*)"\s*;/g)) consts.set(m[1]!, m[2]!);
      for (const m of text.matchAll(/\[MenuItem\(\s*((?:\w+\s*\+\s*)?"[^"]*")/g)) {
        const expr = m[1]!;
        const plus = /^(\w+)\s*\+\s*"([^"]*)"$/.exec(expr);
        const menuPath = plus ? `${consts.get(plus[1]!) ?? ''}${plus[2]}` : expr.slice(1, -1);
        const after = text.slice(m.index! + m[0].length);
        const log = /Debug\.Log\(\$?"([^"{]*)/.exec(after.split('[MenuItem(')[0]!)?.[1];
        items.push({ path: menuPath, file: rel, ...(log ? { log } : {}) });
      }
    }
    return items;
  }

  async dispose() {
    if (this.createdTemp) await rm(this.projectDir, { recursive: true, force: true });
  }
}
