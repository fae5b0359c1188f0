import net from 'node:net';
import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createDbWithReplica, dbConfigFromEnv, executeRead, replicaConfigFromEnv, rowsOf, type Db, type DbHandle } from '../../db/client';
import { sessions } from '../../db/schema';
import { introspect } from '../../db/backup';
import { insertOauthClient } from '../../db/queries/oauth';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedProject, useTestDatabase } from './helpers';

// Written once against `Db`: must compile for every driver.
async function latestSessions(db: Db, projectId: string) {
  return db.select().from(sessions).where(eq(sessions.projectId, projectId)).orderBy(desc(sessions.createdAt));
}

describe('createDb (postgres-js)', () => {
  const h = useTestDatabase('spark_client');

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

  it('builds the relational config once, not per instance (a Worker makes one per request)', async () => {
    const a = createDb({ url: h.url });
    const b = createDb({ url: h.url });
    try {
      expect(a.db._.schema).toBeDefined();
      expect(b.db._.schema).toBe(a.db._.schema);
      // Each instance still has its own client and session.
      expect(b.sql).not.toBe(a.sql);
      const { project } = await seedProject(a.db, 'client-cache');
      const found = await b.db.query.projects.findFirst({ where: (p, { eq }) => eq(p.id, project.id), with: { owner: true } });
      expect(found?.createdAt).toBeInstanceOf(Date);
      expect(found?.owner.id).toBe(project.ownerId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('rowsOf reads db.execute() results', async () => {
    const { sql } = await import('drizzle-orm');
    expect(rowsOf<{ one: number }>(await h.db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
    expect(rowsOf({ rows: [{ a: 1 }] })).toEqual([{ a: 1 }]);
  });

  it('close() ends the pool', async () => {
    const other = createDb({ url: h.url, max: 1 });
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
    expect(dbConfigFromEnv({ DATABASE_URL: 'postgres://d/db' })).toEqual({ driver: 'postgres-js', url: 'postgres://d/db', fetchTypes: false, describeFirst: false });
    expect(dbConfigFromEnv({ DATABASE_URL: 'postgres://d/db', DB_DRIVER: 'neon-http' }).driver).toBe('neon-http');
  });

  it('makes a Worker connection that skips the array-type lookup, and still reads and writes a text[] column and the backup catalog', async () => {
    const tdb = await createTestDatabase('client_worker_conn');
    const h = createDb(dbConfigFromEnv({ DATABASE_URL: tdb.url }));
    try {
      const client = await insertOauthClient(h.db, 'probe', ['https://a.example/cb', 'http://127.0.0.1:3000/x,y']);
      expect(client.redirectUris).toEqual(['https://a.example/cb', 'http://127.0.0.1:3000/x,y']);
      const { tables } = await introspect(h.db);
      expect(tables.find((t) => t.name === 'spark_events')?.pk).toEqual(['project_id', 'id', 'occurred_at']);
      // The lookup really is off: a bare array result stays the Postgres text form.
      expect(rowsOf<{ a: unknown }>(await h.db.execute(sql`select array['x', 'y'] as a`))[0]!.a).toBe('{x,y}');
    } finally {
      await h.close();
      await tdb.drop();
    }
  });

  it('makes a Worker connection that sends a new parameterized statement in one flight, and still binds every kind of value right', async () => {
    const tdb = await createTestDatabase('client_one_flight');
    const wire = await watchFrontend(tdb.url);
    const worker = createDb(dbConfigFromEnv({ DATABASE_URL: wire.url }));
    const plain = createDb({ url: wire.url, max: 1 });
    try {
      const { project, user } = await seedProject(worker.db, 'one-flight');
      const at = new Date('2026-11-30T23:59:59.123Z');
      const [row] = await worker.db
        .insert(sessions)
        .values({ projectId: project.id, name: "it's 'quoted' ✓", createdBy: user.id, meta: { n: 1, nested: ['a', null] }, expiresAt: at })
        .returning();
      expect(row).toMatchObject({ name: "it's 'quoted' ✓", meta: { n: 1, nested: ['a', null] }, expiresAt: at });
      const probe = sql`select ${42}::int as n, ${true}::boolean as b, ${null}::text as z, ${'{"k":[1]}'}::jsonb as j, ${at.toISOString()}::timestamptz = ${at.toISOString()}::timestamptz as same`;
      expect(rowsOf(await worker.db.execute(probe))).toEqual([{ n: 42, b: true, z: null, j: { k: [1] }, same: true }]);
      // postgres.js's default flushes after Parse/Describe and waits; the Worker's connection never does.
      expect(wire.flushes()).toBe(0);
      await plain.db.execute(probe);
      expect(wire.flushes()).toBeGreaterThan(0);
    } finally {
      await worker.close();
      await plain.close();
      await wire.close();
      await tdb.drop();
    }
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

describe('replicaConfigFromEnv', () => {
  it('is undefined without a replica: every read goes to the primary', () => {
    expect(replicaConfigFromEnv({ DATABASE_URL: 'postgres://d/db', HYPERDRIVE: { connectionString: 'postgres://h/db' } })).toBeUndefined();
  });

  it('prefers the HYPERDRIVE_REPLICA binding, then DATABASE_REPLICA_URL (first with DB_DIRECT=on), with the primary\'s driver', () => {
    const binding = { connectionString: 'postgres://hr/db' };
    expect(replicaConfigFromEnv({ HYPERDRIVE_REPLICA: binding, DATABASE_REPLICA_URL: 'postgres://r/db' })).toEqual({ driver: 'postgres-js', url: 'postgres://hr/db', max: 5, fetchTypes: false, describeFirst: false });
    expect(replicaConfigFromEnv({ HYPERDRIVE_REPLICA: binding, DATABASE_REPLICA_URL: 'postgres://r/db', DB_DIRECT: 'on' })).toEqual({ driver: 'postgres-js', url: 'postgres://r/db', fetchTypes: false, describeFirst: false });
    expect(replicaConfigFromEnv({ DATABASE_REPLICA_URL: 'postgres://r/db', DB_DRIVER: 'neon-http' })).toEqual({ driver: 'neon-http', url: 'postgres://r/db', fetchTypes: false, describeFirst: false });
  });
});

// Two databases stand in for primary and replica here (tests/integration/read-replica.test.ts
// uses a real hot standby): a row only one of them has shows where each query went.
describe('createDbWithReplica', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let h: DbHandle;
  let seenOnReplica: { project: { id: string }; user: { id: string } };

  beforeAll(async () => {
    [primary, replica] = await Promise.all([createTestDatabase('spark_primary'), createTestDatabase('spark_replica')]);
    h = createDbWithReplica({ url: primary.url, max: 2 }, { url: replica.url, max: 2 });
    const onReplica = createDb({ url: replica.url, max: 1 });
    seenOnReplica = await seedProject(onReplica.db, 'replica');
    await onReplica.close();
  });
  afterAll(async () => {
    await h?.close();
    await primary?.drop();
    await replica?.drop();
  });

  it('reads selects from the replica and writes to the primary through readDb', async () => {
    const readDb = h.readDb!;
    expect(await latestSessions(readDb, seenOnReplica.project.id)).toEqual([]);
    // The project exists only on the replica: readDb's select finds it, the primary's does not.
    const { projects } = await import('../../db/schema');
    expect(await readDb.select().from(projects).where(eq(projects.id, seenOnReplica.project.id))).toHaveLength(1);
    expect(await h.db.select().from(projects).where(eq(projects.id, seenOnReplica.project.id))).toHaveLength(0);

    const { project, user } = await seedProject(readDb, 'written-through-readdb');
    expect(await h.db.select().from(projects).where(eq(projects.id, project.id))).toHaveLength(1);
    expect(await readDb.select().from(projects).where(eq(projects.id, project.id))).toHaveLength(0);
    expect(user.id).toBeTruthy();
  });

  it('sends execute() to the primary, and executeRead() to the replica', async () => {
    const { sql } = await import('drizzle-orm');
    const here = (db: Db) => db.execute(sql`select current_database() as name`);
    expect(rowsOf<{ name: string }>(await here(h.readDb!))[0]!.name).toBe(primary.name);
    const read = (db: Db) => executeRead(db, sql`select current_database() as name`);
    expect(rowsOf<{ name: string }>(await read(h.readDb!))[0]!.name).toBe(replica.name);
    expect(rowsOf<{ name: string }>(await read(h.db))[0]!.name).toBe(primary.name);
  });

  it('without a replica, readDb is the primary itself', async () => {
    const only = createDbWithReplica({ url: primary.url, max: 1 });
    expect(only.readDb).toBe(only.db);
    await only.close();
  });
});

/**
 * A loopback proxy in front of Postgres that reads what clients send: how many Flush messages
 * (postgres.js sends one only when it stops to wait for a statement's description).
 */
async function watchFrontend(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  let flushes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const pg = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, pg]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.once('close', () => sockets.delete(s));
    }
    let buffered = Buffer.alloc(0);
    let started = false; // the startup packet has no type byte
    client.on('data', (chunk) => {
      pg.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const head = started ? 1 : 0;
        if (buffered.length < head + 4) break;
        const length = buffered.readInt32BE(head);
        if (buffered.length < head + length) break;
        if (started && buffered[0] === 0x48 /* H */) flushes++;
        buffered = buffered.subarray(head + length);
        started = true;
      }
    });
    pg.on('data', (chunk) => client.write(chunk));
    client.once('close', () => pg.end());
    pg.once('close', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    flushes: () => flushes,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
