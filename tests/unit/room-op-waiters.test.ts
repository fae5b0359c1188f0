import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpView } from '../../contracts/ws';
import { OP_WAIT_MAX_MS, OpWaiters, opViewMark, viewAfterChange } from '../../edge/room/op-waiters';

const ID = '00000000-0000-4000-8000-000000000001';
const view = (over: Partial<OpView>): OpView => ({ callId: ID, op: 'render_preview', state: 'running', queuedAt: 0, updatedAt: 5, ...over });

// Fake timers: a wait that is not woken never ends unless the test moves the clock, so each
// assertion below tells a wake from a timeout without timing anything.
describe("the room's long poll of an operation", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** Whether `p` has settled once pending callbacks ran (the clock does not move). */
  const settledNow = async (p: Promise<unknown>) => {
    let done = false;
    void p.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  it('answers at once when the view is not the one the caller saw, or is over', async () => {
    const waiters = new OpWaiters();
    const current = view({ stage: 'rendering' });
    expect(await viewAfterChange(waiters, ID, null, 5_000, async () => current)).toBe(current);
    expect(await viewAfterChange(waiters, ID, opViewMark(view({})), 5_000, async () => current)).toBe(current);
    const over = view({ state: 'succeeded' });
    expect(await viewAfterChange(waiters, ID, opViewMark(over), 5_000, async () => over)).toBe(over);
    expect(await viewAfterChange(waiters, ID, null, 5_000, async () => undefined)).toBeUndefined();
    expect(waiters.size).toBe(0);
  });

  it('holds a caller who has seen the view until it changes, then answers with the new one', async () => {
    const waiters = new OpWaiters();
    let current = view({});
    const answer = viewAfterChange(waiters, ID, opViewMark(current), 5_000, async () => current);
    expect(await settledNow(answer)).toBe(false);
    expect(waiters.size).toBe(1);
    current = view({ stage: 'rendering', progress: 0.5 });
    waiters.wake(ID);
    expect(await settledNow(answer)).toBe(true);
    expect(await answer).toEqual(current);
    expect(waiters.size).toBe(0);
  });

  it('is woken by a change that lands while it reads the view', async () => {
    const waiters = new OpWaiters();
    const seen = view({});
    // The read returns the old view, but the room changes it (and wakes) before the read resolves.
    const answer = viewAfterChange(waiters, ID, opViewMark(seen), 5_000, async () => {
      waiters.wake(ID);
      return seen;
    });
    expect(await settledNow(answer)).toBe(true);
  });

  it('wakes only the waiters of the operation that changed', async () => {
    const waiters = new OpWaiters();
    const other = '00000000-0000-4000-8000-000000000002';
    const a = waiters.wait(ID, 5_000);
    const b = waiters.wait(other, 5_000);
    waiters.wake(other);
    expect(await settledNow(b.changed)).toBe(true);
    expect(await settledNow(a.changed)).toBe(false);
    a.cancel();
    expect(await settledNow(a.changed)).toBe(true);
    expect(waiters.size).toBe(0);
  });

  it('gives up after the wait asked for, and never waits past its cap', async () => {
    const waiters = new OpWaiters();
    const seen = view({});
    const short = viewAfterChange(waiters, ID, opViewMark(seen), 300, async () => seen);
    await vi.advanceTimersByTimeAsync(299);
    expect(await settledNow(short)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await short).toEqual(seen);
    const long = viewAfterChange(waiters, ID, opViewMark(seen), 10 * OP_WAIT_MAX_MS, async () => seen);
    await vi.advanceTimersByTimeAsync(OP_WAIT_MAX_MS);
    expect(await settledNow(long)).toBe(true);
    expect(waiters.size).toBe(0);
  });
});
