// The script editor's logic, apart from the page: what "save" sends, the compile result read
// from an operation's result, and operation results as facts for people. Pure; unit-tested in
// tests/unit/web-scripts.test.ts.
import { COMPILE_STATUSES } from '../../../contracts/enums';
import type { CompileResult } from '../../../contracts/unity-results';
import { MAX_PATCH_BYTES } from '../../../contracts/limits';
import type { TextEdit, UnityOperationInput } from '../../../contracts/unity-ops';

export interface ScriptBuffer {
  path: string;
  /** The text as the editor holds it now. */
  text: string;
  /** The text it was opened at (or last saved as); null for a new file. */
  base: string | null;
  /** SHA-256 of `base` as Unity knows it, for apply_patch's precondition. */
  baseSha: string | null;
}

export const isDirty = (b: ScriptBuffer) => b.base === null || b.text !== b.base;

/**
 * The one edit that turns `before` into `after`: the changed middle between their common start
 * and end, in apply_text_edits positions (1-based lines and columns in UTF-16 units, end
 * exclusive). Null when they are equal.
 */
export function diffEdit(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  // Do not split a surrogate pair.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  if (endB < before.length && isLowSurrogate(before.charCodeAt(endB))) {
    endB++;
    endA++;
  }
  const from = position(before, start);
  const to = position(before, endB);
  return { startLine: from.line, startCol: from.col, endLine: to.line, endCol: to.col, newText: after.slice(start, endA) };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** 1-based line and column of offset `i` in `text`. */
export function position(text: string, i: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < i; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, col: i - lineStart + 1 };
}

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/**
 * What saving sends: a new file is generated; an open file is patched in place with the one edit
 * that changed (against the sha it was opened at), or rewritten whole when the edit is too big
 * for one patch. Null when nothing changed.
 */
export function saveOp(b: ScriptBuffer): UnityOperationInput | null {
  if (b.base === null) return { op: 'generate_script', path: b.path, code: b.text };
  const edit = diffEdit(b.base, b.text);
  if (!edit) return null;
  if (utf8Bytes(edit.newText) > MAX_PATCH_BYTES) return { op: 'generate_script', path: b.path, code: b.text, overwrite: true };
  return { op: 'apply_patch', path: b.path, edits: [edit], ...(b.baseSha ? { precondition_sha256: b.baseSha } : {}) };
}

/** The sha the file has after a successful write, from the operation's result. */
export function writtenSha(result: unknown): string | null {
  if (!isRecord(result)) return null;
  const sha = result.after_sha256 ?? result.sha256;
  return typeof sha === 'string' ? sha : null;
}

/** The shape the agent declares in contracts/unity-results.ts; read tolerantly below. */
export type CompileView = CompileResult;

/** `result.compile` of a generate_script/apply_patch, read tolerantly; null when absent or odd. */
export function compileOf(result: unknown): CompileView | null {
  const c = isRecord(result) ? result.compile : undefined;
  if (!isRecord(c) || !COMPILE_STATUSES.includes(c.status as CompileResult['status'])) return null;
  const errors = Array.isArray(c.errors)
    ? c.errors.filter(isRecord).map((e) => ({
        file: typeof e.file === 'string' ? e.file : '',
        line: typeof e.line === 'number' ? e.line : 0,
        message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
      }))
    : [];
  return { status: c.status as CompileResult['status'], errors, ...(typeof c.reason === 'string' ? { reason: c.reason } : {}) };
}

export interface Fact {
  label: string;
  value: string;
}

/**
 * An operation's result (ingest_asset, deconstruct_asset: free-form records from Unity) as a few
 * labelled facts: plain values as they are, lists and records by their size. Nested records one
 * level down are flattened ("info › type"). The whole result stays available as JSON.
 */
export function resultFacts(result: unknown, max = 12): Fact[] {
  if (!isRecord(result)) return result === undefined || result === null ? [] : [{ label: 'result', value: describe(result) }];
  const facts: Fact[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (isRecord(v) && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) facts.push({ label: `${humanKey(k)} › ${humanKey(k2)}`, value: describe(v2) });
    } else facts.push({ label: humanKey(k), value: describe(v) });
  }
  return facts.slice(0, max);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v.length > 120 ? `${v.slice(0, 117)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const names = v.map((x) => (typeof x === 'string' ? x : isRecord(x) && typeof (x.name ?? x.type) === 'string' ? String(x.name ?? x.type) : null));
    const shown = names.filter((n): n is string => n !== null).slice(0, 5);
    return `${v.length} item${v.length === 1 ? '' : 's'}${shown.length ? `: ${shown.join(', ')}${v.length > shown.length ? ', …' : ''}` : ''}`;
  }
  if (isRecord(v)) return `${Object.keys(v).length} fields`;
  return String(v);
}

/** "previewImage" → "preview image", "asset_type" → "asset type". */
export function humanKey(k: string): string {
  return k
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
