/** Connection-level failures (the database is unreachable), as opposed to a query it refused. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || depth > 4) return false;
  const code = String(e.code ?? '');
  if (CONNECTION_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01-03 (server shutting down), 53300 (too many connections).
  if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300') return true;
  // workerd says "proxy request failed, cannot connect to the specified address" for a refused connect().
  if (/socket|network connection|connection (?:lost|closed|refused|terminated|reset)|stream was cancelled|cannot connect to the specified address|ECONNREFUSED|ECONNRESET/i.test(String(e.message ?? ''))) return true;
  return e.cause !== undefined && e.cause !== err ? isDatabaseUnavailable(e.cause, depth + 1) : false;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
]);
