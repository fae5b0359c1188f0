import { build } from 'esbuild';
import { join } from 'node:path';

/**
 * Bundles a small Worker of a test's own (`entry`, TypeScript) into `dir/worker.js`, as wrangler
 * bundles Spark's: ESM for workerd, `cloudflare:*` and `node:*` left to the runtime.
 */
export async function buildTestWorker(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, 'worker.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'error',
  });
  return outfile;
}
