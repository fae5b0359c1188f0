// A Postgres cluster of a test's own (initdb/pg_ctl in a temp dir, on a free port), so it can be
// stopped, started or copied into a hot standby without touching the shared server. initdb
// refuses root, so as root the binaries run as the `postgres` user.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  url: string;
  port: number;
  start(): void;
  stop(): void;
  destroy(): void;
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no Postgres binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const asRoot = () => process.getuid?.() === 0;

const run = (bin: string, args: string[]) =>
  execFileSync(asRoot() ? 'runuser' : bin, asRoot() ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** A temp dir the server's user owns, for a data directory, its socket and its log. */
function clusterDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spark-pg-'));
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Starts the server of `dir`/data on a free port (a standby must allow as many connections as its primary). */
async function serve(dir: string): Promise<PgCluster> {
  const data = join(dir, 'data');
  const port = await freePort();
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run(pgBin('pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']),
    stop: () => run(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    destroy: () => {
      try {
        cluster.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}

export async function createPgCluster(): Promise<PgCluster> {
  const dir = clusterDir();
  // Trust auth covers replication connections from 127.0.0.1 too (initdb's pg_hba.conf), and the
  // default wal_level (replica) is enough for a standby.
  run(pgBin('initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  return serve(dir);
}

/**
 * A hot standby of `primary`: `pg_basebackup -R` copies it and writes standby.signal and
 * primary_conninfo, so the new server starts in recovery, streams the primary's WAL and answers
 * read-only queries.
 */
export async function createStandby(primary: PgCluster): Promise<PgCluster> {
  const dir = clusterDir();
  run(pgBin('pg_basebackup'), ['-D', join(dir, 'data'), '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-R', '-X', 'stream', '-c', 'fast']);
  return serve(dir);
}
