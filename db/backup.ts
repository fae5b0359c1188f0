// A whole project as one NDJSON file, and back. Line 1 is a header (format, version, project,
// schema); every other line is one row: {"table": "...", "row": {...}} with the row exactly as
// Postgres' to_jsonb gives it (json_populate_recordset reads it back losslessly). Tables are
// found by looking at the database, not listed here, so a table added later is backed up too:
// - `projects` (the one row), every table with a project_id column (the partitioned event log
//   included), and tables that hang off those by a foreign key (assistant_messages → sessions);
// - the rows of other tables those point at (users, oauth_clients): only the referenced rows.
// Rows come out parents first (foreign-key order), so a restore inserts them as they come.
// Works through Drizzle with raw SQL, in the Worker (the export route) and in Node (the script).
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { rowsOf } from './client';
import { ensureEventPartitions } from './partitions';

type AnyDb = PgDatabase<PgQueryResultHKT, any>;

export const BACKUP_FORMAT = 'spark-backup';
export const BACKUP_VERSION = 1;
export const BACKUP_PAGE_ROWS = 500;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  project_id: string;
  exported_at: string;
  /** How many migrations the exporting database had: a restore needs the same schema. */
  migrations: number;
  /** Tables in the order their rows follow. */
  tables: string[];
  /** Columns whose values were withheld (an export through the API withholds other people's password hashes). */
  redacted: string[];
}
export interface BackupRow {
  table: string;
  row: Record<string, unknown>;
}

/** Tables shared with other projects: a restore keeps a row already there (same id) instead of failing. */
const SHARED_TABLES = new Set(['users', 'oauth_clients']);

export interface TablePlan {
  name: string;
  pk: string[];
  /** Which rows belong to the project ($project stands for the project id). */
  filter: (project: string) => SQL;
}

interface TableInfo {
  name: string;
  hasProjectId: boolean;
  pk: string[];
}
interface ForeignKey {
  table: string;
  column: string;
  refTable: string;
  refColumn: string;
}

const ident = (s: string) => sql.raw(`"${s.replace(/"/g, '""')}"`);

/** The tables of a project, parents first, each with the filter that picks its rows. */
export function planTables(tables: TableInfo[], fks: ForeignKey[]): TablePlan[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const filters = new Map<string, (p: string) => SQL>();
  filters.set('projects', (p) => sql`${ident('id')} = ${p}::uuid`);
  for (const t of tables) if (t.hasProjectId) filters.set(t.name, (p) => sql`${ident('project_id')} = ${p}::uuid`);
  // Children without a project_id, through a foreign key to a project table (to a fixed point).
  for (let grew = true; grew; ) {
    grew = false;
    for (const fk of fks) {
      const parent = filters.get(fk.refTable);
      if (filters.has(fk.table) || !parent || fk.refTable === fk.table || SHARED_TABLES.has(fk.table)) continue;
      filters.set(fk.table, (p) => sql`${ident(fk.column)} in (select ${ident(fk.refColumn)} from ${ident(fk.refTable)} where ${parent(p)})`);
      grew = true;
    }
  }
  // Shared parents: the rows the project's rows point at.
  const owned = new Map(filters);
  for (const shared of SHARED_TABLES) {
    const refs = fks.filter((fk) => fk.refTable === shared && owned.has(fk.table));
    if (refs.length === 0 || !byName.has(shared)) continue;
    filters.set(shared, (p) => {
      const sources = sql.join(
        refs.map((fk) => sql`select ${ident(fk.column)} from ${ident(fk.table)} where ${owned.get(fk.table)!(p)}`),
        sql` union `,
      );
      return sql`${ident(refs[0]!.refColumn)} in (${sources})`;
    });
  }
  // Parents first.
  const included = [...filters.keys()].filter((n) => byName.has(n));
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (ordered.includes(n) || visiting.has(n)) return;
    visiting.add(n);
    for (const fk of fks) if (fk.table === n && fk.refTable !== n && filters.has(fk.refTable)) visit(fk.refTable);
    visiting.delete(n);
    ordered.push(n);
  };
  for (const n of included.sort()) visit(n);
  return ordered.map((name) => ({ name, pk: byName.get(name)!.pk, filter: filters.get(name)! }));
}

/**
 * Reads the tables and single-column foreign keys of the public schema (partitions as their parent).
 * Lists come back as JSON, not Postgres arrays: a Worker's connection does not look array types up.
 */
export async function introspect(db: AnyDb): Promise<{ tables: TableInfo[]; fks: ForeignKey[] }> {
  const tables = rowsOf<{ name: string; has_project_id: boolean; pk: string[] }>(
    await db.execute(sql`
      select c.relname as name,
             exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'project_id' and not a.attisdropped) as has_project_id,
             coalesce((select jsonb_agg(a.attname::text order by k.ord) from pg_index i
                         cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
                         join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                        where i.indrelid = c.oid and i.indisprimary), '[]'::jsonb) as pk
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`),
  );
  const fks = rowsOf<{ table: string; column: string; ref_table: string; ref_column: string }>(
    await db.execute(sql`
      select c.relname as "table", a.attname as "column", rc.relname as ref_table, ra.attname as ref_column
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_class rc on rc.oid = k.confrelid
        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
        join pg_attribute ra on ra.attrelid = k.confrelid and ra.attnum = k.confkey[1]
       where k.contype = 'f' and n.nspname = 'public' and array_length(k.conkey, 1) = 1 and not c.relispartition`),
  );
  return {
    tables: tables.map((t) => ({ name: t.name, hasProjectId: t.has_project_id, pk: t.pk })),
    fks: fks.map((f) => ({ table: f.table, column: f.column, refTable: f.ref_table, refColumn: f.ref_column })),
  };
}

