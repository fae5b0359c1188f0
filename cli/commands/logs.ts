// `spark logs SESSION [--follow]`: a session's events, oldest first, then (with --follow) each
// new one as it is stored. The edge serves events as keyset pages, newest first, and has no
// socket that streams them, so following polls politely: every few seconds, the events since a
// little before the newest one seen (late events within that window are still caught), paged
// with the cursor, each printed once.
import type { StoredEvent } from '../../contracts/api';
import type { CommandGroup, Context } from '../command';
import { LoginEndedError, UsageError } from '../errors';
import { resolveSession } from './sessions';

const PAGE = 500;
/** How far back each poll looks before the newest event seen, for events that arrive late. */
const LOOKBACK_SECONDS = 60;

interface Page {
  items: StoredEvent[];
  next_cursor: string | null;
}

const byTimeThenId = (a: StoredEvent, b: StoredEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function line(e: StoredEvent) {
  const t = new Date(e.ts * 1000).toISOString().replace('T', ' ').slice(0, 23);
  let payload = JSON.stringify(e.payload);
  if (payload.length > 120) payload = `${payload.slice(0, 119)}…`;
  return `${t}  ${e.type}  ${e.source}/${e.kind}  ${payload}`;
}

function positiveInt(name: string, v: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} ${String(v)}: must be a whole number from ${min} to ${max}`);
  return n;
}

export const logs: CommandGroup = {
  name: 'logs',
  summary: "a session's events; --follow prints new ones as they arrive",
  command: {
    summary:
      "Prints the session's latest events (oldest first). SESSION is a Spark session (id, id prefix or name) or any event session_id. With --follow, keeps printing new ones (Ctrl-C stops).",
    args: ['SESSION'],
    options: {
      follow: { type: 'boolean', help: 'keep printing events as they arrive' },
      tail: { type: 'string', value: 'N', help: 'how many recent events to print first (default 20; 0 with --follow: only new ones)' },
      type: { type: 'string', value: 'TYPE', help: 'only events of this type' },
      interval: { type: 'string', value: 'S', help: 'seconds between polls with --follow (default 2)' },
    },
    async run(ctx, { SESSION }, o) {
      const tail = positiveInt('tail', o.tail, 20, 0, 500);
      const interval = positiveInt('interval', o.interval, 2, 1, 3600);
      if (tail === 0 && !o.follow) throw new UsageError('--tail 0 prints nothing without --follow');
      const { projectId, session } = await resolveSession(ctx, SESSION!);
      const sessionId = session?.id ?? SESSION!;
      const api = await ctx.api();
      const path = `/api/projects/${projectId}/events`;
      const type = o.type as string | undefined;
      const print = (e: StoredEvent) => ctx.out.item(e, () => line(e));

      const recent = await api.json<Page>('GET', path, { query: { session_id: sessionId, type, limit: Math.max(tail, 1) } });
      const first = recent.items.slice().sort(byTimeThenId);
      if (tail > 0) first.forEach(print);
      if (!o.follow) return;
      await follow(ctx, path, { session_id: sessionId, type }, first, interval * 1000, print);
    },
  },
};

/** Polls until interrupted; each event is printed once, in time order within a poll. */
async function follow(ctx: Context, path: string, filter: { session_id: string; type?: string }, seenFirst: StoredEvent[], intervalMs: number, print: (e: StoredEvent) => void) {
  const api = await ctx.api();
  // Ids seen, with their time: pruned to the lookback window so a long follow stays small.
  const seen = new Map<string, number>(seenFirst.map((e) => [e.id, e.ts]));
  let newest = seenFirst.reduce((m, e) => Math.max(m, e.ts), Date.now() / 1000 - LOOKBACK_SECONDS);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let wake: () => void = () => {};
  const nap = (ms: number) => new Promise<void>((r) => {
    wake = r;
    setTimeout(r, ms);
  });
  process.once('SIGINT', () => wake());
  process.once('SIGTERM', () => wake());
  let failures = 0;
  while (!stopped) {
    await nap(intervalMs);
    if (stopped) break;
    try {
      const since = newest - LOOKBACK_SECONDS;
      const fresh: StoredEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.json<Page>('GET', path, { query: { ...filter, since: since.toFixed(6), limit: PAGE, cursor } });
        for (const e of page.items) if (!seen.has(e.id)) fresh.push(e);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && !stopped);
      fresh.sort(byTimeThenId).forEach((e) => {
        seen.set(e.id, e.ts);
        newest = Math.max(newest, e.ts);
        print(e);
      });
      for (const [id, ts] of seen) if (ts < newest - 2 * LOOKBACK_SECONDS) seen.delete(id);
      failures = 0;
    } catch (err) {
      if (err instanceof LoginEndedError) throw err;
      // The edge busy or away for a moment: say so, back off, keep following.
      failures++;
      ctx.out.note(`spark: ${(err as Error).message} (retrying)`);
      await nap(Math.min(60_000, intervalMs * 2 ** Math.min(failures, 5)));
    }
  }
}
