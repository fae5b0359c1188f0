import { describe, expect, it } from 'vitest';
import { BUILD_TARGETS as CONTRACT_TARGETS } from '../../contracts/unity-ops';
import type { OpView } from '../../contracts/ws';
import { activeBuild, buildStatusLabel, mergeBuilds, opBuildStatus, type BuildJob } from '../../web/src/lib/builds';
import { BUILD_TARGETS, targetLabel } from '../../web/src/lib/targets';

const call = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const op = (n: number, patch: Partial<OpView> = {}): OpView => ({ callId: call(n), op: 'run_build', state: 'queued', queuedAt: 1000 * n, updatedAt: 1000 * n, ...patch });
const job = (n: number, patch: Partial<BuildJob> = {}): BuildJob => ({
  id: `job${n}`,
  call_id: call(n),
  target: 'WebGL',
  status: 'started',
  progress: 0,
  artifact: null,
  artifact_bytes: null,
  error: null,
  created_at: new Date(1000 * n).toISOString(),
  started_at: new Date(1000 * n).toISOString(),
  completed_at: null,
  ...patch,
});

describe('web builds', () => {
  it('mirrors the contract’s build targets', () => {
    expect([...BUILD_TARGETS]).toEqual([...CONTRACT_TARGETS]);
    expect(targetLabel('WebGL')).toBe('WebGL (browser)');
    expect(targetLabel('Switch')).toBe('Switch');
    expect(targetLabel(null)).toBe('—');
  });

  it('maps an op’s state to a build status', () => {
    expect(opBuildStatus(op(1))).toBe('queued');
    expect(opBuildStatus(op(1, { state: 'delivered' }))).toBe('queued');
    expect(opBuildStatus(op(1, { state: 'running' }))).toBe('started');
    expect(opBuildStatus(op(1, { state: 'running', progress: 0.3 }))).toBe('progress');
    expect(opBuildStatus(op(1, { state: 'succeeded' }))).toBe('completed');
    expect(opBuildStatus(op(1, { state: 'failed' }))).toBe('failed');
    expect(opBuildStatus(op(1, { state: 'expired' }))).toBe('timeout');
  });

  it('shows a build before its job row exists, with the target we asked for', () => {
    const rows = mergeBuilds([], [op(1, { state: 'running', progress: 0.4, stage: 'compiling' }), { ...op(2), op: 'render_preview' }], { [call(1)]: 'Android' });
    expect(rows).toEqual([expect.objectContaining({ callId: call(1), target: 'Android', status: 'progress', progress: 0.4, stage: 'compiling' })]);
    expect(activeBuild(rows)?.callId).toBe(call(1));
  });

  it('merges a job with its op: further along wins until the job is finished', () => {
    let [row] = mergeBuilds([job(1, { status: 'progress', progress: 0.2 })], [op(1, { state: 'running', progress: 0.6 })]);
    expect(row).toMatchObject({ status: 'progress', progress: 0.6, target: 'WebGL' });
    [row] = mergeBuilds([job(1, { status: 'progress', progress: 0.7 })], [op(1, { state: 'failed', error: { code: 'x', message: 'no disk space' } })]);
    expect(row).toMatchObject({ status: 'failed', error: 'no disk space' });
    [row] = mergeBuilds(
      [job(1, { status: 'completed', progress: 1, artifact_bytes: 1024, completed_at: new Date(61_000).toISOString() })],
      [op(1, { state: 'running', progress: 0.1 })],
    );
    expect(row).toMatchObject({ status: 'completed', progress: 1, artifactBytes: 1024, durationMs: 60_000, stage: null });
    expect(activeBuild([row!])).toBeUndefined();
  });

  it('lists newest first, failures with their reason', () => {
    const rows = mergeBuilds([job(1, { status: 'failed', error: 'iOS support missing', completed_at: new Date(2000).toISOString() }), job(3, { status: 'weird' })], [op(2)]);
    expect(rows.map((r) => [r.callId, r.status])).toEqual([
      [call(3), 'progress'],
      [call(2), 'queued'],
      [call(1), 'failed'],
    ]);
    expect(rows[2]!.error).toBe('iOS support missing');
    expect(buildStatusLabel('timeout')).toBe('Timed out');
  });
});
