// `spark replay`: a chip over an exported event log, offline (no edge needed): the report the
// API's evaluations give. Human output is the Markdown report; --json the report itself.
import { writeFile } from 'node:fs/promises';
import { reportMarkdown } from '../../contracts/chip-eval';
import type { CommandGroup } from '../command';
import { UsageError } from '../errors';
import { replayFiles } from '../replay-files';

export const replay: CommandGroup = {
  name: 'replay',
  summary: 'replay a chip over an exported event log, offline: precision, recall, coverage',
  command: {
    summary: 'Replays CHIP.yaml over EVENTS.ndjson (e.g. from `spark events export`), with optional labels; no edge needed.',
    options: {
      chip: { type: 'string', value: 'FILE', help: 'the chip (YAML)' },
      log: { type: 'string', value: 'EVENTS.ndjson', help: 'the event log, one event per line' },
      labels: { type: 'string', value: 'LABELS.json', help: 'hand labels, for precision and recall' },
      out: { type: 'string', value: 'report.md', help: 'also write the report as Markdown here' },
    },
    async run(ctx, _args, o) {
      for (const name of ['chip', 'log'] as const) if (typeof o[name] !== 'string') throw new UsageError(`replay: --${name} is needed`);
      const report = await replayFiles({ chip: o.chip as string, log: o.log as string, labels: o.labels as string | undefined });
      const markdown = reportMarkdown(report);
      if (typeof o.out === 'string') await writeFile(o.out, markdown);
      ctx.out.result(report, () => markdown);
    },
  },
};
