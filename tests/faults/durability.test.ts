import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { MAX_INGEST_BYTES } from '../../contracts/limits';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import { startIngestLoad } from './ingest-load';
import { startLocalStack, type LocalStack } from './local-stack';
import { createPgCluster, freePort, type PgCluster } from '../support/pg-cluster';

// Nothing accepted is lost (issue 14): `npm start` against a Postgres cluster of our own, with
// continuous ingest (10 events per request), through a 20 s database outage and a SIGKILL of the
// whole stack. Every event answered 202 must be stored exactly once; /health must answer
// throughout the outage.
const OUTAGE_MS = 20_000;
// Under the per-token rate limit (600 requests a minute, wrangler.toml): ~8 requests of 10 events a second.
const PACE = { concurrency: 2, pauseMs: 220 };

describe('the local stack under faults', () => {
  let pg: PgCluster;
  let stack: LocalStack;
  let sql: postgres.Sql;
  let stateDir: string;
  let port: number;
  const logFile = join(tmpdir(), `spark-faults-${Date.now()}.log`);

  const start = async () => {
    stack = await startLocalStack({ port, databaseUrl: pg.url, stateDir, logFile });
  };

  beforeAll(async () => {
    pg = await createPgCluster();
    stateDir = mkdtempSync(join(tmpdir(), 'spark-faults-state-'));
    port = await freePort();
    await start();
    sql = postgres(pg.url, { max: 2, onnotice: () => {}, connect_timeout: 3 });
    console.log(`fault suite: npm start on ${stack.url}, Postgres on ${pg.port}, log in ${logFile}`);
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 }).catch(() => {});
    await stack?.stop();
    pg?.destroy();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  async function projectWithIngestToken(label: string) {
    const u = await userWithProject(stack.url, label);
    const created = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: label, scope: 'ingest' });
    expect(created.status).toBe(201);
    return { projectId: u.projectId, token: created.body.token as string };
  }

  /** Waits until every accepted event is in Postgres (and the ingest log is empty), then counts. */
  async function proof(label: string, projectId: string, accepted: Set<string>) {
    const storedIds = async () => new Set((await sql`select id::text from spark_events where project_id = ${projectId}`).map((r) => r.id as string));
    await eventually(async () => {
      const stored = await storedIds();
      return [...accepted].every((id) => stored.has(id));
    }, 180_000, 1_000).catch(() => {}); // counted and asserted below either way
    await eventually(async () => {
      const ready = (await (await fetch(`${stack.url}/ready`)).json()) as { ingest_log?: { pending: number } };
      return ready.ingest_log?.pending === 0;
    }, 60_000, 500);
    const [{ rows, distinct }] = (await sql`select count(*)::int as rows, count(distinct id)::int as distinct from spark_events where project_id = ${projectId}`) as unknown as [
      { rows: number; distinct: number },
    ];
    const stored = await storedIds();
    const acceptedStored = [...accepted].filter((id) => stored.has(id)).length;
    const doubled = rows - distinct;
    const [{ n: deadLetters }] = (await sql`select count(*)::int as n from dead_letters`) as unknown as [{ n: number }];
    console.log(
      `${label}: ${accepted.size} accepted, ${acceptedStored} stored, ${doubled} doubled` +
        ` (${distinct - acceptedStored} more stored whose answer never arrived; ${deadLetters} dead letters)`,
    );
    expect({ accepted: accepted.size, stored: acceptedStored, doubled }).toEqual({ accepted: accepted.size, stored: accepted.size, doubled: 0 });
  }

  it('keeps /health and ingest up through a 20 s Postgres outage, and stores every accepted event once', async () => {
    const u = await userWithProject(stack.url, 'outage');
    const created = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'outage', scope: 'ingest' });
    const p = { projectId: u.projectId, token: created.body.token as string };
    const load = startIngestLoad({ url: () => stack.url, projectId: p.projectId, token: p.token, ...PACE });
    await eventually(async () => load.accepted.size >= 300, 30_000);

    pg.stop();
    const acceptedBefore = load.accepted.size;
    const health = { ok: 0, failed: 0 };
    const readiness = new Map<string, number>();
    const outageEnds = Date.now() + OUTAGE_MS;
    const healthPolls = (async () => {
      while (Date.now() < outageEnds) {
        try {
          const res = await fetch(`${stack.url}/health`, { signal: AbortSignal.timeout(2_000) });
          if (res.ok) health.ok++;
          else health.failed++;
        } catch {
          health.failed++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    while (Date.now() < outageEnds) {
      try {
        const ready = await fetch(`${stack.url}/ready`, { signal: AbortSignal.timeout(5_000) });
        const reason = ready.status === 503 ? ((await ready.json()) as { error: { message: string } }).error.message : String(ready.status);
        readiness.set(reason, (readiness.get(reason) ?? 0) + 1);
      } catch {
        readiness.set('no answer', (readiness.get('no answer') ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await healthPolls;
    const acceptedDuring = load.accepted.size - acceptedBefore;
    // Reads need the database: they say so, with a time to come back.
    const read = await u.api.get(`/api/projects/${u.projectId}/events?limit=1`);
    pg.start();
    console.log(`outage: /health ${health.ok} ok, ${health.failed} failed; /ready ${JSON.stringify([...readiness])}; ${acceptedDuring} events accepted during the outage`);

    await eventually(async () => (await fetch(`${stack.url}/ready`)).status === 200, 60_000, 500);
    const acceptedAtReturn = load.accepted.size;
    await eventually(async () => load.accepted.size >= acceptedAtReturn + 300, 60_000);
    await load.stop();
    console.log(`outage: ingest answers ${JSON.stringify([...load.answers])}`);

    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBeTruthy();
    expect(read.body.error.code).toBe('unavailable');
    expect(health.failed).toBe(0);
    expect(health.ok).toBeGreaterThan(50);
    expect(acceptedDuring).toBeGreaterThan(0);
    expect([...readiness.keys()].some((k) => /database is unreachable/.test(k))).toBe(true);
    await proof('outage', p.projectId, load.accepted);
  });

  it('loses nothing accepted when the whole stack is killed mid-ingest and started again', async () => {
    const p = await projectWithIngestToken('crash');
    const load = startIngestLoad({ url: () => stack.url, projectId: p.projectId, token: p.token, ...PACE });
    await eventually(async () => load.accepted.size >= 500, 30_000);
    // Kill while the log holds events the consumer has not yet stored: the case a 202 must survive.
    const unstored = await eventually(async () => {
      const ready = (await (await fetch(`${stack.url}/ready`)).json()) as { ingest_log?: { pending: number } };
      return (ready.ingest_log?.pending ?? 0) > 0 ? ready.ingest_log!.pending : null;
    }, 10_000, 20);
    await stack.kill();
    const acceptedAtKill = load.accepted.size;
    // The producer keeps trying (connections refused) while the stack comes back.
    await start();
    await eventually(async () => load.accepted.size >= acceptedAtKill + 300, 60_000);
    await load.stop();
    console.log(`crash: ${acceptedAtKill} accepted before the kill, ${unstored} of them (or more) not yet stored; ingest answers ${JSON.stringify([...load.answers])}`);
    await proof('crash', p.projectId, load.accepted);
  });

  it('takes a burst of eight producers posting 500-event batches: 202, or 503 with Retry-After, never another answer; all accepted stored once', async () => {
    // The burst that made the local queue refuse (max active timeouts 10000) and ingest answer 500
    // half-enqueued, when one event was one message. 40 requests: under the per-token rate limit.
    const p = await projectWithIngestToken('burst');
    const accepted = new Set<string>();
    const answers = new Map<string, number>();
    const count = (a: string) => answers.set(a, (answers.get(a) ?? 0) + 1);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let round = 0; round < 5; round++) {
          const events = Array.from({ length: 500 }, (_, i) => makeEvent({ payload: { round, i, note: 'burst' } }));
          for (;;) {
            const res = await fetch(`${stack.url}/api/projects/${p.projectId}/events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ events }),
            });
            // Ours is JSON; wrangler's proxy answers a POST it could not hand to a restarted
            // worker with its own text 503 (and Retry-After: 0): seen once, counted as such.
            const text = await res.text();
            const body = (text.startsWith('{') ? JSON.parse(text) : { error: { message: `(wrangler) ${text.slice(0, 60)}` } }) as { error?: { message: string } };
            if (res.status === 202) {
              count('202');
              events.forEach((e) => accepted.add(e.id));
              break;
            }
            count(`${res.status}${res.headers.get('retry-after') ? ' with Retry-After' : ''}: ${body.error?.message.replace(/\d+/g, 'N')}`);
            if (res.status !== 503) break;
            // The whole request again: the log takes all or none of it, and resends are harmless.
            await new Promise((r) => setTimeout(r, 1_000));
          }
        }
      }),
    );
    console.log(`burst: ingest answers ${JSON.stringify([...answers])}`);
    expect([...answers.keys()].filter((a) => a !== '202' && !/^503 with Retry-After/.test(a))).toEqual([]);
    expect(accepted.size).toBe(20_000);
    await proof('burst', p.projectId, accepted);
  });

  it('answers a body of exactly 1 MiB, and bodies over it, under npm start without dropping the connection', async () => {
    const p = await projectWithIngestToken('limits');
    const post = (body: Buffer) =>
      new Promise<string>((resolve) => {
        const url = new URL(`${stack.url}/api/projects/${p.projectId}/events`);
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json', 'content-length': String(body.length) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
          },
        );
        req.on('error', (err) => resolve(`dropped: ${err.message}`));
        req.end(body);
      });
    const exactly = (size: number) => {
      const text = JSON.stringify({ events: [makeEvent({ payload: { pad: '' } })] });
      return Buffer.from(text.replace('"pad":""', `"pad":"${'p'.repeat(size - text.length)}"`));
    };
    expect(await post(exactly(MAX_INGEST_BYTES))).toBe('202');
    expect(await post(exactly(MAX_INGEST_BYTES + 1))).toBe('413');
    expect(await post(Buffer.alloc(8 * MAX_INGEST_BYTES, 0x20))).toBe('413');
  });

  it('refuses a second npm start in the same folder, saying why', async () => {
    const second = await startLocalStack({ port: await freePort(), databaseUrl: pg.url, stateDir, logFile }).then(
      (s) => s,
      (err: Error) => err,
    );
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/npm start exited with 1/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(logFile, 'utf8')).toMatch(/Spark is already running from this folder \(npm start, pid \d+\)/);
    // The first one is untouched.
    expect((await apiClient(stack.url).get('/health')).status).toBe(200);
  });

  // Last: it ends the stack. A supervisor (systemd, a tray, `kill PID`) signals start.ts alone, not
  // its process group as a terminal's Ctrl-C does: wrangler dev and workerd must end with it.
  it('stops wrangler dev and workerd when start.ts alone is told to stop', async () => {
    const members = stack.members();
    const scripts = members.filter((m) => m.cmd.includes('scripts/start.ts'));
    const innermost = scripts.find((m) => !scripts.some((o) => o.ppid === m.pid));
    expect(innermost, members.map((m) => m.cmd).join('\n')).toBeDefined();
    expect(members.some((m) => /workerd/.test(m.cmd))).toBe(true);
    process.kill(innermost!.pid, 'SIGTERM');
    const left = await eventually(async () => (stack.members().length === 0 ? [] : undefined), 30_000, 100).catch(() => stack.members());
    expect(left.map((m) => m.cmd)).toEqual([]);
    await expect(fetch(`${stack.url}/health`)).rejects.toThrow();
  });
});
