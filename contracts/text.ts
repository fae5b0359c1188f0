// Text that Postgres (and every log and terminal after it) can hold as it is: no NUL or other
// control characters, no lone UTF-16 surrogates. One check for every name, query value and code.

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` is not plain text, or undefined when it is. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (CONTROL.test(s)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain lone surrogates (invalid UTF-16)';
  return undefined;
}
