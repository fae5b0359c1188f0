import { isTerminalOpState } from '../../contracts/enums';
import type { OpView } from '../../contracts/ws';
import { opViewMark } from '../room/op-waiters';
import type { SessionRoomApi } from '../session-room';
import type { ToolContext } from './context';

/** The longest a waiting call goes without looking at its deadline and its client's cancel. */
const WAIT_SLICE_MS = 2_000;

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
 * what they see; each new line goes out as progress. The room answers each look as soon as the
 * view changes (a long poll), so a call ends the moment its operation does.
 */
export async function awaitOp(stub: Pick<SessionRoomApi, 'awaitOpChange'>, callId: string, ctx: Pick<ToolContext, 'deadline' | 'signal' | 'progress'>): Promise<OpView> {
  let lastLine = '';
  let seen: string | null = null;
  for (;;) {
    const view = await stub.awaitOpChange(callId, seen, Math.min(WAIT_SLICE_MS, Math.max(0, ctx.deadline - Date.now())));
    if (!view) throw new Error(`the room has no operation ${callId}`);
    if (isTerminal(view)) return view;
    seen = opViewMark(view);
    const line = progressLine(view);
    if (line !== lastLine) {
      lastLine = line;
      await ctx.progress(line);
    }
    if (Date.now() >= ctx.deadline || ctx.signal?.aborted) return view;
  }
}

export const isTerminal = (view: OpView) => isTerminalOpState(view.state);
