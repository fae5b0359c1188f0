// The build panel's rows: build jobs from GET …/builds merged with the live run_build operations,
// so a build shows (and moves) before its job row exists. Unit-tested in tests/unit/web-builds.test.ts.
import type { BuildView } from '../../../contracts/api';
import type { BuildStatus } from '../../../contracts/enums';
import type { OpView } from '../../../contracts/ws';
import { isTerminal } from './live-state';

export type { BuildStatus };

/** A row of GET …/builds. Its status is read tolerantly: an edge newer than this page may know more. */
export type BuildJob = Omit<BuildView, 'status'> & { status: string };

export interface BuildRow {
  key: string;
  callId: string | null;
  target: string | null;
  status: BuildStatus;
  /** 0..1, when known. */
  progress: number | null;
  stage: string | null;
  /** What Unity last said about it (op.progress message), while it runs. */
  message: string | null;
  error: string | null;
  artifactBytes: number | null;
  /** Epoch ms. */
  createdAt: number;
  durationMs: number | null;
}

export const BUILD_TERMINAL: readonly BuildStatus[] = ['completed', 'failed', 'timeout'];
export const isBuildDone = (s: BuildStatus) => BUILD_TERMINAL.includes(s);

const KNOWN: readonly string[] = ['queued', 'started', 'progress', 'completed', 'failed', 'timeout'];
const asStatus = (s: string): BuildStatus => (KNOWN.includes(s) ? (s as BuildStatus) : 'progress');

/** A run_build operation's state as a build status. */
export function opBuildStatus(op: OpView): BuildStatus {
  switch (op.state) {
    case 'queued':
    case 'delivered':
      return 'queued';
    case 'running':
      return op.progress !== undefined && op.progress > 0 ? 'progress' : 'started';
    case 'succeeded':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'expired':
      return 'timeout';
  }
}

/**
 * Newest first. A job and the operation that started it (same call id) become one row: the job
 * wins once it is finished; until then the further along of the two gives the progress.
 * `targets` are the targets of builds this page started (an OpView does not carry its input).
 */
export function mergeBuilds(jobs: readonly BuildJob[], ops: readonly OpView[], targets: Readonly<Record<string, string>> = {}): BuildRow[] {
  const opsByCall = new Map(ops.filter((o) => o.op === 'run_build').map((o) => [o.callId, o]));
  const rows: BuildRow[] = [];
  const seen = new Set<string>();
  for (const j of jobs) {
    const op = j.call_id ? opsByCall.get(j.call_id) : undefined;
    if (j.call_id) seen.add(j.call_id);
    let status = asStatus(j.status);
    let progress: number | null = j.progress;
    let error = j.error;
    if (op && !isBuildDone(status)) {
      const fromOp = opBuildStatus(op);
      if (isBuildDone(fromOp) || rank(fromOp) > rank(status)) status = fromOp;
      if (op.progress !== undefined && (progress === null || op.progress > progress)) progress = op.progress;
      if (!error && op.error) error = op.error.message;
    }
    if (status === 'completed') progress = 1;
    const created = Date.parse(j.created_at);
    const end = j.completed_at ? Date.parse(j.completed_at) : null;
    const start = j.started_at ? Date.parse(j.started_at) : created;
    rows.push({
      key: j.id,
      callId: j.call_id,
      target: j.target || (j.call_id ? targets[j.call_id] ?? null : null),
      status,
      progress,
      stage: op && !isTerminal(op.state) ? op.stage ?? null : null,
      message: op && !isTerminal(op.state) ? op.message ?? null : null,
      error,
      artifactBytes: j.artifact_bytes,
      createdAt: created,
      durationMs: end !== null ? end - start : op?.latencyMs ?? null,
    });
  }
  for (const op of opsByCall.values()) {
    if (seen.has(op.callId)) continue;
    const status = opBuildStatus(op);
    rows.push({
      key: op.callId,
      callId: op.callId,
      target: targets[op.callId] ?? null,
      status,
      progress: status === 'completed' ? 1 : op.progress ?? null,
      stage: isTerminal(op.state) ? null : op.stage ?? null,
      message: isTerminal(op.state) ? null : op.message ?? null,
      error: op.error?.message ?? null,
      artifactBytes: null,
      createdAt: op.queuedAt,
      durationMs: op.latencyMs ?? null,
    });
  }
  return rows.sort((a, b) => b.createdAt - a.createdAt);
}

function rank(s: BuildStatus): number {
  return s === 'queued' ? 0 : s === 'started' ? 1 : s === 'progress' ? 2 : 3;
}

/** The build in flight, if any (the newest unfinished row). */
export function activeBuild(rows: readonly BuildRow[]): BuildRow | undefined {
  return rows.find((r) => !isBuildDone(r.status));
}

export function buildStatusLabel(s: BuildStatus): string {
  switch (s) {
    case 'queued':
      return 'Queued';
    case 'started':
      return 'Started';
    case 'progress':
      return 'Building';
    case 'completed':
      return 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'timeout':
      return 'Timed out';
  }
}

/** The line under a running build's bar: what Unity reports (stage — message), or what it waits for. */
export function buildActivityText(row: Pick<BuildRow, 'status' | 'stage' | 'message'>, online: boolean): string {
  if (row.status === 'queued') return online ? 'waiting for Unity…' : 'waiting for the agent to connect…';
  if (/reload|retry/i.test(`${row.stage ?? ''} ${row.message ?? ''}`)) return 'Unity is compiling, retrying…';
  const parts = [row.stage, row.message && row.message !== row.stage ? row.message : null].filter((s): s is string => !!s);
  return parts.length ? parts.join(' — ') : 'building…';
}
