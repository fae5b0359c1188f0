// `npm start` without DATABASE_URL uses embedded PGlite (PostgreSQL 18 in WASM): the same
// migrations, partitioned table and partition function must work there.
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../../db/migrate';
import { ensureEventPartitions } from '../../db/partitions';
import * as schema from '../../db/schema';
import { journalEntries, utcMonth } from './helpers';

describe('migrations on PGlite', () => {
  let client: PGlite;
  let db: ReturnType<typeof drizzle<typeof schema>>;

  beforeAll(async () => {
    client = new PGlite();
    db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('apply, and again idempotently', async () => {
    await migrate(db, { migrationsFolder });
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    expect(rows[0]!.n).toBe(journalEntries());
  });

  it('creates current and next month partitions, and more on demand', async () => {
    const { rows } = await client.query<{ relname: string }>(
      `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'spark_events'::regclass`,
    );
    const now = new Date();
    expect(rows.map((r) => r.relname)).toEqual(expect.arrayContaining([utcMonth(now, 0).tag, utcMonth(now, 1).tag]));
    expect(await ensureEventPartitions(db, now, 3)).toBe(1);
    expect(await ensureEventPartitions(db, now, 3)).toBe(0);
  });

  it('stores and dedupes events, and rejects months without a partition', async () => {
    const [user] = await db.insert(schema.users).values({ email: 'pglite@example.com', passwordHash: 'x' }).returning();
    const [project] = await db.insert(schema.projects).values({ name: 'p', ownerId: user!.id }).returning();
    const event = {
      id: crypto.randomUUID(), occurredAt: new Date(), projectId: project!.id, sessionId: 's',
      source: 'test', kind: 'system' as const, type: 't', payload: { a: 1 },
    };
    const target = [schema.sparkEvents.projectId, schema.sparkEvents.id, schema.sparkEvents.occurredAt];
    expect(await db.insert(schema.sparkEvents).values(event).onConflictDoNothing({ target }).returning()).toHaveLength(1);
    expect(await db.insert(schema.sparkEvents).values(event).onConflictDoNothing({ target }).returning()).toHaveLength(0);
    const stored = await db.select().from(schema.sparkEvents).where(eq(schema.sparkEvents.projectId, project!.id));
    expect(stored).toHaveLength(1);
    await expect(
      db.insert(schema.sparkEvents).values({ ...event, id: crypto.randomUUID(), occurredAt: new Date(Date.UTC(1999, 0, 1)) }),
    ).rejects.toThrow();
  });
});
