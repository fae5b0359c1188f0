// The agent's one client of the edge's HTTP API: pairing, the project's sessions, event ingest,
// and the address of a session's socket. Bodies and answers are parsed with the edge's own schemas
// (contracts/api), so a change of shape there is a compile error or a clear failure here, never a
// silent misreading.
import { z } from 'zod';
import { ingestResponse, pairBody, pairResponse, sessionView } from '../contracts/api';
import { apiError, type ApiError } from '../contracts/errors';
import { errorMessage } from './log';

export type PairRequest = z.input<typeof pairBody>;
export type PairResponse = z.infer<typeof pairResponse>;
export type SessionView = z.infer<typeof sessionView>;
export type IngestResponse = z.infer<typeof ingestResponse>;
/** GET …/sessions answers `{ items }` (edge/routes/sessions.ts). */
const sessionList = z.object({ items: z.array(sessionView) });

/** One call's outcome: the parsed answer, a refusal (4xx/5xx), an answer not in the contract, or none at all. */
export type EdgeResult<T> =
  | { ok: true; status: number; value: T }
  | { ok: false; kind: 'unreachable'; reason: string }
  | { ok: false; kind: 'refused'; status: number; error: ApiError['error'] | undefined; retryAfterMs: number | undefined; reason: string }
  | { ok: false; kind: 'unexpected'; status: number; reason: string };

export interface EdgeApiOptions {
  edgeUrl: string;
  /** The agent token (Bearer); pairing needs none. */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface EdgeApi {
  readonly edgeUrl: string;
  /** POST /api/agent/pair: trades a pairing code for the agent token. */
  pair(body: PairRequest): Promise<EdgeResult<PairResponse>>;
  /** GET /api/projects/:id/sessions. */
  listSessions(projectId: string): Promise<EdgeResult<SessionView[]>>;
  /** POST /api/projects/:id/events with an ingest body already serialised (the outbox stores JSON text). */
  postEvents(projectId: string, body: string, signal?: AbortSignal): Promise<EdgeResult<IngestResponse>>;
  /** ws(s)://…/api/projects/:p/sessions/:s/connect?role=agent (the token goes in a header, not here). */
  sessionSocketUrl(projectId: string, sessionId: string): string;
  /** The headers that carry the agent token on the socket handshake. */
  authHeaders(): Record<string, string>;
}

export function createEdgeApi(opts: EdgeApiOptions): EdgeApi {
  const edgeUrl = opts.edgeUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const auth = (): Record<string, string> => (opts.token ? { authorization: `Bearer ${opts.token}` } : {});
  const projectPath = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}`;

  async function call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    init: { body?: string; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<EdgeResult<z.infer<S>>> {
    const timeout = AbortSignal.timeout(init.timeoutMs ?? opts.timeoutMs ?? 15_000);
    let res: Response;
    try {
      res = await doFetch(`${edgeUrl}${path}`, {
        method,
        headers: { ...auth(), accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
      });
    } catch (err) {
      // fetch wraps the socket error (ECONNREFUSED, ...) as its cause: that is the useful part.
      return { ok: false, kind: 'unreachable', reason: errorMessage((err as { cause?: unknown }).cause ?? err) };
    }
    const text = await res.text().catch(() => '');
    const json = parseJson(text);
    if (res.ok) {
      const parsed = schema.safeParse(json);
      if (parsed.success) return { ok: true, status: res.status, value: parsed.data };
      return { ok: false, kind: 'unexpected', status: res.status, reason: `the edge's answer was not understood (${parsed.error.issues[0]?.message ?? 'not JSON'})` };
    }
    const error = apiError.safeParse(json).data?.error;
    const detail = error ? `${error.code}: ${error.message}` : text.slice(0, 200);
    return {
      ok: false,
      kind: 'refused',
      status: res.status,
      error,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      reason: `edge answered ${res.status}${detail ? ` (${detail})` : ''}`,
    };
  }

  return {
    edgeUrl,
    pair: (body) => call('POST', '/api/agent/pair', pairResponse, { body: JSON.stringify(body), timeoutMs: 20_000 }),
    async listSessions(projectId) {
      const r = await call('GET', `${projectPath(projectId)}/sessions`, sessionList);
      return r.ok ? { ...r, value: r.value.items } : r;
    },
    postEvents: (projectId, body, signal) =>
      call('POST', `${projectPath(projectId)}/events`, ingestResponse, { body, ...(signal ? { signal } : {}), timeoutMs: opts.timeoutMs ?? 30_000 }),
    sessionSocketUrl(projectId, sessionId) {
      const u = new URL(edgeUrl);
      u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
      u.pathname = `${u.pathname.replace(/\/+$/, '')}${projectPath(projectId)}/sessions/${encodeURIComponent(sessionId)}/connect`;
      u.search = '';
      u.searchParams.set('role', 'agent');
      return u.toString();
    },
    authHeaders: auth,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in ms (seconds or an HTTP date), at most 10 minutes. */
export function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, 10 * 60_000);
  const t = Date.parse(v);
  if (Number.isFinite(t)) return Math.max(0, Math.min(t - Date.now(), 10 * 60_000));
  return undefined;
}
