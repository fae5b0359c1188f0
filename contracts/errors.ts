// The one error body every HTTP answer uses, and the translation of a zod failure into it, so a
// bad input gets a 4xx that names the field that failed (DESIGN.md, "Guarantees").
import { z } from 'zod';

export const apiError = z.strictObject({
  error: z.strictObject({
    /** Machine-readable, snake_case: 'invalid_request', 'not_found', 'rate_limited'... */
    code: z.string().min(1),
    /** Human-readable; safe to show the user. */
    message: z.string(),
    /** Dotted path of the failing input field, when one is to blame (e.g. 'events.3.payload'). */
    path: z.string().optional(),
  }),
});
export type ApiError = z.infer<typeof apiError>;

export interface IssueSummary {
  /** zod's issue code ('invalid_type', 'too_big', 'custom', 'unrecognized_keys', ...). */
  code: string;
  /** Names the field first: "events.3.payload: payload must be at most ...", "id is required". */
  message: string;
  /** Dotted path ('events.3.payload', 'path'); '' when the whole input is to blame. */
  path: string;
}

/** Only the parts of a ZodError we read, so any zod error (or a hand-made one) fits. */
type IssueLike = { code: string; message: string; path: readonly PropertyKey[]; keys?: readonly string[] };

/**
 * The first issue of a failed parse, ready for an API answer. Pass the parsed `input` too when
 * you have it: a field that is absent is then reported as "<path> is required" even where the
 * schema has a custom message (without it, only zod's default "received undefined" is recognised).
 */
export function firstIssue(error: { issues: readonly IssueLike[] }, input?: unknown): IssueSummary {
  const issue = error.issues[0];
  if (issue === undefined) return { code: 'invalid_input', message: 'invalid input', path: '' };
  const segments = issue.path.map((segment) => String(segment));
  let what = `: ${issue.message}`;
  if (issue.code === 'unrecognized_keys' && issue.keys !== undefined && issue.keys.length > 0) {
    // Blame the unknown field itself, not the object that holds it.
    const key = issue.keys[0]!;
    segments.push(key);
    what = ' is not a known field';
  } else if (isMissing(issue, input)) {
    what = ' is required';
  }
  const path = segments.join('.');
  return { code: issue.code, message: `${path === '' ? 'input' : path}${what}`, path };
}

function isMissing(issue: IssueLike, input: unknown): boolean {
  if (issue.path.length === 0 || issue.code === 'custom') return false;
  if (input === undefined) return issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
  let value: unknown = input;
  for (const segment of issue.path) {
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value === undefined;
}

/** The 400 body for a failed parse: code 'invalid_request', naming the first failing field. */
export function validationApiError(error: { issues: readonly IssueLike[] }, input?: unknown): ApiError {
  const { message, path } = firstIssue(error, input);
  return { error: path === '' ? { code: 'invalid_request', message } : { code: 'invalid_request', message, path } };
}