async function migrationCount(db: AnyDb): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
  return Number(rows[0]?.n ?? 0);
}

export interface ExportOptions {
  /** Replace each row's value of table.column, e.g. to withhold secrets. */
  redact?: { column: string; table: string; keep: (row: Record<string, unknown>) => boolean; value: unknown };
  pageRows?: number;
}

/** The project's backup, line by line (header first); pages through each table by primary key. */
export async function* exportBackup(db: AnyDb, projectId: string, opts: ExportOptions = {}): AsyncGenerator<string> {
  const plan = planTables(...(Object.values(await introspect(db)) as [TableInfo[], ForeignKey[]]));
  const exists = rowsOf(await db.execute(sql`select 1 from projects where id = ${projectId}::uuid`));
  if (exists.length === 0) throw new Error(`no project ${projectId}`);
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    project_id: projectId,
    exported_at: new Date().toISOString(),
    migrations: await migrationCount(db),
    tables: plan.map((t) => t.name),
    redacted: opts.redact ? [`${opts.redact.table}.${opts.redact.column}`] : [],
  };
  yield JSON.stringify(header);
  const pageRows = opts.pageRows ?? BACKUP_PAGE_ROWS;
  for (const t of plan) {
    let after: unknown[] | null = null;
    for (;;) {
      const cols = sql.join(t.pk.map((c) => sql`t.${ident(c)}`), sql`, `);
      const past: SQL = after ? sql`and (${cols}) > (${sql.join(after.map((v) => sql`${v}`), sql`, `)})` : sql``;
      const rows = rowsOf<{ r: Record<string, unknown>; k: unknown[] }>(
        await db.execute(sql`select to_jsonb(t) as r, jsonb_build_array(${sql.join(t.pk.map((c) => sql`t.${ident(c)}::text`), sql`, `)}) as k
                               from ${ident(t.name)} t where ${t.filter(projectId)} ${past} order by ${cols} limit ${pageRows}`),
      );
      for (const { r } of rows) {
        const row = typeof r === 'string' ? (JSON.parse(r) as Record<string, unknown>) : r;
        if (opts.redact && t.name === opts.redact.table && !opts.redact.keep(row)) row[opts.redact.column] = opts.redact.value;
        yield JSON.stringify({ table: t.name, row } satisfies BackupRow);
      }
      if (rows.length < pageRows) break;
      after = rows[rows.length - 1]!.k;
    }
  }
}

export class BackupError extends Error {}

/**
 * Restores a backup (its lines, header first) in one transaction: all of it or nothing. Refuses a
 * project that already exists, and a backup of another schema. Rows of shared tables (users,
 * oauth_clients) already present (same id) are kept. Returns the rows restored per table.
 */
export async function restoreBackup(db: AnyDb, lines: AsyncIterable<string>): Promise<{ projectId: string; rows: Record<string, number> }> {
  const it = lines[Symbol.asyncIterator]();
  const first = await nextLine(it);
  let header: BackupHeader;
  try {
    header = JSON.parse(first ?? '') as BackupHeader;
  } catch {
    throw new BackupError('line 1 is not a backup header (JSON)');
  }
  if (header?.format !== BACKUP_FORMAT) throw new BackupError(`line 1 is not a ${BACKUP_FORMAT} header`);
  if (header.version !== BACKUP_VERSION) throw new BackupError(`backup version ${header.version} is not ${BACKUP_VERSION}`);
  const migrations = await migrationCount(db);
  if (header.migrations !== migrations)
    throw new BackupError(`the backup is of a database with ${header.migrations} migrations and this one has ${migrations}: migrate (npm run db:migrate) the same Spark version first`);
  const counts: Record<string, number> = {};
  await db.transaction(async (tx) => {
    if (rowsOf(await tx.execute(sql`select 1 from projects where id = ${header.project_id}::uuid`)).length > 0)
      throw new BackupError(`project ${header.project_id} already exists in this database`);
    const known = new Set(header.tables);
    const months = new Set<string>();
    let batch: BackupRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const table = batch[0]!.table;
      if (table === 'spark_events')
        for (const b of batch) {
          const month = String(b.row.occurred_at).slice(0, 7);
          if (!months.has(month)) await ensureEventPartitions(tx, new Date(`${month}-01T00:00:00Z`), 1);
          months.add(month);
        }
      const json = JSON.stringify(batch.map((b) => b.row));
      const conflict = SHARED_TABLES.has(table) ? sql` on conflict do nothing` : sql``;
      await tx.execute(sql`insert into ${ident(table)} select * from json_populate_recordset(null::${ident(table)}, ${json}::json)${conflict}`);
      counts[table] = (counts[table] ?? 0) + batch.length;
      batch = [];
    };
    let n = 1;
    for (let line = await nextLine(it); line !== undefined; line = await nextLine(it)) {
      n++;
      if (line.trim() === '') continue;
      let row: BackupRow;
      try {
        row = JSON.parse(line) as BackupRow;
      } catch {
        throw new BackupError(`line ${n} is not JSON`);
      }
      if (!row || typeof row.table !== 'string' || !known.has(row.table) || typeof row.row !== 'object' || row.row === null)
        throw new BackupError(`line ${n} is not a row of a table the header lists`);
      if (batch.length > 0 && (batch[0]!.table !== row.table || batch.length >= BACKUP_PAGE_ROWS)) await flush();
      batch.push(row);
    }
    await flush();
  });
  return { projectId: header.project_id, rows: counts };
}

async function nextLine(it: AsyncIterator<string>): Promise<string | undefined> {
  const r = await it.next();
  return r.done ? undefined : r.value;
}
