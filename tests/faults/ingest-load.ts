// Continuous ingest as a producer does it: 10 events per request, a few requests in flight. Only
// events answered 202 count as accepted; anything else (a 503 during overload, a refused
// connection while the stack is down) is counted apart and never assumed stored.
import { makeEvent } from '../support/api';

export interface IngestLoad {
  accepted: Set<string>;
  answers: Map<string, number>;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

export function startIngestLoad(opts: { url: () => string; projectId: string; token: string; concurrency?: number; pauseMs?: number }): IngestLoad {
  const accepted = new Set<string>();
  const answers = new Map<string, number>();
  let running = true;
  const count = (key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);
  const loop = async () => {
    while (running) {
      const events = Array.from({ length: 10 }, (_, i) => makeEvent({ payload: { i } }));
      try {
        const res = await fetch(`${opts.url()}/api/projects/${opts.projectId}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json().catch(() => null)) as { accepted?: number } | null;
        count(String(res.status));
        if (res.status === 202 && body?.accepted === 10) events.forEach((e) => accepted.add(e.id));
        if (res.status !== 202) await new Promise((r) => setTimeout(r, 200));
      } catch {
        count('no answer');
        await new Promise((r) => setTimeout(r, 200));
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: opts.concurrency ?? 3 }, loop);
  return {
    accepted,
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
