// A chip replayed over an event log from files alone (local-first), giving the report the API
// gives (the same functions from contracts/chip-eval).
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { byTimeThenId, labelProblem, replayChip, type ReplayEvent } from '../contracts/chip-eval';
import { chipLabels, parseChipYaml, type ChipReport } from '../contracts/chips';
import { firstIssue } from '../contracts/errors';
import { CliError } from './errors';

// What replay reads of each line (an exported event has more; the rest is ignored).
const logLine = z.object({ id: z.string().min(1), ts: z.number(), type: z.string().min(1), payload: z.unknown() });

/** A problem with one of the input files, named by file and line or field. */
export class ReplayInputError extends CliError {}

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
  const parsed = parseChipYaml(await readInput(opts.chip));
  if (!parsed.ok) throw new ReplayInputError(`${opts.chip}: ${parsed.problem.message}`);
  let labels: z.infer<typeof chipLabels> | undefined;
  if (opts.labels) {
    const text = await readInput(opts.labels);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ReplayInputError(`${opts.labels}: not JSON`);
    }
    const l = chipLabels.safeParse(value);
    if (!l.success) throw new ReplayInputError(`${opts.labels}: ${firstIssue(l.error, value).message}`);
    const problem = labelProblem(parsed.chip, l.data);
    if (problem) throw new ReplayInputError(`${opts.labels}: ${problem.message}`);
    labels = l.data;
  }
  await access(opts.log).catch((err: NodeJS.ErrnoException) => {
    throw new ReplayInputError(`${opts.log}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  return replayChip(parsed.chip, await readEventLog(opts.log), labels);
}

/** The file's text; a missing file is named rather than thrown as ENOENT. */
async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ReplayInputError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}
