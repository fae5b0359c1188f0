// drizzle-kit reads every table file in db/schema except index.ts, which re-exports the
// partitioned spark_events (created by the custom migration 0001; generate must not emit it).
// Never use `drizzle-kit push`: it does not know spark_events and would try to drop it.
import { readdirSync } from 'node:fs';
import { defineConfig } from 'drizzle-kit';

const schemaDir = './db/schema';
const schema = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .sort()
  .map((f) => `${schemaDir}/${f}`);

export default defineConfig({
  dialect: 'postgresql',
  out: './drizzle',
  schema,
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/spark' },
  strict: true,
  verbose: true,
});
