// The Spark chip format (YAML), read into one normalised definition. Two forms are read:
//  - current: `chip: {id, name, version}`, `triggers: {patterns, events}`, observers, and
//    `outcomes: {positive, negative}` whose entries hold a `condition`;
//  - earlier: `id`/`name`/`version` at the top, `triggers: [{id, patterns}]`, observers whose
//    `triggers` may name those trigger ids, and outcomes holding a `success_signal` text (also as
//    a plain list, read as positive outcomes).
// A bad chip is refused with the YAML line and the field that failed.
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';

/** A comparison in an outcome condition. */
export const CONDITION_OPS = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** `<field> <op> <literal>`: a number compares as a number, a quoted literal as text. */
export interface Condition {
  field: string;
  op: ConditionOp;
  value: number | string;
}

export interface ChipOutcome {
  /** One of the two: a condition over a captured field, or a text the event must contain. */
  condition: Condition | null;
  success_signal: string | null;
  insight: string;
  weight: number;
}

export interface ChipObserver {
  name: string;
  /** Patterns (the earlier form's trigger ids already expanded to their patterns). */
  triggers: string[];
  required: string[];
  optional: string[];
}

export interface ChipDefinition {
  id: string;
  name: string;
  version: string;
  triggers: { patterns: string[]; events: string[] };
  observers: ChipObserver[];
  outcomes: { positive: ChipOutcome[]; negative: ChipOutcome[] };
}

const CONDITION = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$/;

/** Parses `rating >= 4` or `mood == "happy"`; a reason when it is not a condition. */
export function parseCondition(text: string): Condition | string {
  const m = CONDITION.exec(text);
  if (!m) return `"${text}" is not "<field> <op> <literal>" with one of ${CONDITION_OPS.join(' ')}`;
  const [, field, op, literal] = m as unknown as [string, string, ConditionOp, string];
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(literal);
  if (quoted) return { field, op, value: quoted[1] ?? quoted[2] ?? '' };
  const n = Number(literal);
  if (!Number.isFinite(n)) return `literal ${literal} must be a number or a quoted text`;
  return { field, op, value: n };
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const textList = z.array(nonEmpty);
// Scalars YAML may read as numbers (version: 1.0) are kept as the text they were written as.
const label = z.union([nonEmpty, z.number().transform(String)]);
// `required`/`optional`: a map of field name → description, or a list of names.
const fieldSet = z.union([z.record(z.string(), z.unknown()).transform((r) => Object.keys(r)), textList]).default([]);

const outcomeEntry = z
  .strictObject({
    condition: nonEmpty.optional(),
    success_signal: nonEmpty.optional(),
    insight: z.string().default(''),
    weight: z.number().default(1),
  })
  .superRefine((o, ctx) => {
    if ((o.condition === undefined) === (o.success_signal === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'an outcome needs exactly one of condition or success_signal' });
      return;
    }
    if (o.condition !== undefined) {
      const c = parseCondition(o.condition);
      if (typeof c === 'string') ctx.addIssue({ code: 'custom', message: c, path: ['condition'] });
    }
  });

const triggersCurrent = z.strictObject({ patterns: textList.default([]), events: textList.default([]) });
const triggersEarlier = z.array(z.strictObject({ id: nonEmpty, patterns: textList.min(1, 'must list at least one pattern') }));

/** The chip as written (either form); `normaliseChip` makes one definition of it. */
export const chipSource = z
  .object({
    chip: z.strictObject({ id: nonEmpty, name: nonEmpty.optional(), version: label.optional(), description: z.string().optional() }).optional(),
    id: nonEmpty.optional(),
    name: nonEmpty.optional(),
    version: label.optional(),
    triggers: z.union([triggersCurrent, triggersEarlier]),
    observers: z
      .array(
        z.object({
          name: nonEmpty,
          triggers: textList.min(1, 'must list at least one trigger'),
          capture: z.object({ required: fieldSet, optional: fieldSet }).default({ required: [], optional: [] }),
        }),
      )
      .min(1, 'a chip needs at least one observer'),
    outcomes: z
      .union([
        z.strictObject({ positive: z.array(outcomeEntry).default([]), negative: z.array(outcomeEntry).default([]) }),
        z.array(outcomeEntry).transform((positive) => ({ positive, negative: [] })),
      ])
      .default({ positive: [], negative: [] }),
  })
  .superRefine((c, ctx) => {
    if (!c.chip && !c.id) ctx.addIssue({ code: 'custom', message: 'chip.id is required', path: ['chip'] });
    const seen = new Set<string>();
    c.observers.forEach((o, i) => {
      if (seen.has(o.name)) ctx.addIssue({ code: 'custom', message: `observer name ${o.name} is used twice`, path: ['observers', i, 'name'] });
      seen.add(o.name);
    });
  });

function outcome(o: z.infer<typeof outcomeEntry>): ChipOutcome {
  const c = o.condition === undefined ? null : parseCondition(o.condition);
  return { condition: typeof c === 'string' ? null : c, success_signal: o.success_signal ?? null, insight: o.insight, weight: o.weight };
}

/** One definition from either form. An earlier-form observer trigger naming a trigger id stands for its patterns. */
export function normaliseChip(c: z.infer<typeof chipSource>): ChipDefinition {
  const earlier = Array.isArray(c.triggers) ? c.triggers : null;
  const byId = new Map((earlier ?? []).map((t) => [t.id, t.patterns]));
  const triggers = earlier
    ? { patterns: [...new Set(earlier.flatMap((t) => t.patterns))], events: [] }
    : (c.triggers as z.infer<typeof triggersCurrent>);
  const id = c.chip?.id ?? c.id!;
  return {
    id,
    name: c.chip?.name ?? c.name ?? id,
    version: c.chip?.version ?? c.version ?? '0',
    triggers,
    observers: c.observers.map((o) => ({
      name: o.name,
      triggers: [...new Set(o.triggers.flatMap((t) => byId.get(t) ?? [t]))],
      required: o.capture.required,
      optional: o.capture.optional,
    })),
    outcomes: { positive: c.outcomes.positive.map(outcome), negative: c.outcomes.negative.map(outcome) },
  };
}

