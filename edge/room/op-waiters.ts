import { isTerminalOpState } from '../../contracts/enums';
import type { OpView } from '../../contracts/ws';

/** The longest one long poll of the room waits; callers ask again (and check their deadline) after it. */
export const OP_WAIT_MAX_MS = 10_000;

/** What a waiting caller last saw of an operation, compared whole: two steps in one millisecond still differ. */
export const opViewMark = (view: OpView): string => JSON.stringify(view);

/**
 * Callers waiting for an operation's view to change, so an MCP tool call learns of each step the
 * moment the room does instead of asking on a timer. Memory only: a waiter that outlives this
 * instance simply times out and asks again.
 */
export class OpWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /**
   * Starts waiting at once (so a change between this call and the caller's next look is not
   * missed); `changed` resolves on the next change of `callId` or after `ms`.
   */
  wait(callId: string, ms: number): { changed: Promise<void>; cancel(): void } {
    let done!: () => void;
    const changed = new Promise<void>((resolve) => {
      const set = this.waiting.get(callId) ?? new Set();
      this.waiting.set(callId, set);
      const timer = setTimeout(() => done(), ms);
      done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(callId) === set) this.waiting.delete(callId);
        resolve();
      };
      set.add(done);
    });
    return { changed, cancel: () => done() };
  }

  /** The view of `callId` changed: every waiter on it looks again. */
  wake(callId: string): void {
    for (const done of [...(this.waiting.get(callId) ?? [])]) done();
  }

  /** How many callers wait (for tests and stats). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}

/**
 * The long poll of one operation: its view as soon as it differs from `seen` or is over, else
 * after `maxWaitMs` (capped) as it stands; undefined when the room has no such operation.
 */
export async function viewAfterChange(waiters: OpWaiters, callId: string, seen: string | null, maxWaitMs: number, read: () => Promise<OpView | undefined>): Promise<OpView | undefined> {
  // Waiting before looking: a change while the view is read still wakes this call.
  const wait = waiters.wait(callId, Math.min(Math.max(0, maxWaitMs), OP_WAIT_MAX_MS));
  const view = await read();
  if (!view || isTerminalOpState(view.state) || opViewMark(view) !== seen) {
    wait.cancel();
    return view;
  }
  await wait.changed;
  return read();
}
