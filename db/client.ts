// One schema, several drivers. Query code takes a `Db` and never cares which driver is behind it.
import { neon } from '@neondatabase/serverless';
import { drizzle as drizzleNeonHttp } from 'drizzle-orm/neon-http';
import { createTableRelationsHelpers, extractTablesRelationalConfig, type ExtractTablesWithRelations, type RelationalSchemaConfig, type SQL } from 'drizzle-orm';
import { PgDialect, withReplicas, type PgDatabase, type PgQueryResultHKT, type PgWithReplicas } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgresJs, PostgresJsDatabase, PostgresJsSession } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export { schema };
export type Schema = typeof schema;

/**
 * Common supertype of every driver's drizzle instance. Caveats for query code:
 * - `db.execute()` result shapes differ by driver (an array for postgres.js, `{ rows }` for
 *   neon-http/PGlite): read them through `rowsOf()`.
 * - neon-http has no interactive `db.transaction()`; prefer single statements (CTEs, upserts).
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbDriver = 'postgres-js' | 'neon-http';

export interface DbConfig {
  driver?: DbDriver;
  url: string;
  /** Pool size for postgres.js (default 5; Workers allow only a few sockets per request). */
  max?: number;
  /** postgres.js named prepared statements (default true). Set false behind poolers that cannot keep them. */
  prepare?: boolean;
  /**
   * postgres.js asks the catalog for array types when it connects (default true), so that JS
   * arrays go out and come back as Postgres arrays. It costs a round trip and a catalog query on
   * every new connection, and a Worker opens one per request (~4 ms of a ~14 ms read, measured):
   * the Worker's configs turn it off (see WORKER_CONNECTION).
   */
  fetchTypes?: boolean;
  /**
   * postgres.js waits for a new parameterized statement's parameter types (Parse, Describe, Flush)
   * before it sends Bind and Execute (default true): one more round trip for every statement the
   * connection has not prepared, which in a Worker, a new connection per request, is every one.
   * false sends the statement in one flight (node-postgres's way); parameters go as text by their
   * JS type and the server infers the rest (patches/postgres+3.4.9.patch adds the option).
   */
  describeFirst?: boolean;
}

export interface DbHandle {
  /** The primary: every write, and every read that must see what was just written. */
  db: Db;
  /**
   * For reads that may lag (lists, dashboards, exports): with a replica configured, drizzle's
   * `withReplicas(db, [replica])`, whose select/$count/query go to the replica while insert,
   * update, delete, execute and transaction still go to the primary. Absent (or `db` itself)
   * when there is no replica. One trap: withReplicas sends `with(cte)` to the replica too, so a
   * statement that starts `readDb.with(...)` must only read.
   */
  readDb?: Db;
  /** The raw postgres.js client (bulk inserts with unnest, LISTEN…); absent for neon-http. */
  sql?: postgres.Sql;
  /** Ends the connections; in a Worker call it via ctx.waitUntil(handle.close()). */
  close(): Promise<void>;
}

export function createDb(config: DbConfig): DbHandle {
  const driver = config.driver ?? 'postgres-js';
  if (driver === 'neon-http') {
    // Neon's HTTP endpoint only: this cannot talk to plain Postgres (it needs Neon's proxy).
    const db = drizzleNeonHttp({ client: neon(config.url), schema });
    return { db, close: async () => {} };
  }
  if (driver !== 'postgres-js') throw new Error(`Unknown DB driver "${String(driver)}"`);
  const sql = postgres(config.url, {
    max: config.max ?? 5,
    // Fail fast when the database is away: a Worker request or queue batch should not hang.
    connect_timeout: 3,
    prepare: config.prepare ?? true,
    fetch_types: config.fetchTypes ?? true,
    describe_first: config.describeFirst ?? true,
    onnotice: () => {},
  });
  return { db: drizzleOn(sql), sql, close: () => sql.end({ timeout: 5 }) };
}

let relationalConfig: RelationalSchemaConfig<ExtractTablesWithRelations<Schema>> | undefined;

/**
 * drizzle on a postgres.js client, with the schema's relational config built once per process:
 * drizzle() builds it again for every instance, and a Worker makes one per request (86 of the
 * ~525 KiB a list request allocated, by the isolate's sampling heap profiler). drizzle()
 * without a schema still prepares the client (it leaves dates to drizzle's columns); the database
 * is then made as drizzle() makes it, with the cached config.
 */
export function drizzleOn(sql: postgres.Sql): Db {
  drizzlePostgresJs({ client: sql });
  if (!relationalConfig) {
    const tables = extractTablesRelationalConfig<ExtractTablesWithRelations<Schema>>(schema, createTableRelationsHelpers);
    relationalConfig = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }
  const dialect = new PgDialect();
  return new PostgresJsDatabase<Schema>(dialect, new PostgresJsSession(sql, dialect, relationalConfig, {}), relationalConfig);
}

/**
 * The primary and, when `replica` is given, a lag-tolerant `readDb` on it (see DbHandle). Both
 * postgres.js clients connect on their first query, so a request that reads nothing lagging
 * opens no replica connection.
 */
