// The real Worker (workerd) on a fresh, migrated database of its own, with a direct client for
// the test to read what the Worker wrote: the setup of every test about the event pipeline.
import postgres from 'postgres';
import { startSparkWorker, type SparkWorker, type SparkWorkerOptions } from './spark-worker';
import { createTestDatabase, type TestDatabase } from './test-db';

export interface WorkerWithDb {
  db: TestDatabase;
  worker: SparkWorker;
  /** Straight to the database (not through the Worker). */
  sql: postgres.Sql;
  /** Closes the client, the Worker, then drops the database. */
  dispose(): Promise<void>;
}

export interface WorkerWithDbOptions extends Omit<SparkWorkerOptions, 'databaseUrl'> {
  /** The URL the Worker is given, from the database's (e.g. through a proxy the test controls). */
  workerDatabaseUrl?: (url: string) => string | Promise<string>;
}

/** `name` prefixes the database's name. */
export async function startWorkerWithDb(name: string, opts: WorkerWithDbOptions = {}): Promise<WorkerWithDb> {
  const { workerDatabaseUrl, ...workerOpts } = opts;
  const db = await createTestDatabase(name);
  let worker: SparkWorker;
  try {
    worker = await startSparkWorker({ ...workerOpts, databaseUrl: workerDatabaseUrl ? await workerDatabaseUrl(db.url) : db.url });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  return {
    db,
    worker,
    sql,
    async dispose() {
      await sql.end();
      await worker.dispose();
      await db.drop();
    },
  };
}
