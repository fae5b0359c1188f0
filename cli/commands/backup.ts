// `spark backup FILE`: the whole project (sessions, history, snapshots, events, chips, members)
// as one NDJSON file, streamed from the edge (project owners). `spark restore FILE --database-url`:
// an operator's restore straight into a database migrated to the same Spark version (a fresh
// database has no account to sign in with, so this one does not go through the edge).
import { once } from 'node:events';
import { access } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { restoreFromFile } from '../../scripts/spark-backup';
import type { CommandGroup } from '../command';
import { CliError, UsageError } from '../errors';
import { formatCount, formatMiB } from '../output';
import { apiFailure } from '../api';

export const backup: CommandGroup = {
  name: 'backup',
  summary: 'the whole project to one NDJSON file (owners)',
  command: {
    summary: 'Streams the project backup into FILE. Snapshot texts stay in the R2 bucket; back that up with it.',
    args: ['FILE'],
    async run(ctx, { FILE }) {
      const project = await ctx.project();
      const res = await (await ctx.api()).request('GET', `/api/projects/${project.id}/backup`);
      if (!res.ok || !res.body) throw await apiFailure(res);
      const out = createWriteStream(FILE!);
      let bytes = 0;
      let lines = 0;
      const bar = ctx.out.progress(() => `backing up: ${formatCount(lines)} rows, ${formatMiB(bytes)}`);
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          for (const b of chunk) if (b === 10) lines++;
          if (!out.write(chunk)) await once(out, 'drain');
          bar.tick();
        }
      } finally {
        out.end();
        await once(out, 'close');
      }
      bar.done();
      const rows = Math.max(0, lines - 1); // the first line is the header
      ctx.out.result({ project_id: project.id, file: FILE, rows, bytes }, () => `backed up ${project.name}: ${formatCount(rows)} rows (${formatMiB(bytes)}) to ${FILE}`);
    },
  },
};

export const restore: CommandGroup = {
  name: 'restore',
  summary: 'a backup file into a database (operators; needs its URL)',
  command: {
    summary: 'Restores FILE into the database at --database-url (or DATABASE_URL) in one transaction; refuses a project that exists there already.',
    args: ['FILE'],
    options: { 'database-url': { type: 'string', value: 'URL', help: 'postgres://… of a database migrated to this Spark version' } },
    async run(ctx, { FILE }, o) {
      const url = (o['database-url'] as string | undefined) ?? ctx.env.DATABASE_URL;
      if (!url) throw new UsageError('--database-url is needed (or DATABASE_URL): restore writes straight into the database');
      if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--database-url ${url}: must be a postgres:// URL`);
      try {
        await access(FILE!);
      } catch {
        throw new UsageError(`FILE ${FILE}: no such file`);
      }
      const bar = ctx.out.progress(() => `restoring ${FILE}…`);
      let done;
      try {
        done = await restoreFromFile(url, FILE!);
      } catch (err) {
        bar.done();
        throw new CliError(`restore failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      bar.done();
      const total = Object.values(done.rows).reduce((a, b) => a + b, 0);
      ctx.out.result({ project_id: done.projectId, rows: done.rows }, () =>
        [`restored project ${done.projectId}: ${formatCount(total)} rows`, ...Object.entries(done.rows).map(([t, n]) => `  ${t}: ${formatCount(n)}`)].join('\n'),
      );
    },
  },
};
