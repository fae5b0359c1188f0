// The undo/rollback panel's pure parts: filters → query, what each entry may do, a line diff.
// Unit-tested in tests/unit/web-history.test.ts.
import type { ChangeExport, ChangeView } from '../../../contracts/api';

/** An entry of GET …/changes. */
export type ChangeItem = ChangeView;

export const TIME_RANGES = [
  { id: 'all', label: 'Any time', ms: 0 },
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: 'custom', label: 'Between…', ms: 0 },
] as const;
export type TimeRange = (typeof TIME_RANGES)[number]['id'];

export interface HistoryFilter {
  path: string;
  range: TimeRange;
  /** `<input type="datetime-local">` values (local time), used when range is 'custom'. */
  from: string;
  to: string;
}

export const emptyFilter = (): HistoryFilter => ({ path: '', range: 'all', from: '', to: '' });

export type HistoryQuery = { path?: string; since?: string; until?: string; limit: string };

/** Local "YYYY-MM-DDTHH:mm" → unix seconds; NaN when empty or invalid. */
export function localInputToUnix(value: string): number {
  if (!value) return NaN;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : NaN;
}

/**
 * The query for GET …/changes. Returns an error message instead when the filter cannot be sent
 * (e.g. "from" after "to"), so the panel can say so next to the inputs.
 */
export function historyQuery(f: HistoryFilter, now = Date.now(), limit = 100): { query: HistoryQuery } | { error: string } {
  const query: HistoryQuery = { limit: String(limit) };
  const path = f.path.trim();
  if (path) query.path = path.slice(0, 1024);
  if (f.range === 'custom') {
    const since = localInputToUnix(f.from);
    const until = localInputToUnix(f.to);
    if (f.from && Number.isNaN(since)) return { error: 'The “from” time is not a valid date.' };
    if (f.to && Number.isNaN(until)) return { error: 'The “to” time is not a valid date.' };
    if (!Number.isNaN(since) && !Number.isNaN(until) && since > until) return { error: '“From” must be before “to”.' };
    if (!Number.isNaN(since)) query.since = String(since);
    // The input has minute precision: include the whole "to" minute.
    if (!Number.isNaN(until)) query.until = String(until + 59);
  } else if (f.range !== 'all') {
    const span = TIME_RANGES.find((r) => r.id === f.range)?.ms ?? 0;
    query.since = String(Math.floor((now - span) / 1000));
  }
  return { query };
}

/** A human sentence for one entry. */
export function describeChange(c: Pick<ChangeItem, 'op' | 'is_revert'>): string {
  const verb = c.op === 'create' ? 'Created' : c.op === 'delete' ? 'Deleted' : 'Modified';
  return c.is_revert ? `${verb} (undo)` : verb;
}

/**
 * Whether "roll back to here" makes sense for the entry at `index` of a newest-first list: only
 * when something came after it. With a filter on, the list may hide later changes, so only the
 * very newest entry of an unfiltered list is known to have nothing after it.
 */
export function canRollbackTo(index: number, filtered: boolean): boolean {
  return filtered || index > 0;
}

/** The newest change an undo would take back (the API decides; this is for the button's label). */
export function lastUndoable(items: readonly ChangeItem[]): ChangeItem | undefined {
  return items.find((c) => !c.reverted_at && !c.is_revert);
}

export type DiffLine = { kind: 'same' | 'add' | 'del'; text: string; a?: number; b?: number };

/** Above this many (changed lines)², the diff gives up and shows the two versions whole. */
const MAX_DIFF_CELLS = 4_000_000;

/**
 * A line diff (longest common subsequence after trimming the common head and tail). Null when
 * the files are too different and large to diff cheaply.
 */
export function lineDiff(before: string | null, after: string | null): DiffLine[] | null {
  const a = before === null || before === '' ? [] : before.split('\n');
  const b = after === null || after === '' ? [] : after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  if (am.length * bm.length > MAX_DIFF_CELLS) return null;
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: a[i]!, a: i + 1, b: i + 1 });
  // LCS lengths, from the end, in one flat array.
  const n = am.length;
  const m = bm.length;
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      out.push({ kind: 'same', text: am[i]!, a: head + i + 1, b: head + j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
      // Removals before additions, as diffs usually read.
      out.push({ kind: 'del', text: am[i]!, a: head + i + 1 });
      i++;
    } else {
      out.push({ kind: 'add', text: bm[j]!, b: head + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) {
    const ai = a.length - tail + k;
    const bi = b.length - tail + k;
    out.push({ kind: 'same', text: a[ai]!, a: ai + 1, b: bi + 1 });
  }
  return out;
}

/** Counts for a diff's header: "+12 −3". */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

/** An export file's envelope as checked here; its changes are checked by the edge. */
export type ExportEnvelope = Omit<ChangeExport, 'changes'> & { changes: unknown[] };

/**
 * A light check of an export file before it is sent (the edge validates it fully): returns the
 * parsed body, or a message for the person.
 */
export function readExportFile(text: string): { ok: true; body: ExportEnvelope } | { ok: false; message: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, message: 'That file is not JSON. Choose a history file exported from Spark.' };
  }
  if (!data || typeof data !== 'object') return { ok: false, message: 'That file is not a Spark history export.' };
  const d = data as Record<string, unknown>;
  if (d.version !== 1 || !Array.isArray(d.changes)) return { ok: false, message: 'That file is not a Spark history export (version 1).' };
  if (d.changes.length === 0) return { ok: false, message: 'That history file has no changes in it.' };
  if (d.changes.length > 500) return { ok: false, message: `That file has ${d.changes.length} changes; at most 500 can be imported at once.` };
  return { ok: true, body: data as ExportEnvelope };
}
