// A throwaway, fully migrated database per test file, on the local Postgres.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { runMigrations } from '../../db/migrate';

export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  /** Terminates remaining connections and drops the database. */
  drop(): Promise<void>;
}

export async function createTestDatabase(
  prefix = 'spark_test',
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const name = `${safePrefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((sql) => sql.unsafe(`create database "${name}"`));
  const url = withDatabase(adminUrl, name);
  if (options.migrate ?? true) {
    try {
      await runMigrations(url);
    } catch (err) {
      await dropDatabase(name);
      throw err;
    }
  }
  return { url, name, drop: () => dropDatabase(name) };
}

async function dropDatabase(name: string): Promise<void> {
  await admin((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
}

async function admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
