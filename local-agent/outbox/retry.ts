// Small timing helpers shared by the agent's I/O (the backoff itself is contracts/backoff.ts): a sleep
// that can be cut short (so stop() and "the edge is back" do not wait out a long backoff).

/** Resolves after `ms`, or early (to `false`) when the signal aborts; true when the time ran out. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A wake-up latch: wait(ms) resolves after ms or as soon as wake() is called (a wake that happens
 * while nobody waits is remembered for the next wait), or when the stop signal aborts.
 */
export class Waker {
  private pending = false;
  private waiter: ((v: boolean) => void) | undefined;

  wake(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(false);
    } else {
      this.pending = true;
    }
  }

  /** True when the time ran out, false when woken or stopped. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiter === finish) this.waiter = undefined;
        resolve(v);
      };
      const finish = (v: boolean) => done(v);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = finish;
    });
  }
}

/** Serialises async work: each run starts after the previous one settled. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(() => fn());
    this.tail = next.catch(() => undefined);
    return next;
  }
}
