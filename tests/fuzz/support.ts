import postgres from 'postgres';

// What every fuzz file checks of an answer, and the table counts that show nothing was half-written.

export type Answer = { status: number; text: string; contentType: string | null; allow?: string | null };

/**
 * Null when the answer is acceptable; else why not. `jsonRpc`: /mcp answers JSON-RPC errors.
 * `oauth`: the OAuth endpoints answer as their RFCs say: `api` (register, token, revoke) with
 * `{error, error_description?}` (RFC 6749 §5.2, RFC 7591 §3.2.2), `page` (authorize, which a
 * person's browser opens) with an HTML page that says what went wrong.
 */
export function judge(a: Answer, opts: { jsonRpc?: boolean; oauth?: 'api' | 'page' } = {}): string | null {
  if (a.status >= 500) return `${a.status} ${a.text.slice(0, 200)}`;
  if (a.status < 400) return null;
  if (opts.oauth === 'page' && a.contentType?.startsWith('text/html') && a.text.includes('</html>')) return null;
  // The one answer without a body, on purpose (edge/routes/mcp.ts): GET/DELETE of the stateless MCP
  // endpoint, which MCP clients cancel unread. The Allow header says what to do instead.
  if (a.status === 405 && a.text === '' && a.allow === 'POST') return null;
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    return `${a.status} body is not JSON: ${a.text.slice(0, 120)}`;
  }
  if (opts.jsonRpc && isJsonRpcError(body)) return null;
  if (opts.oauth) {
    const problem = oauthErrorProblem(body);
    return problem ? `${a.status} ${problem}: ${a.text.slice(0, 200)}` : null;
  }
  const shape = errorShapeProblem(body);
  if (shape) return `${a.status} ${shape}: ${a.text.slice(0, 200)}`;
  // handleError's fallback for a value Postgres refused: the documented form, but no rule at the
  // boundary named the field. Each one found gets that rule.
  if ((body as { error: { code: string } }).error.code === 'invalid_input') return `${a.status} reached Postgres unchecked: ${a.text.slice(0, 200)}`;
  return null;
}

export function errorShapeProblem(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'not an object';
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return `top-level keys ${keys.join(',')}`;
  const e = (body as { error: Record<string, unknown> }).error;
  if (!e || typeof e !== 'object') return 'error is not an object';
  if (typeof e.code !== 'string' || !e.code) return 'error.code is not a string';
  if (typeof e.message !== 'string' || !e.message) return 'error.message is not a string';
  if ('path' in e && typeof e.path !== 'string') return 'error.path is not a string';
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'path'].includes(k));
  return extra.length ? `error has extra keys ${extra.join(',')}` : null;
}

/** An OAuth error body: `error` a code, `error_description` (and `error_uri`) text when present, nothing else. */
function oauthErrorProblem(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'not an object';
  const b = body as Record<string, unknown>;
  if (typeof b.error !== 'string' || !/^[a-z_]+$/.test(b.error)) return 'error is not an OAuth error code';
  const extra = Object.keys(b).filter((k) => !['error', 'error_description', 'error_uri'].includes(k));
  if (extra.length) return `OAuth error has extra keys ${extra.join(',')}`;
  if ('error_description' in b && typeof b.error_description !== 'string') return 'error_description is not a string';
  return null;
}

function isJsonRpcError(b: unknown): boolean {
  const e = (b as { jsonrpc?: string; error?: { code?: unknown; message?: unknown } })?.error;
  return (b as { jsonrpc?: string })?.jsonrpc === '2.0' && typeof e?.code === 'number' && typeof e?.message === 'string';
}

/** Row counts of every table, so a refused request can be shown to have written nothing. */
export async function tableCounts(sql: postgres.Sql, skip: (table: string) => boolean = () => false): Promise<Record<string, number>> {
  const tables = await sql<{ t: string }[]>`select tablename as t from pg_tables where schemaname = 'public' and tablename not like '\_\_%' order by 1`;
  const wanted = tables.map((r) => r.t).filter((t) => !skip(t));
  if (!wanted.length) return {};
  const [row] = await sql.unsafe(`select ${wanted.map((t) => `(select count(*) from "${t}")::int as "${t}"`).join(', ')}`);
  return row as Record<string, number>;
}

export function diff(a: Record<string, number>, b: Record<string, number>): string[] {
  return Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k]} → ${b[k]}`);
}

/** Runs `fn` over `items` with `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function call(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type'), allow: res.headers.get('allow') };
}
