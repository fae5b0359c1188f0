import { describe, expect, it } from 'vitest';
import type { ChipReport } from '../../contracts/chips';
import { compareReports, formatDelta, formatMetric, localToEpochSeconds } from '../../web/src/lib/chips';

const report = (over: Partial<ChipReport>): ChipReport => ({
  chip: { id: 'c', version: '1' },
  events_replayed: 9,
  triggered: 7,
  observers: {},
  outcomes: { captures: 5, positive: 2, negative: 1, coverage: 0.6 },
  insights: [],
  ...over,
});
const score = (fired: number, tp: number | null, fp: number | null, fn: number | null, precision: number | null, recall: number | null) => ({ fired, tp, fp, fn, precision, recall });

describe('chip evaluations side by side', () => {
  it('lines up events, every observer of either side and outcomes, with B − A', () => {
    const a = report({ observers: { feedback: score(3, 2, 1, 1, 2 / 3, 2 / 3), builds: score(2, 1, 1, 2, 0.5, 1 / 3) } });
    const b = report({
      triggered: 6,
      observers: { feedback: score(3, 2, 1, 1, 2 / 3, 2 / 3), only_b: score(1, null, null, null, null, null) },
      outcomes: { captures: 5, positive: 1, negative: 0, coverage: 0.2 },
    });
    const rows = compareReports(a, b);
    expect(rows.map((r) => `${r.group}/${r.metric}`)).toEqual([
      'Events/replayed',
      'Events/triggered',
      ...['feedback', 'builds', 'only_b'].flatMap((o) => ['fired', 'tp', 'fp', 'fn', 'precision', 'recall'].map((m) => `Observer ${o}/${m}`)),
      'Outcomes/captures',
      'Outcomes/positive',
      'Outcomes/negative',
      'Outcomes/coverage',
    ]);
    const at = (g: string, m: string) => rows.find((r) => r.group === g && r.metric === m)!;
    expect(at('Events', 'triggered')).toMatchObject({ a: 7, b: 6, delta: -1, kind: 'count' });
    expect(at('Observer builds', 'recall')).toMatchObject({ a: 1 / 3, b: null, delta: null, kind: 'ratio' });
    expect(at('Observer only_b', 'fired')).toMatchObject({ a: null, b: 1, delta: null });
    expect(at('Outcomes', 'coverage').delta).toBeCloseTo(-0.4, 12);
  });

  it('formats counts, ratios and signed differences', () => {
    expect(formatMetric(3, 'count')).toBe('3');
    expect(formatMetric(2 / 3, 'ratio')).toBe('66.7%');
    expect(formatMetric(1 / 3, 'ratio')).toBe('33.3%');
    expect(formatMetric(null, 'ratio')).toBe('—');
    expect(formatDelta(-1, 'count')).toBe('−1');
    expect(formatDelta(2, 'count')).toBe('+2');
    expect(formatDelta(0, 'count')).toBe('0');
    expect(formatDelta(0.2 - 0.6, 'ratio')).toBe('−40.0 pts');
    expect(formatDelta(1e-17, 'ratio')).toBe('0');
    expect(formatDelta(null, 'count')).toBe('—');
  });

  it('reads a datetime-local value as epoch seconds in the browser’s zone', () => {
    expect(localToEpochSeconds('')).toBeUndefined();
    expect(localToEpochSeconds('nonsense')).toBeUndefined();
    expect(localToEpochSeconds('2026-11-30T12:00:30')).toBe(Math.floor(new Date(2026, 10, 30, 12, 0, 30).getTime() / 1000));
  });
});
