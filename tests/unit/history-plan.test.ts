import { describe, expect, it } from 'vitest';
import { planRollback, restoreOp } from '../../edge/services/history';
import type { patches } from '../../db/schema';

type Change = typeof patches.$inferSelect;
let n = 0;
const change = (path: string, before: string | null, after: string | null, op: Change['op'] = before === null ? 'create' : 'modify', beforeSha: string | null = before === null ? null : 'a'.repeat(64)): Change => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  projectId: 'p',
  sessionId: 's',
  callId: null,
  path,
  beforeContent: before,
  afterContent: after,
  beforeSha256: beforeSha,
  afterSha256: 'b'.repeat(64),
  op,
  createdAt: new Date(1_790_000_000_000 + n),
  revertedAt: null,
  revertCallId: null,
});

describe('undo and rollback plans', () => {
  it('restores the earlier content, or deletes what the change created', () => {
    expect(restoreOp(change('Assets/A.cs', 'old', 'new'))).toEqual({ op: 'generate_script', path: 'Assets/A.cs', code: 'old', overwrite: true });
    expect(restoreOp(change('Assets/B.cs', null, 'new'))).toEqual({ op: 'delete_script', path: 'Assets/B.cs' });
    expect(restoreOp(change('Assets/E.cs', '', 'x'))).toEqual({ op: 'generate_script', path: 'Assets/E.cs', code: '', overwrite: true });
  });
  it('refuses, naming the path, when the earlier content was not kept', () => {
    expect(() => restoreOp(change('Assets/Big.cs', null, 'x', 'modify', 'c'.repeat(64)))).toThrow(/Assets\/Big\.cs.*cannot be restored/);
  });
  it('rolls each path back to its state before the oldest change since the point', () => {
    const since = [change('Assets/A.cs', 'v1', 'v2'), change('Assets/B.cs', null, 'b1'), change('Assets/A.cs', 'v2', 'v3'), change('Assets/B.cs', 'b1', 'b2')];
    const plan = planRollback(since);
    expect(plan.map((p) => [p.path, p.op])).toEqual([
      ['Assets/A.cs', { op: 'generate_script', path: 'Assets/A.cs', code: 'v1', overwrite: true }],
      ['Assets/B.cs', { op: 'delete_script', path: 'Assets/B.cs' }],
    ]);
    expect(plan[0]!.changeIds).toEqual([since[0]!.id, since[2]!.id]);
    expect(planRollback([])).toEqual([]);
  });
});
