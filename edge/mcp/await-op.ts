import type { OpView } from '../../contracts/ws';
import type { SessionRoomApi } from '../session-room';
import type { ToolContext } from './context';

const TERMINAL = new Set<OpView['state']>(['succeeded', 'failed', 'expired']);

/** The line a person (or an AI client) reads about an operation in flight. */
export function progressLine(view: OpView): string {
  if (view.state === 'queued') return 'queued: waiting for the agent';
  if (view.state === 'delivered') return 'delivered to the agent';
  const pct = view.progress !== undefined && view.progress > 0 && view.progress < 1 ? ` ${Math.round(view.progress * 100)}%` : '';
  const stage = view.stage ?? view.state;
  return `${stage}${pct}${view.message ? `: ${view.message}` : ''}`;
}

/**
 * Waits until the room says the operation is over, or the deadline has come (then its latest view,
 * which is not terminal). The room is the source the browsers read too, so a client sees exactly
 * what they see; each new line goes out as progress.
 */
export async function awaitOp(stub: Pick<SessionRoomApi, 'getOp'>, callId: string, ctx: Pick<ToolContext, 'deadline' | 'pollMs' | 'signal' | 'progress'>): Promise<OpView> {
  let lastLine = '';
  for (;;) {
    const view = await stub.getOp(callId);
    if (!view) throw new Error(`the room has no operation ${callId}`);
    if (TERMINAL.has(view.state)) return view;
    const line = progressLine(view);
    if (line !== lastLine) {
      lastLine = line;
      await ctx.progress(line);
    }
    if (Date.now() >= ctx.deadline || ctx.signal?.aborted) return view;
    await new Promise((resolve) => setTimeout(resolve, Math.min(ctx.pollMs, Math.max(1, ctx.deadline - Date.now()))));
  }
}

export const isTerminal = (view: OpView) => TERMINAL.has(view.state);
