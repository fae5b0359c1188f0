// Replaying events through a chip: pure functions, no I/O. The semantics are the issue's, so a
// report can be checked by hand:
//  - an event's text is its type and every string value of its payload (any depth, in document
//    order) joined by spaces; a pattern matches when it occurs in the text, ignoring case;
//  - the chip is triggered by an event whose type is in triggers.events or whose text matches a
//    triggers.patterns entry;
//  - an observer fires on a triggering event when the text matches one of its triggers and every
//    required field (dotted names reach into objects) is present (not null); it captures its
//    required and optional fields;
//  - a capture's outcome is the first positive outcome that holds, else the first negative one
//    (a condition over a captured field, or a success_signal found in the event text);
//  - labels count only for the events replayed (a label on an event outside the window is not a miss).
import type { ChipDefinition, ChipInsight, ChipLabels, ChipOutcome, ChipReport, Condition } from './chips';
import { MAX_REPORT_INSIGHTS } from './chips';

/** An event as replay reads it: time in seconds since the epoch. */
export interface ReplayEvent {
  id: string;
  ts: number;
  type: string;
  payload: unknown;
}

/** The type and every string in the payload, at any depth, joined by spaces. */
export function eventText(e: Pick<ReplayEvent, 'type' | 'payload'>): string {
  const parts = [e.type];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(e.payload);
  return parts.join(' ');
}

const matchesAny = (lowerText: string, patterns: readonly string[]) => patterns.some((p) => lowerText.includes(p.toLowerCase()));

/** The value at a dotted name (`build.status`), or undefined. */
export function fieldAt(payload: unknown, dotted: string): unknown {
  let v = payload;
  for (const key of dotted.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const present = (v: unknown) => v !== undefined && v !== null;

/** A numeric literal holds over a number (or numeric text); a quoted literal over text only. */
export function conditionHolds(c: Condition, fields: Record<string, unknown>): boolean {
  const raw = fields[c.field];
  let left: number | string;
  if (typeof c.value === 'number') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) return false;
    left = n;
  } else {
    if (typeof raw !== 'string') return false;
    left = raw;
  }
  const right = c.value;
  switch (c.op) {
    case '>': return left > right;
    case '>=': return left >= right;
    case '<': return left < right;
    case '<=': return left <= right;
    case '==': return left === right;
    case '!=': return left !== right;
  }
}

function outcomeHolds(o: ChipOutcome, fields: Record<string, unknown>, lowerText: string): boolean {
  if (o.condition) return conditionHolds(o.condition, fields);
  return o.success_signal !== null && lowerText.includes(o.success_signal.toLowerCase());
}

/** Order of replay: time, then id. */
export const byTimeThenId = (a: ReplayEvent, b: ReplayEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A replay fed events one at a time, in order (the API feeds it page by page), then asked for its
 * report. Feeding the same events gives the same report.
 */
export function createReplay(chip: ChipDefinition, labels?: ChipLabels) {
  let replayed = 0;
  let triggered = 0;
  let captures = 0;
  let positive = 0;
  let negative = 0;
  const insights: ChipInsight[] = [];
  const score = new Map(chip.observers.map((o) => [o.name, { fired: 0, tp: 0, fp: 0, fn: 0 }]));
  const eventTypes = new Set(chip.triggers.events);

  function add(e: ReplayEvent): void {
    replayed++;
    const lower = eventText(e).toLowerCase();
    const expected = new Set(labels?.[e.id] ?? []);
    const fired = new Set<string>();
    if (eventTypes.has(e.type) || matchesAny(lower, chip.triggers.patterns)) {
      triggered++;
      for (const o of chip.observers) {
        if (!matchesAny(lower, o.triggers)) continue;
        if (!o.required.every((f) => present(fieldAt(e.payload, f)))) continue;
        fired.add(o.name);
        const fields: Record<string, unknown> = {};
        for (const f of [...o.required, ...o.optional]) {
          const v = fieldAt(e.payload, f);
          if (v !== undefined) fields[f] = v;
        }
        captures++;
        const pos = chip.outcomes.positive.find((x) => outcomeHolds(x, fields, lower));
        const neg = pos ? undefined : chip.outcomes.negative.find((x) => outcomeHolds(x, fields, lower));
        if (pos) positive++;
        else if (neg) negative++;
        const hit = pos ?? neg;
        if (insights.length < MAX_REPORT_INSIGHTS) {
          insights.push({
            event_id: e.id,
            ts: e.ts,
            observer: o.name,
            fields,
            outcome: hit ? { kind: pos ? 'positive' : 'negative', insight: hit.insight, weight: hit.weight } : null,
          });
        }
      }
    }
    for (const [name, s] of score) {
      const f = fired.has(name);
      const l = expected.has(name);
      if (f) s.fired++;
      if (f && l) s.tp++;
      else if (f) s.fp++;
      else if (l) s.fn++;
    }
  }

  function report(): ChipReport {
    const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
    const observers: ChipReport['observers'] = {};
    for (const [name, s] of score) {
      observers[name] = labels
        ? { fired: s.fired, tp: s.tp, fp: s.fp, fn: s.fn, precision: ratio(s.tp, s.tp + s.fp), recall: ratio(s.tp, s.tp + s.fn) }
        : { fired: s.fired, tp: null, fp: null, fn: null, precision: null, recall: null };
    }
    return {
      chip: { id: chip.id, version: chip.version },
      events_replayed: replayed,
      triggered,
      observers,
      outcomes: { captures, positive, negative, coverage: ratio(positive + negative, captures) },
      insights: [...insights],
    };
  }

  return { add, report };
}

/** Labels naming an observer the chip does not have: the first such, as a problem. */
export function labelProblem(chip: ChipDefinition, labels: ChipLabels): { message: string; path: string } | null {
  const names = new Set(chip.observers.map((o) => o.name));
  for (const [id, list] of Object.entries(labels)) {
    const unknown = list.find((n) => !names.has(n));
    if (unknown !== undefined) return { message: `labels.${id}: ${unknown} is not an observer of chip ${chip.id}`, path: `labels.${id}` };
  }
  return null;
}

/** Replays a whole list (sorted here by time, then id). */
export function replayChip(chip: ChipDefinition, events: readonly ReplayEvent[], labels?: ChipLabels): ChipReport {
  const replay = createReplay(chip, labels);
  for (const e of [...events].sort(byTimeThenId)) replay.add(e);
  return replay.report();
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** The report as Markdown (what `spark replay --out` writes). */
export function reportMarkdown(r: ChipReport): string {
  const lines = [
    `# Chip ${r.chip.id} ${r.chip.version}: replay`,
    '',
    `- Events replayed: ${r.events_replayed}`,
    `- Triggered: ${r.triggered}`,
    `- Captures: ${r.outcomes.captures} (positive ${r.outcomes.positive}, negative ${r.outcomes.negative}, coverage ${pct(r.outcomes.coverage)})`,
    '',
    '| Observer | Fired | TP | FP | FN | Precision | Recall |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(r.observers).map(([n, s]) => `| ${n} | ${s.fired} | ${s.tp ?? '—'} | ${s.fp ?? '—'} | ${s.fn ?? '—'} | ${pct(s.precision)} | ${pct(s.recall)} |`),
    '',
    '## Insights',
    '',
    ...r.insights.map((i) => `- ${i.event_id} ${i.observer}: ${i.outcome ? `${i.outcome.kind}: ${i.outcome.insight}` : 'no outcome'}`),
    '',
  ];
  return lines.join('\n');
}
