// Applies drizzle/ migrations. Node-only (reads the folder from disk); the lead's
// scripts/migrate.ts and tests call it.
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** Absolute path of the migrations folder, for any drizzle migrator (postgres-js, PGlite…). */
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

// Arbitrary constant: serialises concurrent runMigrations() on the same database.
const MIGRATION_LOCK_KEY = 7_265_001;

/** Applies pending migrations; safe to run twice (and concurrently). */
export async function runMigrations(url: string): Promise<void> {
  // max 1: the advisory lock and the migration transaction share the one connection.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migrate(drizzle({ client: sql }), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
