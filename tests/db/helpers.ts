// Small fixtures shared by the db tests.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { projects, users } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/**
 * A fresh, migrated database for the tests around the call (made before them, dropped after), and
 * a handle on it read as a DbHandle is (`h.db`, `h.sql`), plus its `url`. Call it before any
 * beforeAll that uses it: hooks run in the order they are declared.
 */
export function useTestDatabase(prefix: string, max?: number) {
  let tdb: TestDatabase | undefined;
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    tdb = await createTestDatabase(prefix);
    handle = createDb({ url: tdb.url, max });
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
  });
  const made = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the test database is made in beforeAll: use it inside a hook or a test');
    return v;
  };
  return {
    get db() {
      return made(handle).db;
    },
    get sql() {
      return made(handle).sql;
    },
    get url() {
      return made(tdb).url;
    },
  };
}

export async function seedProject(db: DbHandle['db'], label = 'p') {
  const [user] = await db
    .insert(users)
    .values({ email: `${label}-${crypto.randomUUID()}@example.com`, passwordHash: 'x' })
    .returning();
  const [project] = await db.insert(projects).values({ name: `Project ${label}`, ownerId: user!.id }).returning();
  return { user: user!, project: project! };
}

/** 'YYYY-MM' of the UTC month `offset` months from `base`. */
export function utcMonth(base: Date, offset: number): { y: number; m: number; start: Date; tag: string } {
  const start = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth() + offset, 1));
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + 1;
  return { y, m, start, tag: `spark_events_y${y}m${String(m).padStart(2, '0')}` };
}

/** How many migrations drizzle-kit has written (its journal), which is how many must be applied. */
export function journalEntries(): number {
  const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}
