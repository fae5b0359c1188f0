// `npm run db:migrate`: applies the migrations in drizzle/ to DATABASE_URL.
import { runMigrations } from '../db/migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/spark)');
  process.exit(2);
}
await runMigrations(url);
console.log(`migrations applied to ${new URL(url).pathname.slice(1) || 'the database'}`);
