// An operation's outcome as a tool reports it: its input checked as the API checks it, its end
// (or its state when the budget ran out) as a result or a ToolError. No Worker imports: unit-tested in Node.
import { firstIssue } from '../../contracts/errors';
import { unityOperation, type UnityOperation, type UnityOperationInput } from '../../contracts/unity-ops';
import type { OpView } from '../../contracts/ws';
import { isTerminal } from './await-op';
import { ToolError } from './context';

/** A finished, successful view; anything else as the tool error that explains it. */
export function settled(view: OpView): OpView {
  const detail = { call_id: view.callId, state: view.state, ...(view.stage ? { stage: view.stage } : {}) };
  if (view.state === 'succeeded') return view;
  if (view.state === 'failed') {
    const code = view.error?.code ?? 'failed';
    const message = view.error?.message ?? 'the operation failed';
    if (code === 'unity_reloading') throw new ToolError(code, `Unity is reloading its scripts (domain reload) and did not answer in time: ${message}. Call again in a few seconds.`, undefined, detail);
    throw new ToolError(code, message, undefined, detail);
  }
  if (view.state === 'expired') throw new ToolError('expired', 'no agent took this operation in time; it was not run', undefined, detail);
  if (isTerminal(view)) throw new ToolError(view.state, `the operation ended ${view.state}`, undefined, detail);
  const why = view.stage === 'reloading' ? 'Unity is reloading its scripts (domain reload)' : `it is ${view.state === 'queued' ? 'still queued for the agent' : 'still running'}`;
  throw new ToolError(
    'time_budget',
    `The call's time budget ran out: ${why}. The operation goes on in Spark (call ${view.callId}) and people watching the session see it; check list_changes or build_status later.`,
    undefined,
    detail,
  );
}

/** An op result without the texts the agent carries for the history (before/after): clients read scripts with read_script. */
export function resultOf(view: OpView): Record<string, unknown> {
  const result = view.result && typeof view.result === 'object' ? { ...(view.result as Record<string, unknown>) } : {};
  delete result.before;
  delete result.after;
  return { call_id: view.callId, ...result, ...(view.latencyMs !== undefined ? { latency_ms: Math.round(view.latencyMs) } : {}) };
}

/**
 * The whole operation checked as POST …/ops checks it: a tool's input schema carries each field's
 * rules, and this adds the rules across fields (overlapping edits, the edits' total size).
 */
export function validOp(input: UnityOperationInput): UnityOperation {
  const parsed = unityOperation.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error, input);
  throw new ToolError('invalid_op', issue.message, issue.path);
}
