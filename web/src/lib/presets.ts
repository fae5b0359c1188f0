// Presets on the page: the shape of web/dist/presets.json, the operations "apply" sends, and the
// per-script progress rows. Unit-tested in tests/unit/web-presets.test.ts.
import type { OpView } from '../../../contracts/ws';
import type { UnityOperationInput } from '../../../contracts/unity-ops';
import { opPhase, type OpPhase } from './live-state';

/** A preset as web/dist/presets.json holds it (the type of web/presets; only the type is imported). */
export type Preset = import('../../presets').Preset;
export type PresetScript = Preset['scripts'][number];

/** One generate_script per script, overwriting what is there (the history keeps the old file). */
export function presetOps(preset: Pick<Preset, 'scripts'>): Extract<UnityOperationInput, { op: 'generate_script' }>[] {
  return preset.scripts.map((s) => ({ op: 'generate_script', path: s.path, code: s.code, overwrite: true }));
}

/** What happened to one script of an apply: its POST, then its operation. */
export type ScriptSend = { status: 'sending' } | { status: 'sent'; callId: string } | { status: 'rejected'; message: string };

export type ScriptPhase = 'waiting' | 'sending' | OpPhase;

export interface ScriptRow {
  path: string;
  phase: ScriptPhase;
  text: string;
  progress: number | null;
  callId: string | null;
  latencyMs: number | null;
}

/** The per-script rows of an apply in progress (or done), from what was sent and the live ops. */
export function applyRows(preset: Pick<Preset, 'scripts'>, sends: Readonly<Record<string, ScriptSend>>, ops: Readonly<Record<string, OpView>>): ScriptRow[] {
  return preset.scripts.map((s) => {
    const send = sends[s.path];
    const base = { path: s.path, progress: null, callId: null, latencyMs: null };
    if (!send) return { ...base, phase: 'waiting', text: 'waiting' };
    if (send.status === 'sending') return { ...base, phase: 'sending', text: 'sending…' };
    if (send.status === 'rejected') return { ...base, phase: 'failure', text: send.message };
    const op = ops[send.callId];
    if (!op) return { ...base, callId: send.callId, phase: 'pending', text: 'queued' };
    // The room calls an op "running" once the agent has it in its journal; it is being written
    // only when the agent says so (a progress stage). Until then it waits its turn.
    const phase: OpPhase = op.state === 'running' && !op.stage ? 'pending' : opPhase(op.state);
    const text =
      phase === 'success'
        ? 'written'
        : phase === 'failure'
          ? op.error?.message ?? op.state
          : phase === 'running'
            ? /reload|retry/i.test(`${op.stage} ${op.message ?? ''}`)
              ? 'Unity is compiling, retrying…'
              : op.stage === 'writing' || op.stage === 'deleting'
                ? 'writing'
                : op.stage!
            : op.state === 'queued'
              ? 'queued (waiting for the agent)'
              : 'queued';
    return { path: s.path, phase, text, progress: op.progress ?? null, callId: send.callId, latencyMs: op.latencyMs ?? null };
  });
}

/** Counts for the apply summary line. */
export function applySummary(rows: readonly ScriptRow[]): { total: number; done: number; failed: number; finished: boolean } {
  const done = rows.filter((r) => r.phase === 'success').length;
  const failed = rows.filter((r) => r.phase === 'failure').length;
  return { total: rows.length, done, failed, finished: done + failed === rows.length };
}

/** A build option's value for display. */
export function formatOption(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}
