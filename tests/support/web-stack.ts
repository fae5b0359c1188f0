// What the browser tests and the agent install test run on: the web UI (and the agent tarball it
// serves) built into a directory of the test's own, so a concurrent build of web/dist cannot pull
// files from under it, served with the API by the real Worker on a fresh database.
import { resolve } from 'node:path';
import { buildWeb } from '../../scripts/build-web';
import type { SparkWorkerOptions } from './spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from './worker-db';

export interface WebStack extends WorkerWithDb {
  /** What buildWeb reported (bundle sizes). */
  built: Awaited<ReturnType<typeof buildWeb>>;
}

/** `name` names the database and the build directory (tests/artifacts/<name>-web-dist). */
export async function startWebStack(name: string, worker: Omit<SparkWorkerOptions, 'databaseUrl' | 'withAssets' | 'assetsDir'> = {}): Promise<WebStack> {
  const outDir = resolve(`tests/artifacts/${name}-web-dist`);
  const built = await buildWeb({ outDir, log: false });
  return { ...(await startWorkerWithDb(name, { ...worker, withAssets: true, assetsDir: outDir })), built };
}
