import type { OpView } from '../../contracts/ws';
import { hasChangeOfCall } from '../../db/queries/history';
import type { ToolContext } from './context';

/** How long a write waits for its change to reach the history (the agent's outbox, then the queue). */
const HISTORY_WAIT_MS = 10_000;
/** The first look again comes soon (the change is usually a tenth of a second behind), later ones at pollMs. */
const FIRST_RETRY_MS = 25;

/**
 * Waits until the history holds the change each write made. The agent reports a write's result
 * at once but records the change through its outbox and the event queue, a moment later; an
 * AI client that calls undo right after a write must find that write in the history, not the one
 * before it. 'pending' when it did not arrive in time (it still will).
 */
export async function awaitHistory(ctx: Pick<ToolContext, 'db' | 'pollMs' | 'deadline'>, sessionId: string, views: OpView[]): Promise<'recorded' | 'pending'> {
  const callIds = views.filter((v) => (v.result as { changed?: unknown } | undefined)?.changed !== false).map((v) => v.callId);
  const until = Math.min(Date.now() + HISTORY_WAIT_MS, ctx.deadline);
  for (const callId of callIds) {
    for (let retry = FIRST_RETRY_MS; ; retry = Math.min(retry * 2, Math.max(ctx.pollMs, 250))) {
      if (await hasChangeOfCall(ctx.db, sessionId, callId)) break;
      if (Date.now() >= until) return 'pending';
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }
  return 'recorded';
}
