// The local session pool (scripts/pg-session-pool.ts) in a process of its own, as `npm start`
// runs it: in a lean supervisor, not in a harness whose ~200 MB heap pauses 15–20 ms at a time.
// Every byte between the Worker and Postgres goes through the pool, so where it runs is part of
// what a read costs.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSessionPool } from '../../scripts/pg-session-pool';

export async function startSessionPoolProcess(upstreamUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', upstreamUrl], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(m.error))));
    child.once('exit', (code) => reject(new Error(`the session pool process exited (${code}) before it listened`)));
  });
  return {
    url,
    close: () =>
      child.exitCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill();
          }),
  };
}

const serve = process.argv.indexOf('--serve');
if (serve >= 0) {
  startSessionPool(process.argv[serve + 1]!).then(
    (pool) => {
      process.send!({ url: pool.url });
      process.on('disconnect', () => void pool.close().finally(() => process.exit(0)));
    },
    (err: Error) => process.send!({ error: err.message }, () => process.exit(1)),
  );
}
