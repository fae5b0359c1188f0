// One way to put an error in a log line without what it carries: drivers put query parameters
// (password hashes, token hashes, event payloads) into their messages and fields (drizzle's
// "Failed query: … params: …", Postgres' `detail`). A log line gets the error's kind, its SQLSTATE
// and the server's own message, which names constraints and types but never values.
import { sqlState } from './db-errors';

const MAX_MESSAGE = 300;

/** "PostgresError 23505: duplicate key value violates unique constraint "users_email_key"". */
export function safeErrorLine(err: unknown): string {
  const code = sqlState(err);
  // The innermost cause says what went wrong (the server's error, a refused socket); the
  // wrappers around it only add the query.
  const server = serverError(err) ?? innermost(err);
  const name = server?.name ?? (err instanceof Error ? err.name : typeof err);
  const message = server ? String(server.message ?? '') : err instanceof Error ? err.message : String(err);
  // A drizzle wrapper without a server error underneath: its message is the query and params.
  const text = /^Failed query:/.test(message) ? 'query failed' : redact(firstLine(message));
  return [name, code, text].filter(Boolean).join(' ').slice(0, MAX_MESSAGE + 80);
}

/** console.error with a safe line: the only way edge/ and workers/ log an error. */
export function logError(what: string, err: unknown) {
  console.error(`${what}: ${safeErrorLine(err)}`);
}

export function logWarn(what: string, err: unknown) {
  console.warn(`${what}: ${safeErrorLine(err)}`);
}

/** The innermost error that came from the Postgres server (it has a SQLSTATE), if any. */
function serverError(err: unknown, depth = 0): { name?: string; message?: unknown } | undefined {
  const e = err as { code?: unknown; cause?: unknown; name?: string; message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || depth > 4) return undefined;
  const inner = e.cause !== undefined && e.cause !== err ? serverError(e.cause, depth + 1) : undefined;
  if (inner) return inner;
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e : undefined;
}

function innermost(err: unknown, depth = 0): { name?: string; message?: unknown } | undefined {
  const e = err as { cause?: unknown; name?: string; message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || depth > 4) return undefined;
  return e.cause !== undefined && e.cause !== err ? (innermost(e.cause, depth + 1) ?? e) : e;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, MAX_MESSAGE);
}

/** Belt and braces for messages we did not write: nothing that looks like a credential survives. */
export function redact(s: string): string {
  return s
    .replace(/spk_[A-Za-z0-9_-]+/g, 'spk_***')
    .replace(/pbkdf2-sha256\$[^\s"']+/g, 'pbkdf2-sha256$***')
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '***jwt***')
    .replace(/\b[0-9a-f]{64}\b/gi, '***sha256***')
    .replace(/\b(password|token|secret)=\S+/gi, '$1=***');
}
