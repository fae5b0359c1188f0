import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayChip } from '../../contracts/chip-eval';
import { parseChipYaml } from '../../contracts/chips';
import { EARLIER_CHIP, EARLIER_EXPECTED, GAME_DEV_CHIP, GAME_DEV_EXPECTED, LABELS, labelledLog } from '../support/chip-fixture';

const run = promisify(execFile);
const BASE = 1_700_000_000;

// The real command, as a person runs it: `npm run spark:replay -- …` is `tsx scripts/spark-replay.ts …`.
async function sparkReplay(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/spark-replay.ts', 'replay', ...args], { cwd: process.cwd() });
}

describe('spark replay (files only)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-replay-'));
    await writeFile(join(dir, 'chip.yaml'), GAME_DEV_CHIP);
    await writeFile(join(dir, 'earlier.yaml'), EARLIER_CHIP);
    await writeFile(join(dir, 'bad.yaml'), GAME_DEV_CHIP.replace('"rating >= 4"', '"rating >= great"'));
    // An exported log has one event per line, in any order.
    await writeFile(join(dir, 'events.ndjson'), labelledLog(BASE).map((e) => JSON.stringify(e)).join('\n') + '\n');
    await writeFile(join(dir, 'labels.json'), JSON.stringify(LABELS));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the hand-worked numbers, the same report as the function, the same twice, and writes Markdown', async () => {
    const args = ['--chip', join(dir, 'chip.yaml'), '--log', join(dir, 'events.ndjson'), '--labels', join(dir, 'labels.json'), '--out', join(dir, 'report.md')];
    const first = await sparkReplay(args);
    const second = await sparkReplay(args);
    expect(second.stdout).toBe(first.stdout);
    const report = JSON.parse(first.stdout);
    expect(report.events_replayed).toBe(GAME_DEV_EXPECTED.events_replayed);
    expect(report.triggered).toBe(GAME_DEV_EXPECTED.triggered);
    expect(report.observers).toEqual(GAME_DEV_EXPECTED.observers);
    expect(report.outcomes).toEqual(GAME_DEV_EXPECTED.outcomes);
    const parsed = parseChipYaml(GAME_DEV_CHIP);
    if (!parsed.ok) throw new Error(parsed.problem.message);
    expect(report).toEqual(replayChip(parsed.chip, labelledLog(BASE), LABELS));
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| playtest_feedback | 3 | 2 | 1 | 1 | 66.7% | 66.7% |');
    expect(md).toContain('| build_watch | 2 | 1 | 1 | 2 | 50.0% | 33.3% |');
    expect(md).toContain('coverage 60.0%');
  }, 60_000);

  it('reads the earlier chip form', async () => {
    const { stdout } = await sparkReplay(['--chip', join(dir, 'earlier.yaml'), '--log', join(dir, 'events.ndjson'), '--labels', join(dir, 'labels.json')]);
    const report = JSON.parse(stdout);
    expect(report.triggered).toBe(EARLIER_EXPECTED.triggered);
    expect(report.observers).toEqual(EARLIER_EXPECTED.observers);
    expect(report.outcomes).toEqual(EARLIER_EXPECTED.outcomes);
  }, 60_000);

  it('refuses a bad chip with its line and field, and exits non-zero', async () => {
    const failed = await sparkReplay(['--chip', join(dir, 'bad.yaml'), '--log', join(dir, 'events.ndjson')]).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('line 17: outcomes.positive.0.condition: literal great must be a number or a quoted text');
  }, 60_000);
});