export function createDbWithReplica(primary: DbConfig, replica?: DbConfig): DbHandle {
  const main = createDb(primary);
  if (!replica) return { ...main, readDb: main.db };
  const standby = createDb(replica);
  return {
    ...main,
    readDb: withReplicas(main.db, [standby.db]),
    close: async () => {
      await Promise.all([main.close(), standby.close()]);
    },
  };
}

/** The database of a Worker request: the primary from dbConfigFromEnv, the replica from replicaConfigFromEnv. */
export function createDbFromEnv(env: DbEnv): DbHandle {
  return createDbWithReplica(dbConfigFromEnv(env), replicaConfigFromEnv(env));
}

/**
 * A raw read-only statement on the replica when `db` has one (a `readDb`), else on `db`.
 * withReplicas sends every execute() to the primary, as it cannot tell a read from a write:
 * call this only with a statement that writes nothing (a standby refuses writes).
 */
export function executeRead(db: Db, query: SQL) {
  const replicas = (db as Partial<PgWithReplicas<Db>>).$replicas;
  return (replicas?.[0] ?? db).execute(query);
}

export interface DbEnv {
  HYPERDRIVE?: { connectionString: string };
  DATABASE_URL?: string;
  /** A read replica (hot standby) through a second Hyperdrive configuration. */
  HYPERDRIVE_REPLICA?: { connectionString: string };
  /** A read replica's connection string (used when HYPERDRIVE_REPLICA is not bound, or with DB_DIRECT=on). */
  DATABASE_REPLICA_URL?: string;
  DB_DRIVER?: string;
  /** "on": use DATABASE_URL even though HYPERDRIVE is bound (npm start; see below). */
  DB_DIRECT?: string;
}

/**
 * What a Worker's connection leaves out. Worker code sends no array parameters (drizzle expands a
 * list into one parameter each; bulk rows travel as one JSON parameter) and reads arrays only as
 * drizzle array columns, which parse the text form, or as JSON; so it needs no type lookup. Its
 * parameters are strings, numbers, booleans and JSON text that drizzle has already serialized,
 * which the server reads right without postgres.js learning their types first: no describe round trip.
 */
const WORKER_CONNECTION = { fetchTypes: false, describeFirst: false } as const satisfies Partial<DbConfig>;

/**
 * Hyperdrive binding first, then DATABASE_URL; DB_DRIVER picks the driver (default postgres-js).
 * DB_DIRECT=on skips the binding: under `wrangler dev` 4.86 the local Hyperdrive emulation proxies
 * through a Node socket without an error listener, so a database that refuses connections (down,
 * restarting) crashes wrangler dev itself and with it the whole edge (/health included).
 */
export function dbConfigFromEnv(env: DbEnv): DbConfig {
  const driver = parseDriver(env.DB_DRIVER);
  if (env.DB_DIRECT === 'on' && env.DATABASE_URL) return { driver, url: env.DATABASE_URL, ...WORKER_CONNECTION };
  if (env.HYPERDRIVE?.connectionString) {
    // Hyperdrive speaks the Postgres wire protocol: always postgres.js behind it.
    return { driver: 'postgres-js', url: env.HYPERDRIVE.connectionString, max: 5, ...WORKER_CONNECTION };
  }
  if (env.DATABASE_URL) return { driver, url: env.DATABASE_URL, ...WORKER_CONNECTION };
  throw new Error(
    'No database configured: bind HYPERDRIVE (wrangler.toml [[hyperdrive]]) or set DATABASE_URL ' +
      '(e.g. postgres://postgres@127.0.0.1:5432/spark).',
  );
}

/**
 * The read replica, if any, in the same order as the primary: DATABASE_REPLICA_URL with
 * DB_DIRECT=on, then the HYPERDRIVE_REPLICA binding, then DATABASE_REPLICA_URL. Undefined: no
 * replica, every read goes to the primary.
 */
export function replicaConfigFromEnv(env: DbEnv): DbConfig | undefined {
  const driver = parseDriver(env.DB_DRIVER);
  if (env.DB_DIRECT === 'on' && env.DATABASE_REPLICA_URL) return { driver, url: env.DATABASE_REPLICA_URL, ...WORKER_CONNECTION };
  if (env.HYPERDRIVE_REPLICA?.connectionString) {
    return { driver: 'postgres-js', url: env.HYPERDRIVE_REPLICA.connectionString, max: 5, ...WORKER_CONNECTION };
  }
  if (env.DATABASE_REPLICA_URL) return { driver, url: env.DATABASE_REPLICA_URL, ...WORKER_CONNECTION };
  return undefined;
}

function parseDriver(value: string | undefined): DbDriver {
  if (value === undefined || value === '') return 'postgres-js';
  if (value === 'postgres-js' || value === 'neon-http') return value;
  throw new Error(`DB_DRIVER must be "postgres-js" or "neon-http", got "${value}"`);
}

/** Rows of a `db.execute()` result, whatever the driver (array vs `{ rows }`). */
export function rowsOf<T extends Record<string, unknown> = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  if (Array.isArray(rows)) return rows as T[];
  throw new Error('Unrecognised db.execute() result shape');
}
