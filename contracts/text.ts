import { z } from 'zod';

// Text Postgres can store. Its text and jsonb types refuse NUL (U+0000), and UTF-8 has no form
// for a lone UTF-16 surrogate (jsonb refuses its "\udXXX" escape; text would get U+FFFD instead),
// so such strings are refused where they enter, naming the field, rather than failing later in
// a queue consumer where no one can answer the sender.

const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be stored as Postgres text or inside jsonb, or undefined when it can. */
export function unstorableTextProblem(s: string): string | undefined {
  if (NUL.test(s)) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)';
  return undefined;
}

/** What stops a value from being stored as jsonb, and where in it. */
export interface UnstorableJson {
  path: (string | number)[];
  /** `text`: a string or key Postgres refuses; `value`: not JSON at all (undefined, NaN, a Date…). */
  kind: 'text' | 'value';
  problem: string;
}

/**
 * The first thing in a value that jsonb cannot hold: a string or object key Postgres refuses, or
 * anything that is not JSON (only strings, finite numbers, booleans, null, arrays and plain
 * objects are). A bad key is blamed on the object that holds it. One walk with no copies: it is
 * the check of every event's payload (zod's recursive z.json() took 6 of the 12 µs per event).
 */
export function findUnstorableJson(value: unknown): UnstorableJson | undefined {
  const path: (string | number)[] = [];
  let kind: UnstorableJson['kind'] = 'text';
  // One shared path, pushed and popped: deep payloads cost no copies.
  const walk = (v: unknown): string | undefined => {
    if (typeof v === 'string') return unstorableTextProblem(v);
    if (typeof v === 'boolean' || v === null) return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : notJson(`${v}`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        const problem = walk(v[i]);
        if (problem !== undefined) return problem;
        path.pop();
      }
      return undefined;
    }
    if (typeof v !== 'object') return notJson(typeof v);
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return notJson(`a ${proto?.constructor?.name ?? 'class'} object`);
    for (const key in v) {
      const keyProblem = unstorableTextProblem(key);
      if (keyProblem !== undefined) return `keys ${keyProblem}`;
      path.push(key);
      const problem = walk((v as Record<string, unknown>)[key]);
      if (problem !== undefined) return problem;
      path.pop();
    }
    return undefined;
  };
  const notJson = (what: string) => {
    kind = 'value';
    return `must be JSON (a string, finite number, boolean, null, array or plain object), not ${what}`;
  };
  const problem = walk(value);
  return problem === undefined ? undefined : { path, kind, problem };
}

/** `s` with NUL shown as "\0" and lone surrogates as U+FFFD: for messages we store, not for data. */
export function toStorableText(s: string): string {
  return s.replace(/\u0000/g, '\\0').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}

/** A string Postgres can store (no NUL, no lone surrogate); `name` names the field in the message. */
export const storableString = (name: string) =>
  z.string().superRefine((s, ctx) => {
    const problem = unstorableTextProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${name} ${problem}` });
  });

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `s` is not plain one-line text (names, query values), or undefined when it is: storable, and
 * free of control characters that would break a log line or a terminal.
 */
export function textProblem(s: string): string | undefined {
  const unstorable = unstorableTextProblem(s);
  if (unstorable !== undefined) return unstorable;
  if (CONTROL.test(s)) return 'must not contain control characters';
  return undefined;
}

/** `s` cut to at most `max` characters, an ellipsis marking the cut (for messages with a length limit). */
export function clipText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
