import { describe, expect, it } from 'vitest';
import { conditionHolds, eventText, fieldAt, replayChip } from '../../contracts/chip-eval';
import { parseChipYaml, type ChipDefinition, type ChipReport } from '../../contracts/chips';
import { E, EARLIER_CHIP, EARLIER_EXPECTED, GAME_DEV_CHIP, GAME_DEV_EXPECTED, LABELS, labelledLog } from '../support/chip-fixture';

function chipOf(yaml: string): ChipDefinition {
  const parsed = parseChipYaml(yaml);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.chip;
}

/** The report's numbers against the hand-worked ones (exact: the same divisions). */
function expectNumbers(r: ChipReport, expected: typeof EARLIER_EXPECTED) {
  expect(r.events_replayed).toBe(expected.events_replayed);
  expect(r.triggered).toBe(expected.triggered);
  expect(r.observers).toEqual(expected.observers);
  expect(r.outcomes).toEqual(expected.outcomes);
}

describe('chip replay (pure)', () => {
  it('gives the hand-worked precision, recall and coverage for the labelled log, in time-then-id order', () => {
    const report = replayChip(chipOf(GAME_DEV_CHIP), labelledLog(1_700_000_000), LABELS);
    expectNumbers(report, GAME_DEV_EXPECTED);
    expect(report.insights.map((i) => [i.event_id, i.observer, i.outcome?.kind ?? null])).toEqual(GAME_DEV_EXPECTED.insightOrder);
    expect(report.insights[4]!.fields).toEqual({ playtest_id: 'p7', rating: 1, notes: 'too hard' });
    expect(report.insights[2]!.fields).toEqual({ 'build.status': 'success' });
    expect(report.insights[2]!.outcome).toEqual({ kind: 'positive', insight: 'Green build', weight: 0.5 });
  });

  it('gives the identical report when replayed twice, whatever order the events came in', () => {
    const chip = chipOf(GAME_DEV_CHIP);
    const log = labelledLog(1_700_000_000);
    expect(replayChip(chip, [...log].reverse(), LABELS)).toEqual(replayChip(chip, log, LABELS));
  });

  it('reads the earlier form: trigger ids stand for their patterns, success_signal matches the event text', () => {
    const chip = chipOf(EARLIER_CHIP);
    expect(chip.id).toBe('game_dev_legacy');
    expect(chip.version).toBe('0.1');
    expect(chip.observers[0]!.triggers).toEqual(['playtest', 'feedback']);
    expectNumbers(replayChip(chip, labelledLog(1_700_000_000), LABELS), EARLIER_EXPECTED);
  });

  it('without labels, reports firing counts and null scores', () => {
    const r = replayChip(chipOf(GAME_DEV_CHIP), labelledLog(0));
    expect(r.observers.playtest_feedback).toEqual({ fired: 3, tp: null, fp: null, fn: null, precision: null, recall: null });
  });

  it('has null precision and recall on zero denominators', () => {
    // Only e9 replayed: nothing fires (precision 0/0) and build_watch is labelled once (recall 0/1 = 0);
    // playtest_feedback is labelled nowhere (recall 0/0).
    const r = replayChip(chipOf(GAME_DEV_CHIP), labelledLog(0).filter((e) => e.id === E.e9), LABELS);
    expect(r.observers.build_watch).toEqual({ fired: 0, tp: 0, fp: 0, fn: 1, precision: null, recall: 0 });
    expect(r.observers.playtest_feedback).toEqual({ fired: 0, tp: 0, fp: 0, fn: 0, precision: null, recall: null });
    expect(r.outcomes.coverage).toBeNull();
  });

  it('builds text from the type and every nested string; compares numbers as numbers and quoted literals as text', () => {
    expect(eventText({ type: 'a.b', payload: { x: 'one', n: 2, deep: { list: ['two', { y: 'three' }] } } })).toBe('a.b one two three');
    expect(fieldAt({ a: { b: { c: 0 } } }, 'a.b.c')).toBe(0);
    expect(conditionHolds({ field: 'r', op: '>=', value: 10 }, { r: 9 })).toBe(false);
    expect(conditionHolds({ field: 'r', op: '>=', value: 10 }, { r: '10' })).toBe(true);
    // As text "9" > "10"; as numbers it is not.
    expect(conditionHolds({ field: 'r', op: '>', value: '10' }, { r: '9' })).toBe(true);
    expect(conditionHolds({ field: 'r', op: '>', value: 10 }, { r: '9' })).toBe(false);
    expect(conditionHolds({ field: 'r', op: '==', value: '4' }, { r: 4 })).toBe(false);
    expect(conditionHolds({ field: 'r', op: '!=', value: 4 }, {})).toBe(false);
  });
});

describe('chip YAML errors name the line and the field', () => {
  it('a syntax error', () => {
    const r = parseChipYaml('chip: { id: x, version: 1 }\ntriggers:\n  patterns: ["a"\nobservers: []\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.line).toBeGreaterThanOrEqual(3);
      expect(r.problem.message).toMatch(new RegExp(`^line ${r.problem.line}: `));
    }
  });

  it('a missing field: the line of its parent, the dotted field', () => {
    const yaml = 'chip: { id: x, version: 1 }\ntriggers: { patterns: [a] }\nobservers:\n  - triggers: [a]\n';
    const r = parseChipYaml(yaml);
    expect(r).toEqual({ ok: false, problem: { message: 'line 4: observers.0.name is required', path: 'observers.0.name', line: 4 } });
  });

  it('a bad condition: its line and field', () => {
    const yaml = GAME_DEV_CHIP.replace('"rating >= 4"', '"rating >= great"');
    const r = parseChipYaml(yaml);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.path).toBe('outcomes.positive.0.condition');
      expect(r.problem.line).toBe(17);
      expect(r.problem.message).toBe('line 17: outcomes.positive.0.condition: literal great must be a number or a quoted text');
    }
  });

  it('an alias with no anchor, and a flood of aliases: refused with the line, never thrown', () => {
    const yaml = 'chip: { id: x, version: 1 }\ntriggers: { patterns: [a] }\nobservers: *nowhere\n';
    expect(parseChipYaml(yaml)).toEqual({ ok: false, problem: { message: expect.stringMatching(/^line 3: Unresolved alias.*nowhere$/), path: '', line: 3 } });
    expect(parseChipYaml('*PHBJGW3SD')).toMatchObject({ ok: false, problem: { line: 1 } });
    const flood = `a: &a [x, x]\nb: &b [${Array(30).fill('*a').join(', ')}]\nc: [${Array(30).fill('*b').join(', ')}]\n`;
    expect(parseChipYaml(flood)).toMatchObject({ ok: false, problem: { message: expect.stringMatching(/^line 1: .*alias/i), line: 1 } });
  });

  it('an unknown field in the chip header', () => {
    const r = parseChipYaml('chip: { id: x, verison: 1 }\ntriggers: { patterns: [a] }\nobservers: [{ name: o, triggers: [a] }]\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toEqual({ message: 'line 1: chip.verison is not a known field', path: 'chip.verison', line: 1 });
  });
});
