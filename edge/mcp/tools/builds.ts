import type { McpToolInput } from '../../../contracts/mcp-tools';
import { UNITY_BUILD_JOB_ID_PATTERN } from '../../../contracts/unity-ops';
import type { OpView } from '../../../contracts/ws';
import { awaitOp, progressLine } from '../await-op';
import type { ToolContext, ToolOutcome } from '../context';
import { resultOf, settled, validOp } from '../op-outcome';
import { roomWithAgent } from '../run-op';
import { withoutSession } from './input';

/**
 * Starts a build and follows it, with progress, for as long as the call's budget allows. A build
 * that outlasts it is not an error: the answer says it is running and names Unity's job id, which
 * build_status takes.
 */
export async function runBuildTool(ctx: ToolContext, input: McpToolInput<'run_build'>): Promise<ToolOutcome> {
  const op = validOp({ op: 'run_build', ...withoutSession(input) });
  const room = await roomWithAgent(ctx, input.session_id);
  const view = await awaitOp(room.stub, await room.queue(op), ctx);
  if (view.state === 'running' || view.state === 'delivered' || view.state === 'queued') {
    const jobId = jobIdOf(view);
    return {
      structured: { call_id: view.callId, state: view.state, ...(jobId ? { job_id: jobId } : {}), progress: progressLine(view) },
      summary: `the build of ${input.target} is still ${view.state}${jobId ? ` (Unity job ${jobId}: call build_status)` : ''}; it goes on in Spark`,
    };
  }
  const result = resultOf(settled(view));
  return { structured: result, summary: `build of ${input.target} finished` };
}

export async function buildStatusTool(ctx: ToolContext, input: McpToolInput<'build_status'>): Promise<ToolOutcome> {
  const op = validOp({ op: 'build_status', ...withoutSession(input) });
  const room = await roomWithAgent(ctx, input.session_id);
  const result = resultOf(settled(await awaitOp(room.stub, await room.queue(op), ctx)));
  return { structured: result, summary: `build ${input.jobId}: ${String(result.status ?? 'unknown')}` };
}

/** Unity's job id, from the progress line the agent reports ("build-0123456789: Build building..."). */
function jobIdOf(view: OpView): string | undefined {
  const candidate = /^((?:build|batch)-[0-9a-f]{10})\b/.exec(view.message ?? '')?.[1];
  return candidate && UNITY_BUILD_JOB_ID_PATTERN.test(candidate) ? candidate : undefined;
}