/** Why a chip was refused: the message names the field, `line` is 1-based in the YAML text. */
export interface ChipProblem {
  message: string;
  path: string;
  line: number | null;
}

export type ChipParse = { ok: true; chip: ChipDefinition } | { ok: false; problem: ChipProblem };

/** Reads a chip from YAML text: syntax, then shape; the first problem names its line and field. */
export function parseChipYaml(text: string): ChipParse {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lines.linePos(syntax.pos[0]).line;
    return { ok: false, problem: { message: `line ${line}: ${syntax.message.split('\n')[0]}`, path: '', line } };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    // Building the values throws on an alias with no anchor before it, or on too many aliases.
    const message = (err as Error).message.split('\n')[0]!;
    const alias = /alias\b.*\): (.+)$/.exec(message)?.[1];
    const at = alias === undefined ? -1 : text.indexOf(`*${alias}`);
    const line = at >= 0 ? lines.linePos(at).line : 1;
    return { ok: false, problem: { message: `line ${line}: ${message}`, path: '', line } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: { message: 'line 1: a chip is a YAML mapping', path: '', line: 1 } };
  }
  const parsed = chipSource.safeParse(value);
  if (parsed.success) return { ok: true, chip: normaliseChip(parsed.data) };
  const issue = deepestIssue(parsed.error.issues);
  const path = issue.path.map(String);
  let what = `: ${issue.message}`;
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    path.push(issue.keys[0]!);
    what = ' is not a known field';
  } else if (issue.code === 'invalid_type' && valueAt(value, path) === undefined) what = ' is required';
  const line = lineOf(doc.contents, path, lines);
  const field = path.join('.') || 'chip';
  return { ok: false, problem: { message: `line ${line ?? '?'}: ${field}${what}`, path: field, line } };
}

// A union that fails reports "invalid input" at its root; the branch issue that reached deepest
// names the field better.
type Issue = z.core.$ZodIssue;
function deepestIssue(issues: readonly Issue[]): Issue {
  let best = issues[0]!;
  for (const issue of issues) {
    if (issue.code === 'invalid_union') {
      for (const branch of issue.errors) {
        const inner = deepestIssue(branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
        if (inner.path.length > best.path.length || best.code === 'invalid_union') best = inner;
      }
    } else if (issue.path.length > best.path.length || best.code === 'invalid_union') best = issue;
  }
  return best;
}

function valueAt(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** The line of the deepest node on `path` that exists (a missing field: its parent's line). */
function lineOf(root: unknown, path: string[], lines: LineCounter): number | null {
  let node = root as Node | null;
  let at = node?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === key);
      if (!pair) break;
      const keyRange = (pair.key as Node | null)?.range;
      if (keyRange) at = keyRange[0];
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (!item) break;
      if (item.range) at = item.range[0];
      node = item;
    } else break;
  }
  return at === undefined ? null : lines.linePos(at).line;
}

// ---- evaluation requests and reports ----

/** Labels: event id → the observer names that should fire on it. */
export const chipLabels = z.record(z.string(), z.array(z.string()));
export type ChipLabels = z.infer<typeof chipLabels>;

export const observerScore = z.object({
  fired: z.int(),
  /** null: no labels were given. */
  tp: z.int().nullable(),
  fp: z.int().nullable(),
  fn: z.int().nullable(),
  /** null: no labels, or a zero denominator. */
  precision: z.number().nullable(),
  recall: z.number().nullable(),
});

export const chipInsight = z.object({
  event_id: z.string(),
  ts: z.number(),
  observer: z.string(),
  fields: z.record(z.string(), z.unknown()),
  outcome: z.object({ kind: z.enum(['positive', 'negative']), insight: z.string(), weight: z.number() }).nullable(),
});

export const chipReport = z.object({
  chip: z.object({ id: z.string(), version: z.string() }),
  events_replayed: z.int(),
  triggered: z.int(),
  observers: z.record(z.string(), observerScore),
  /** coverage = captures with an outcome / captures (null with no captures). */
  outcomes: z.object({ captures: z.int(), positive: z.int(), negative: z.int(), coverage: z.number().nullable() }),
  insights: z.array(chipInsight),
});
export type ChipReport = z.infer<typeof chipReport>;
export type ChipInsight = z.infer<typeof chipInsight>;

/** The most events one evaluation replays through the API (narrow the window for more). */
export const MAX_REPLAY_EVENTS = 100_000;
/** How many captures a report lists. */
export const MAX_REPORT_INSIGHTS = 100;

export const chipEvaluationBody = z.strictObject({
  since: z.number().optional(),
  until: z.number().optional(),
  session_id: z.string().min(1).max(200).optional(),
  labels: chipLabels.optional(),
});

export const createChipJson = z.strictObject({ yaml: z.string().min(1, 'yaml must not be empty') });

export const chipView = z.object({
  id: z.uuid(),
  chip_id: z.string(),
  name: z.string(),
  version: z.string(),
  definition: z.unknown(),
  created_at: z.string(),
});
export type ChipView = z.infer<typeof chipView>;

export const chipEvaluationView = z.object({
  id: z.uuid(),
  chip: z.uuid(),
  status: z.string(),
  params: z.unknown(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  report: chipReport.nullable(),
});
export type ChipEvaluationView = z.infer<typeof chipEvaluationView>;
