import { describe, expect, it } from 'vitest';
import { changeExport } from '../../contracts/api';
import { canRollbackTo, describeChange, diffStats, emptyFilter, historyQuery, lastUndoable, lineDiff, readExportFile, type ChangeItem } from '../../web/src/lib/history';

const change = (n: number, patch: Partial<ChangeItem> = {}): ChangeItem => ({
  id: `c${n}`,
  call_id: null,
  path: `Assets/S${n}.cs`,
  op: 'modify',
  before_sha256: null,
  after_sha256: null,
  has_before: true,
  has_after: true,
  created_at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
  reverted_at: null,
  is_revert: false,
  ...patch,
});

describe('web history filters', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('builds the query the API takes', () => {
    expect(historyQuery(emptyFilter(), now)).toEqual({ query: { limit: '100' } });
    expect(historyQuery({ ...emptyFilter(), path: '  Player ' }, now)).toEqual({ query: { limit: '100', path: 'Player' } });
    expect(historyQuery({ ...emptyFilter(), range: '1h' }, now)).toEqual({ query: { limit: '100', since: String(now / 1000 - 3600) } });
    expect(historyQuery({ ...emptyFilter(), range: '7d' }, now, 20)).toEqual({ query: { limit: '20', since: String(now / 1000 - 7 * 86400) } });
  });

  it('takes a custom window in local time, and says what is wrong with it', () => {
    const from = '2026-04-30T09:00';
    const to = '2026-04-30T10:30';
    const q = historyQuery({ path: '', range: 'custom', from, to }, now);
    expect(q).toEqual({ query: { limit: '100', since: String(new Date(from).getTime() / 1000), until: String(new Date(to).getTime() / 1000 + 59) } });
    expect(historyQuery({ path: '', range: 'custom', from: to, to: from }, now)).toEqual({ error: '“From” must be before “to”.' });
    expect(historyQuery({ path: '', range: 'custom', from: 'garbage', to: '' }, now)).toMatchObject({ error: expect.stringMatching(/from/) });
    expect(historyQuery({ path: '', range: 'custom', from: '', to: '' }, now)).toEqual({ query: { limit: '100' } });
  });

  it('knows what undo and rollback can do', () => {
    const items = [change(3, { is_revert: true, op: 'delete' }), change(2, { reverted_at: '2026-01-01T00:00:00Z' }), change(1)];
    expect(lastUndoable(items)?.id).toBe('c1');
    expect(lastUndoable([])).toBeUndefined();
    expect(canRollbackTo(0, false)).toBe(false);
    expect(canRollbackTo(1, false)).toBe(true);
    expect(canRollbackTo(0, true)).toBe(true);
    expect(describeChange(change(1, { op: 'create' }))).toBe('Created');
    expect(describeChange(change(1, { op: 'delete', is_revert: true }))).toBe('Deleted (undo)');
  });
});

describe('web line diff', () => {
  it('diffs lines, keeping the common head and tail', () => {
    const d = lineDiff('a\nb\nc\nd', 'a\nB\nc\nd\ne')!;
    expect(d.map((l) => `${l.kind[0]}${l.text}`)).toEqual(['sa', 'db', 'aB', 'sc', 'sd', 'ae']);
    expect(diffStats(d)).toEqual({ added: 2, removed: 1 });
    expect(d.find((l) => l.text === 'd')).toMatchObject({ a: 4, b: 4 });
  });

  it('treats a missing side as empty', () => {
    expect(lineDiff(null, 'x\ny')!.map((l) => l.kind)).toEqual(['add', 'add']);
    expect(lineDiff('x', null)!.map((l) => l.kind)).toEqual(['del']);
    expect(lineDiff('same', 'same')!.map((l) => l.kind)).toEqual(['same']);
  });

  it('gives up on huge, totally different files', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join('\n');
    expect(lineDiff(a, b)).toBeNull();
    // …but not on huge files with a small change.
    expect(diffStats(lineDiff(a, a.replace('a1500', 'x'))!)).toEqual({ added: 1, removed: 1 });
  });
});

describe('web history import file', () => {
  it('checks a file lightly before sending it', () => {
    expect(readExportFile('nope')).toMatchObject({ ok: false, message: expect.stringMatching(/not JSON/) });
    expect(readExportFile('{"hello":1}')).toMatchObject({ ok: false, message: expect.stringMatching(/not a Spark history export/) });
    expect(readExportFile('{"version":1,"changes":[]}')).toMatchObject({ ok: false, message: expect.stringMatching(/no changes/) });
    const body = {
      version: 1,
      session_id: '7b0c6a4e-8d2f-4c1a-9f3e-2a5b6c7d8e9f',
      exported_at: '2026-05-01T12:00:00.000Z',
      changes: [{ path: 'Assets/A.cs', op: 'create', call_id: null, before_content: null, after_content: 'x', before_sha256: null, after_sha256: null, created_at: '2026-05-01T12:00:00.000Z', reverted_at: null }],
    };
    const read = readExportFile(JSON.stringify(body));
    expect(read.ok).toBe(true);
    // What passes here is what the edge's schema reads.
    if (read.ok) expect(changeExport.safeParse(read.body).success).toBe(true);
  });
});
