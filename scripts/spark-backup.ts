// `npm run spark:backup -- export|restore`: a whole project (sessions, history, snapshots, events,
// chips, members, …) to one NDJSON file and back, straight against the database. Usage:
//   DATABASE_URL=postgres://… npm run spark:backup -- export <projectId> <file>
//   DATABASE_URL=postgres://… npm run spark:backup -- restore <file>
// Restore runs in one transaction into a database migrated to the same Spark version (an empty
// one, or one without this project); it refuses a project that exists already. The API's
// GET /api/projects/{projectId}/backup gives the same file to a project owner, without other
// members' password hashes. Snapshot texts are rows (snapshot_texts), so snapshots come whole.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BackupError, exportBackup, restoreBackup } from '../db/backup';
import { createDb } from '../db/client';

const usage = 'usage: npm run spark:backup -- export <projectId> <file> | restore <file>   (DATABASE_URL must be set)';

/** Writes the project's backup to `file`; resolves with the number of rows written. */
export async function exportToFile(url: string, projectId: string, file: string, onProgress: (rows: number) => void = () => {}) {
  const { db, close } = createDb({ url, max: 1 });
  const out = createWriteStream(file);
  let rows = -1;
  try {
    for await (const line of exportBackup(db, projectId)) {
      if (!out.write(line + '\n')) await once(out, 'drain');
      if (++rows % 1000 === 0) onProgress(rows);
    }
  } finally {
    out.end();
    await once(out, 'close');
    await close();
  }
  return rows;
}

/** Restores `file` into the database at `url`. */
export async function restoreFromFile(url: string, file: string) {
  const { db, close } = createDb({ url, max: 1 });
  try {
    return await restoreBackup(db, createInterface({ input: createReadStream(file), crlfDelay: Infinity }));
  } finally {
    await close();
  }
}

async function main(argv: string[]): Promise<number> {
  const url = process.env.DATABASE_URL;
  const [cmd, ...args] = argv;
  if (!url || !((cmd === 'export' && args.length === 2) || (cmd === 'restore' && args.length === 1))) {
    console.error(url ? usage : `DATABASE_URL is not set\n${usage}`);
    return 2;
  }
  try {
    if (cmd === 'export') {
      const rows = await exportToFile(url, args[0]!, args[1]!, (n) => process.stderr.write(`\r${n} rows…`));
      console.log(`\nexported project ${args[0]}: ${rows} rows to ${args[1]}`);
    } else {
      const { projectId, rows } = await restoreFromFile(url, args[0]!);
      const total = Object.values(rows).reduce((a, b) => a + b, 0);
      console.log(`restored project ${projectId}: ${total} rows`);
      for (const [table, n] of Object.entries(rows)) console.log(`  ${table}: ${n}`);
    }
    return 0;
  } catch (err) {
    console.error(`${cmd} failed: ${err instanceof BackupError || err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main(process.argv.slice(2));
