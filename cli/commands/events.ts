// `spark events export|import`: the project's event log to and from an NDJSON file (one
// SparkEventV1 per line), streamed, with progress on stderr. Importing the same file twice
// stores nothing twice; an API token needs `read` to export and `ingest` to import.
import { access } from 'node:fs/promises';
import type { CommandGroup } from '../command';
import { exportEvents, importEvents, type Progress } from '../event-log';
import { UsageError } from '../errors';
import { formatCount, formatMiB } from '../output';

/** Unix seconds or an ISO 8601 date-time, as the API takes them. */
function instant(name: string, v: string | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (/^\d{1,12}(\.\d{1,9})?$/.test(s) || (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)))) return s;
  throw new UsageError(`--${name} ${s}: must be unix seconds or an ISO 8601 date-time (2026-11-30T12:00:00Z)`);
}

export const events: CommandGroup = {
  name: 'events',
  summary: 'export the event log to NDJSON, or import NDJSON into a project',
  subcommands: {
    export: {
      summary: 'Streams the event log (oldest first) into FILE ("-": stdout).',
      args: ['FILE'],
      options: {
        session: { type: 'string', value: 'S', help: 'only events of this session_id' },
        since: { type: 'string', value: 'T', help: 'only events at or after T (unix seconds or ISO 8601)' },
        until: { type: 'string', value: 'T', help: 'only events before T' },
      },
      async run(ctx, { FILE }, o) {
        const filter = { session_id: o.session as string | undefined, since: instant('since', o.since), until: instant('until', o.until) };
        const project = await ctx.project();
        const toStdout = FILE === '-';
        let seen: Progress = { lines: 0, bytes: 0 };
        const bar = ctx.out.progress(() => `exporting: ${formatCount(seen.lines)} events, ${formatMiB(seen.bytes)}`);
        const n = await exportEvents(await ctx.api(), project.id, toStdout ? process.stdout : FILE!, filter, (p) => {
          seen = p;
          bar.tick();
        });
        bar.done(`exported ${formatCount(n)} events (${formatMiB(seen.bytes)}) from ${project.name} to ${toStdout ? 'stdout' : FILE}`);
        // With "-" the events are stdout; the summary was the progress line.
        if (!toStdout) ctx.out.result({ project_id: project.id, file: FILE, events: n, bytes: seen.bytes }, () => '');
      },
    },
    import: {
      summary: 'Streams FILE (NDJSON, ≤ 100 MiB) into the project; reports rejected lines by number. Exit 1 when any line was rejected.',
      args: ['FILE'],
      async run(ctx, { FILE }) {
        try {
          await access(FILE!);
        } catch {
          throw new UsageError(`FILE ${FILE}: no such file`);
        }
        const project = await ctx.project();
        let seen: Progress = { lines: 0, bytes: 0 };
        const bar = ctx.out.progress(() => `importing: ${formatCount(seen.lines)} lines, ${formatMiB(seen.bytes)}${seen.total ? ` (${Math.floor((100 * seen.bytes) / seen.total)}%)` : ''}`);
        const report = await importEvents(await ctx.api(), project.id, FILE!, (p) => {
          seen = p;
          bar.tick();
        });
        bar.done(`sent ${formatCount(seen.lines)} lines (${formatMiB(seen.bytes)}) to ${project.name}`);
        ctx.out.result({ project_id: project.id, ...report }, () =>
          [
            `imported ${formatCount(report.imported)}, already there ${formatCount(report.duplicates)}, rejected ${formatCount(report.rejected)} of ${formatCount(report.lines)} lines`,
            ...report.rejections.map((r) => `  line ${r.line}: ${r.code}: ${r.message}`),
          ].join('\n'),
        );
        if (report.rejected > 0) {
          ctx.out.note(`spark: ${report.rejected} lines were rejected`);
          return 1;
        }
        return undefined;
      },
    },
  },
};
