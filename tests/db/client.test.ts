import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dbConfigFromEnv, rowsOf, type Db, type DbHandle } from '../../db/client';
import { sessions } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedProject } from './helpers';

// Written once against `Db`: must compile for every driver.
async function latestSessions(db: Db, projectId: string) {
  return db.select().from(sessions).where(eq(sessions.projectId, projectId)).orderBy(desc(sessions.createdAt));
}

describe('createDb (postgres-js)', () => {
  let tdb: TestDatabase;
  let h: DbHandle;

  beforeAll(async () => {
    tdb = await createTestDatabase('spark_client');
    h = createDb({ url: tdb.url });
  });
  afterAll(async () => {
    await h?.close();
    await tdb?.drop();
  });

  it('round-trips a row through drizzle with the schema', async () => {
    const { project, user } = await seedProject(h.db, 'client');
    const [created] = await h.db
      .insert(sessions)
      .values({ projectId: project.id, name: 'first', createdBy: user.id, meta: { unity: '6000.0' } })
      .returning();
    expect(created).toMatchObject({ state: 'active', meta: { unity: '6000.0' }, expiresAt: null });
    expect(created!.createdAt).toBeInstanceOf(Date);

    const rows = await latestSessions(h.db, project.id);
    expect(rows).toEqual([created]);

    // Relational queries work because the schema (with relations) is attached.
    const withSessions = await h.db.query.projects.findFirst({
      where: (p, { eq }) => eq(p.id, project.id),
      with: { sessions: true, owner: true },
    });
    expect(withSessions?.sessions.map((s) => s.id)).toEqual([created!.id]);
    expect(withSessions?.owner.email).toBe(user.email);
  });

  it('rowsOf reads db.execute() results', async () => {
    const { sql } = await import('drizzle-orm');
    expect(rowsOf<{ one: number }>(await h.db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
    expect(rowsOf({ rows: [{ a: 1 }] })).toEqual([{ a: 1 }]);
  });

  it('close() ends the pool', async () => {
    const other = createDb({ url: tdb.url, max: 1 });
    await other.sql!`select 1`;
    await other.close();
    await expect(other.sql!`select 1`).rejects.toThrow();
  });
});

describe('dbConfigFromEnv', () => {
  it('prefers Hyperdrive, then DATABASE_URL', () => {
    expect(dbConfigFromEnv({ HYPERDRIVE: { connectionString: 'postgres://h/db' }, DATABASE_URL: 'postgres://d/db' })).toMatchObject({
      driver: 'postgres-js',
      url: 'postgres://h/db',
    });
    expect(dbConfigFromEnv({ DATABASE_URL: 'postgres://d/db' })).toEqual({ driver: 'postgres-js', url: 'postgres://d/db' });
    expect(dbConfigFromEnv({ DATABASE_URL: 'postgres://d/db', DB_DRIVER: 'neon-http' }).driver).toBe('neon-http');
  });

  it('throws clearly when nothing is configured or the driver is unknown', () => {
    expect(() => dbConfigFromEnv({})).toThrow(/HYPERDRIVE.*DATABASE_URL/);
    expect(() => dbConfigFromEnv({ DATABASE_URL: 'postgres://d/db', DB_DRIVER: 'mysql' })).toThrow(/DB_DRIVER/);
  });

  it('builds a neon-http instance without connecting', async () => {
    const h = createDb({ driver: 'neon-http', url: 'postgres://user:pw@ep-example.neon.tech/db' });
    expect(h.sql).toBeUndefined();
    expect(typeof h.db.select).toBe('function');
    await h.close();
  });
});
