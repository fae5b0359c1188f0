// Replacing a script's text in place, the only way Unity keeps the file's .meta GUID (a delete and
// create gives it a new GUID and every prefab using the script shows "Missing Script").
// Unity's apply_text_edits takes at most 64 KiB of new text per call and refuses a result with
// unbalanced braces, so a large replacement becomes several calls, each leaving balanced text.
import { utf8ByteLength } from '../../contracts/bytes';

/** ManageScript.MaxEditPayloadBytes: new text per apply_text_edits call (UTF-8). */
export const MAX_EDIT_PAYLOAD_BYTES = 64 * 1024;

/** One call's edit, as string indexes into the text as it is when that call is made. */
export interface ReplaceStep {
  start: number;
  end: number;
  newText: string;
}

export type ReplacePlan = { noOp: true } | { noOp: false; steps: ReplaceStep[] } | { noOp: false; error: string };

/**
 * The calls that turn `before` into `after`: only the part between their common prefix and
 * suffix is replaced (so an unchanged header before the first `using` is never touched). When
 * that part is over `maxBytes`, it is written in pieces cut where the delimiter nesting of `after`
 * is the same as where the piece ends, so every intermediate text is balanced if `after` is.
 */
export function planReplacement(before: string, after: string, maxBytes = MAX_EDIT_PAYLOAD_BYTES): ReplacePlan {
  if (before === after) return { noOp: true };
  let prefix = 0;
  const maxPrefix = Math.min(before.length, after.length);
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  // Never split a surrogate pair or a CRLF between the kept and the replaced part.
  while (prefix > 0 && (isLowSurrogate(after.charCodeAt(prefix)) || (after[prefix - 1] === '\r' && after[prefix] === '\n'))) prefix--;
  while (suffix > 0 && isLowSurrogate(after.charCodeAt(after.length - suffix))) suffix--;

  const middleEnd = after.length - suffix;
  const oldEnd = before.length - suffix;
  if (utf8Length(after, prefix, middleEnd) <= maxBytes) {
    return { noOp: false, steps: [{ start: prefix, end: oldEnd, newText: after.slice(prefix, middleEnd) }] };
  }

  // Cut only where the scanner is outside strings and comments, with the nesting found where the
  // replaced part ends; move that end past any string or comment it falls in (both texts share it).
  const signatures = delimiterSignatures(after, prefix);
  let end = middleEnd;
  while (end < after.length && !signatures.has(end)) end++;
  const target = signatures.get(end);
  const cuts = [...signatures.entries()].filter(([i, sig]) => i > prefix && i <= end && sig === target).map(([i]) => i);
  const shift = end - middleEnd;
  const bytesAt = utf8Offsets(after);
  const steps: ReplaceStep[] = [];
  let from = prefix;
  while (from < end) {
    const to = lastCutWithin(bytesAt, cuts, from, end, maxBytes);
    if (to === undefined) {
      return {
        noOp: false,
        error: `the new text has no point to split it at that keeps its braces balanced within ${maxBytes} bytes (Unity's limit per edit)`,
      };
    }
    const piece = after.slice(from, to);
    // The first piece replaces the old middle; the next ones are inserted right after the previous.
    steps.push(steps.length === 0 ? { start: prefix, end: oldEnd + shift, newText: piece } : { start: from, end: from, newText: piece });
    from = to;
  }
  return { noOp: false, steps };
}

/** Applies one step to a text (what Unity does with the edit). */
export function applyStep(text: string, step: ReplaceStep): string {
  return text.slice(0, step.start) + step.newText + text.slice(step.end);
}

/** 1-based line and column of a string index, CRLF and lone CR counting as one line break, as Unity counts. */
export function lineColOf(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < index; i++) {
    const c = text[i];
    if (c === '\r') {
      if (text[i + 1] === '\n' && i + 1 < index) i++;
      line++;
      col = 1;
    } else if (c === '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { line, col };
}

/** The string index of a 1-based line and column (the inverse of lineColOf); undefined when outside the text. */
export function indexOfLineCol(text: string, line: number, col: number): number | undefined {
  let l = 1;
  let c = 1;
  for (let i = 0; i <= text.length; i++) {
    if (l === line && c === col) return i;
    if (i === text.length || l > line) return undefined;
    const ch = text[i];
    if (ch === '\r' || ch === '\n') {
      if (l === line) return undefined; // past the end of that line
      if (ch === '\r' && text[i + 1] === '\n') i++;
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  return undefined;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function utf8Length(text: string, from: number, to: number): number {
  return utf8ByteLength(text.slice(from, to));
}

/**
 * For every index from `from` on where Unity's CheckBalancedDelimiters scanner is outside strings,
 * chars and comments: the stack of open delimiters there. Text cut at two indexes with the same
 * stack, and continued with what followed the second, keeps its balance.
 */
function delimiterSignatures(text: string, from: number): Map<number, string> {
  const stack: string[] = [];
  const signatures = new Map<number, string>();
  let inString = false, inChar = false, inLine = false, inBlock = false, escape = false;
  for (let i = 0; i <= text.length; i++) {
    const free = !inString && !inChar && !inLine && !inBlock && !escape;
    // Never between the halves of a surrogate pair or of a CRLF.
    if (i >= from && free && !isLowSurrogate(text.charCodeAt(i)) && !(text[i - 1] === '\r' && text[i] === '\n')) {
      signatures.set(i, stack.join(''));
    }
    if (i === text.length) break;
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\n') inLine = false;
    if (escape) { escape = false; continue; }
    if (inString) { if (c === '\\') escape = true; else if (c === '"') inString = false; continue; }
    if (inChar) { if (c === '\\') escape = true; else if (c === "'") inChar = false; continue; }
    if (inLine) continue;
    if (inBlock) { if (c === '*' && next === '/') { inBlock = false; i++; } continue; }
    if (c === '"') { inString = true; continue; }
    if (c === "'") { inChar = true; continue; }
    if (c === '/' && next === '/') { inLine = true; i++; continue; }
    if (c === '/' && next === '*') { inBlock = true; i++; continue; }
    if (c === '{' || c === '(' || c === '[') stack.push(c);
    else if (c === '}' || c === ')' || c === ']') stack.pop();
  }
  return signatures;
}

/** bytesAt[i] = UTF-8 length of text.slice(0, i) (a surrogate pair counts 4 bytes at its end). */
function utf8Offsets(text: string): Float64Array {
  const out = new Float64Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i + 1] = out[i]! + (c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 0 : c >= 0xdc00 && c <= 0xdfff ? 4 : 3);
  }
  return out;
}

function lastCutWithin(bytesAt: Float64Array, cuts: number[], from: number, end: number, maxBytes: number): number | undefined {
  if (bytesAt[end]! - bytesAt[from]! <= maxBytes) return end;
  let best: number | undefined;
  for (const cut of cuts) {
    if (cut <= from) continue;
    if (bytesAt[cut]! - bytesAt[from]! > maxBytes) break;
    best = cut;
  }
  return best;
}
