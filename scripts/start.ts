// `npm start`: the whole local stack on this machine.
// - Postgres: DATABASE_URL when set (the Worker reaches it through a local session pool, as
//   Hyperdrive pools in production), otherwise an embedded PGlite server whose data lives in .spark/pgdata;
// - migrations applied;
// - the edge (Worker, Queues, Durable Objects, R2, cron) under `wrangler dev`;
// then it prints the URL to open. Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runMigrations } from '../db/migrate';
import { startAgent } from '../local-agent/agent';
import { defaultHome, loadConfig, readCredentials } from '../local-agent/config';
import { consoleLogger, errorMessage } from '../local-agent/log';
import { buildWeb } from './build-web';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startSessionPool } from './pg-session-pool';
import { takeStartLock } from './start-lock';

const HOST = process.env.SPARK_HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 8787);
const EMBEDDED_PG_PORT = Number(process.env.SPARK_PG_PORT ?? 54329);
/** Local state: the embedded database, persisted Durable Objects (the ingest log), the start lock. */
const STATE_DIR = process.env.SPARK_STATE_DIR ?? '.spark';

const stops: (() => Promise<void> | void)[] = [];
let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** SIGINT, then the child's exit (SIGKILL after 10 s): the port and workerd are free when this returns. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGINT');
  });
}

async function ensurePortFree(host: string, port: number) {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (another Spark?); stop it or set PORT` : err.message)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function ensureDevVars() {
  if (existsSync('.dev.vars') && /^JWT_SECRET=.{16,}/m.test(readFileSync('.dev.vars', 'utf8'))) return;
  const line = `JWT_SECRET=${randomBytes(32).toString('hex')}\n`;
  writeFileSync('.dev.vars', existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') + line : `# Written by npm start; see .dev.vars.example\n${line}`, { mode: 0o600 });
  console.log('• wrote .dev.vars with a fresh JWT_SECRET');
}

/** SPARK_DB_POOL_MAX: the session pool's backends, kept under the server's max_connections (the pool's default when unset). */
function poolMax(): number | undefined {
  const raw = process.env.SPARK_DB_POOL_MAX;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SPARK_DB_POOL_MAX must be a whole number of connections, at least 1 (got "${raw}")`);
  return n;
}

/** Where Postgres is, and where the Worker connects to it. */
async function database(): Promise<{ url: string; workerUrl: string }> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    // The Worker opens a connection per request; a new backend each time costs ~13 ms before the
    // first row (the reads bench). SPARK_DB_POOL=off connects it straight to Postgres.
    if (process.env.SPARK_DB_POOL === 'off') {
      console.log(`• Postgres: DATABASE_URL (${new URL(configured).host})`);
      return { url: configured, workerUrl: configured };
    }
    const pool = await startSessionPool(configured, { maxBackends: poolMax() });
    stops.push(() => pool.close());
    console.log(`• Postgres: DATABASE_URL (${new URL(configured).host}), for the Worker through a session pool on 127.0.0.1:${pool.port}`);
    return { url: configured, workerUrl: pool.url };
  }
  const dataDir = `${STATE_DIR}/pgdata`;
  const pg = await startEmbeddedPostgres({ dataDir, port: EMBEDDED_PG_PORT }).catch(() =>
    // The usual port is taken (another Spark?): any free one will do.
    startEmbeddedPostgres({ dataDir, port: 0 }),
  );
  stops.push(() => pg.stop());
  console.log(`• Postgres: embedded PGlite on 127.0.0.1:${pg.port}, data in ${dataDir}`);
  return { url: pg.url, workerUrl: pg.url };
}

/**
 * The agent too, when this machine has paired with this edge before (pairing needs a person:
 * the code comes from the browser). SPARK_START_AGENT=0 leaves it out.
 */
async function maybeStartAgent(edge: string) {
  if (process.env.SPARK_START_AGENT === '0') return;
  try {
    const creds = readCredentials(defaultHome());
    if (!creds) {
      console.log('  Sign up, create a project, then "Add agent" to pair this (or another) Unity machine;');
      console.log('  once paired, npm start starts the agent here too.');
      return;
    }
    if (new URL(creds.edge_url).origin !== new URL(edge).origin) {
      console.log(`• agent: paired with ${creds.edge_url}, not this edge; start it there with npx spark-agent start`);
      return;
    }
    const agent = await startAgent(loadConfig({ env: process.env }), { log: consoleLogger() });
    stops.push(() => agent.stop());
    console.log(`• agent "${creds.name ?? 'agent'}" started${agent.trayUrl ? `; its tray is at ${agent.trayUrl}` : ''}`);
  } catch (err) {
    console.log(`• agent not started: ${errorMessage(err)}`);
  }
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the edge did not answer on ${url} within ${timeoutMs / 1000} s`);
}

try {
  stops.push(takeStartLock(STATE_DIR));
  await ensurePortFree(HOST, PORT);
  const { url, workerUrl } = await database();
  await runMigrations(url);
  console.log('• migrations applied');
  ensureDevVars();
  await buildWeb({ log: false });
  console.log('• web UI built');

  const withPassword = new URL(workerUrl);
  if (!withPassword.password) withPassword.password = 'local'; // Hyperdrive's local emulation wants one
  // wrangler's own entry under this Node, not `npx wrangler`: npx runs it under `sh -c`, which
  // does not pass a signal on, so stopping this process alone left wrangler dev and workerd running.
  const wranglerBin = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const wrangler = spawn(process.execPath, [wranglerBin, 'dev', '--ip', HOST, '--port', String(PORT), '--test-scheduled', '--persist-to', `${STATE_DIR}/wrangler`, '--show-interactive-dev-session=false',
    // Miniflare's queue keeps messages in memory: the ingest log keeps accepted events on disk until persisted.
    '--var', 'INGEST_LOG:on',
    // With the Worker's own driver (through the session pool above), not through the local Hyperdrive
    // emulation: its proxy crashes wrangler dev when the database refuses a connection (see dbConfigFromEnv).
    '--var', `DATABASE_URL:${workerUrl}`, '--var', 'DB_DIRECT:on'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword.toString(),
      WRANGLER_SEND_METRICS: 'false',
      // Spark needs no Request.cf data; fetching it only fails offline.
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    },
  });
  stops.push(() => stopChild(wrangler));
  wrangler.on('exit', (code) => {
    if (!stopping) {
      console.error(`wrangler dev stopped (code ${code})`);
      void stopAll(code ?? 1);
    }
  });
  const edge = `http://${HOST}:${PORT}`;
  await waitForHealth(edge, wrangler);
  console.log(`\n  Spark is running at ${edge}\n`);
  await maybeStartAgent(edge);
  console.log('  Cron jobs: curl "' + edge + '/__scheduled?cron=17+3+*+*+*"   ·   Ctrl-C stops everything.\n');
} catch (err) {
  console.error(`npm start failed: ${(err as Error).message}`);
  await stopAll(1);
}
