// `spark replay`: a chip replayed over an event log from files alone (local-first), giving the
// report the API gives (the same functions). Usage:
//   tsx scripts/spark-replay.ts --chip CHIP.yaml --log EVENTS.ndjson [--labels LABELS.json] [--out report.md]
// The report is printed as JSON; --out also writes it as Markdown.
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { byTimeThenId, labelProblem, replayChip, reportMarkdown, type ReplayEvent } from '../contracts/chip-eval';
import { chipLabels, parseChipYaml, type ChipReport } from '../contracts/chips';
import { firstIssue } from '../contracts/errors';

// What replay reads of each line (an exported event has more; the rest is ignored).
const logLine = z.object({ id: z.string().min(1), ts: z.number(), type: z.string().min(1), payload: z.unknown() });

/** A problem with one of the input files, named by file and line or field. */
export class ReplayInputError extends Error {}

/** Reads an NDJSON event log (blank lines skipped), sorted into replay order. */
export async function readEventLog(file: string): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ReplayInputError(`${file} line ${n}: not JSON`);
    }
    const parsed = logLine.safeParse(value);
    if (!parsed.success) throw new ReplayInputError(`${file} line ${n}: ${firstIssue(parsed.error, value).message}`);
    const { id, ts, type, payload } = parsed.data;
    events.push({ id, ts, type, payload });
  }
  return events.sort(byTimeThenId);
}

export async function replayFiles(opts: { chip: string; log: string; labels?: string }): Promise<ChipReport> {
  const parsed = parseChipYaml(await readFile(opts.chip, 'utf8'));
  if (!parsed.ok) throw new ReplayInputError(`${opts.chip}: ${parsed.problem.message}`);
  let labels: z.infer<typeof chipLabels> | undefined;
  if (opts.labels) {
    const value: unknown = JSON.parse(await readFile(opts.labels, 'utf8'));
    const l = chipLabels.safeParse(value);
    if (!l.success) throw new ReplayInputError(`${opts.labels}: ${firstIssue(l.error, value).message}`);
    const problem = labelProblem(parsed.chip, l.data);
    if (problem) throw new ReplayInputError(`${opts.labels}: ${problem.message}`);
    labels = l.data;
  }
  return replayChip(parsed.chip, await readEventLog(opts.log), labels);
}

async function main(argv: string[]) {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const chip = flag('chip');
  const log = flag('log');
  if (!chip || !log) {
    console.error('usage: spark replay --chip CHIP.yaml --log EVENTS.ndjson [--labels LABELS.json] [--out report.md]');
    process.exit(2);
  }
  const report = await replayFiles({ chip, log, labels: flag('labels') });
  const out = flag('out');
  if (out) await writeFile(out, reportMarkdown(report));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  // `spark replay …` and `spark-replay …` alike.
  main(args[0] === 'replay' ? args.slice(1) : args).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
