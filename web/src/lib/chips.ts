// Two chip evaluations side by side: the rows of the comparison (events, observers, outcomes),
// each with both values and the difference. Pure; unit-tested in tests/unit/web-chips.test.ts.
import type { ChipReport } from '../../../contracts/chips';

export type MetricKind = 'count' | 'ratio';

export interface CompareRow {
  /** The group it belongs to: "Events", "Observer <name>", "Outcomes". */
  group: string;
  metric: string;
  kind: MetricKind;
  /** null: not measured on that side (no labels, a zero denominator, or no such observer). */
  a: number | null;
  b: number | null;
  /** b − a; null when either side is. */
  delta: number | null;
}

const row = (group: string, metric: string, kind: MetricKind, a: number | null, b: number | null): CompareRow => ({
  group,
  metric,
  kind,
  a,
  b,
  delta: a === null || b === null ? null : b - a,
});

const SCORES = [
  ['fired', 'count'],
  ['tp', 'count'],
  ['fp', 'count'],
  ['fn', 'count'],
  ['precision', 'ratio'],
  ['recall', 'ratio'],
] as const;

/** The comparison of report `a` against report `b`; observers are the union of both, `a`'s first. */
export function compareReports(a: ChipReport, b: ChipReport): CompareRow[] {
  const rows = [row('Events', 'replayed', 'count', a.events_replayed, b.events_replayed), row('Events', 'triggered', 'count', a.triggered, b.triggered)];
  const names = [...new Set([...Object.keys(a.observers), ...Object.keys(b.observers)])];
  for (const name of names) {
    const oa = a.observers[name];
    const ob = b.observers[name];
    for (const [key, kind] of SCORES) rows.push(row(`Observer ${name}`, key, kind, oa ? oa[key] : null, ob ? ob[key] : null));
  }
  rows.push(
    row('Outcomes', 'captures', 'count', a.outcomes.captures, b.outcomes.captures),
    row('Outcomes', 'positive', 'count', a.outcomes.positive, b.outcomes.positive),
    row('Outcomes', 'negative', 'count', a.outcomes.negative, b.outcomes.negative),
    row('Outcomes', 'coverage', 'ratio', a.outcomes.coverage, b.outcomes.coverage),
  );
  return rows;
}

/** A count as is, a ratio as a percentage with one decimal ("66.7%"); "—" when not measured. */
export function formatMetric(v: number | null, kind: MetricKind): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return kind === 'ratio' ? `${(v * 100).toFixed(1)}%` : String(v);
}

/** The difference, signed: "+1", "−2", "+20.0 pts", "0"; "—" when either side is not measured. */
export function formatDelta(d: number | null, kind: MetricKind): string {
  if (d === null || !Number.isFinite(d)) return '—';
  const size = kind === 'ratio' ? Math.abs(d * 100).toFixed(1) : String(Math.abs(d));
  if (Number(size) === 0) return '0';
  return `${d > 0 ? '+' : '−'}${size}${kind === 'ratio' ? ' pts' : ''}`;
}

/** A datetime-local value ("2026-11-30T12:00", the browser's zone) as epoch seconds; undefined when empty. */
export function localToEpochSeconds(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}
