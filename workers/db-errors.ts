/** Connection-level failures (the database is unreachable), as opposed to a query it refused. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || depth > 4) return false;
  const code = String(e.code ?? '');
  if (CONNECTION_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01-03 (shutting down, "cannot connect now"),
  // 55000 (what a server still starting up answers), 53300 (too many connections). workerd says
  // "cannot connect to the specified address" for a refused socket.
  if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300' || code === '55000') return true;
  if (/socket|network connection|connection (?:lost|closed|refused|terminated|reset)|cannot connect now|cannot connect to the specified address|stream was cancelled|ECONNREFUSED|ECONNRESET/i.test(String(e.message ?? ''))) return true;
  return e.cause !== undefined && e.cause !== err ? isDatabaseUnavailable(e.cause, depth + 1) : false;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
]);

/** The SQLSTATE of a Postgres error, looking through wrappers (drizzle puts it in `cause`). */
export function sqlState(err: unknown, depth = 0): string | undefined {
  const e = err as { code?: unknown; cause?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || depth > 4) return undefined;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.cause !== undefined && e.cause !== err ? sqlState(e.cause, depth + 1) : undefined;
}
