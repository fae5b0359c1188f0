import { execFileSync } from 'node:child_process';
import postgres from 'postgres';
import { buildWeb } from '../../scripts/build-web';

// Runs once before the integration project: the services must be up, and the Worker is
// bundled once (by wrangler itself) for every Miniflare instance the tests start.
export default async function setup() {
  const admin = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(admin, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (err) {
    throw new Error(`Postgres is not reachable at ${admin} (${(err as Error).message}). Start it, or set TEST_DATABASE_ADMIN_URL.`);
  } finally {
    await sql.end();
  }
  // The UI first: the Worker serves web/dist as its static assets.
  await buildWeb({ log: false });
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist/worker'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: admin, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'warn' },
  });
}
