import { describe, expect, it } from 'vitest';
import { generateScriptOp } from '../../contracts/unity-ops';
import type { OpView } from '../../contracts/ws';
import { loadPresets } from '../../web/presets';
import { applyRows, applySummary, formatOption, presetOps } from '../../web/src/lib/presets';

const scripts = [
  { file: 'A.cs', path: 'Assets/P/A.cs', summary: 'a', code: 'class A {}' },
  { file: 'B.cs', path: 'Assets/P/B.cs', summary: 'b', code: 'class B {}' },
  { file: 'C.cs', path: 'Assets/P/C.cs', summary: 'c', code: 'class C {}' },
  { file: 'D.cs', path: 'Assets/P/D.cs', summary: 'd', code: 'class D {}' },
];
const view = (callId: string, patch: Partial<OpView>): OpView => ({ callId, op: 'generate_script', state: 'queued', queuedAt: 1, updatedAt: 1, ...patch });

describe('web presets', () => {
  it('applies as one overwriting generate_script per script, valid for the edge', () => {
    const ops = presetOps({ scripts });
    expect(ops).toHaveLength(4);
    expect(ops[0]).toEqual({ op: 'generate_script', path: 'Assets/P/A.cs', code: 'class A {}', overwrite: true });
    for (const preset of loadPresets()) for (const o of presetOps(preset)) expect(generateScriptOp.safeParse(o).success).toBe(true);
  });

  it('shows each script’s progress from its POST and its op', () => {
    const rows = applyRows(
      { scripts },
      {
        'Assets/P/A.cs': { status: 'sent', callId: 'a' },
        'Assets/P/B.cs': { status: 'sent', callId: 'b' },
        'Assets/P/C.cs': { status: 'rejected', message: 'session is stopped' },
      },
      {
        a: view('a', { state: 'succeeded', latencyMs: 200 }),
        b: view('b', { state: 'running', stage: 'compiling', progress: 0.5 }),
      },
    );
    expect(rows.map((r) => [r.phase, r.text])).toEqual([
      ['success', 'written'],
      ['running', 'compiling'],
      ['failure', 'session is stopped'],
      ['waiting', 'waiting'],
    ]);
    expect(rows[0]!.latencyMs).toBe(200);

    // Only the file the agent says it is writing is "writing": the others it holds wait their turn.
    const inAgent = applyRows(
      { scripts },
      Object.fromEntries(scripts.map((s, i) => [s.path, { status: 'sent' as const, callId: `c${i}` }])),
      {
        c0: view('c0', { state: 'succeeded' }),
        c1: view('c1', { state: 'running', stage: 'writing', message: 'Assets/P/B.cs' }),
        c2: view('c2', { state: 'running' }),
        c3: view('c3', { state: 'delivered' }),
      },
    );
    expect(inAgent.map((r) => [r.phase, r.text])).toEqual([
      ['success', 'written'],
      ['running', 'writing'],
      ['pending', 'queued'],
      ['pending', 'queued'],
    ]);
    const reloading = applyRows({ scripts: scripts.slice(0, 1) }, { 'Assets/P/A.cs': { status: 'sent', callId: 'r' } }, { r: view('r', { state: 'running', stage: 'writing', message: 'Unity is reloading; retry 2' }) });
    expect(reloading[0]).toMatchObject({ phase: 'running', text: 'Unity is compiling, retrying…' });
    expect(rows[1]!.progress).toBe(0.5);
    expect(applySummary(rows)).toEqual({ total: 4, done: 1, failed: 1, finished: false });
  });

  it('reports failures and finishes', () => {
    const rows = applyRows(
      { scripts: scripts.slice(0, 2) },
      { 'Assets/P/A.cs': { status: 'sent', callId: 'a' }, 'Assets/P/B.cs': { status: 'sent', callId: 'b' } },
      { a: view('a', { state: 'failed', error: { code: 'compile', message: 'CS1002: ; expected' } }), b: view('b', { state: 'expired' }) },
    );
    expect(rows.map((r) => r.text)).toEqual(['CS1002: ; expected', 'expired']);
    expect(applySummary(rows)).toEqual({ total: 2, done: 0, failed: 2, finished: true });
    expect(applyRows({ scripts: scripts.slice(0, 1) }, { 'Assets/P/A.cs': { status: 'sent', callId: 'zz' } }, {})[0]).toMatchObject({ phase: 'pending', text: 'queued' });
    expect(formatOption(true)).toBe('true');
    expect(formatOption(64)).toBe('64');
  });
});
