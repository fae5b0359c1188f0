// Issue 13 §4: forged and misused credentials against every route of a project, and every kind of
// credential of ANOTHER tenant against them. All refused (401/403/404 in the documented form),
// counted per route, and nothing written. The routes come from the app's OpenAPI document.
import { sign } from 'hono/jwt';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_SCOPES } from '../../contracts/enums';
import { issueSocketTicket } from '../../edge/auth/access-token';
import { apiClient, makeEvent, userWithProject } from '../support/api';
import { startSparkWorker, TEST_JWT_SECRET, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { openSocket } from '../support/ws-client';
import { diff, errorShapeProblem, tableCounts } from '../fuzz/support';

type Operation = { requestBody?: { content: Record<string, unknown> } };
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('security: forged tokens and other tenants are refused on every route', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  let victim: Awaited<ReturnType<typeof userWithProject>> & { sessionId: string };
  let attackers: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('token_attacks');
    const unlimited = { limit: 1_000_000, period: 60 as const };
    worker = await startSparkWorker({ databaseUrl: db.url, rateLimit: unlimited, authRateLimit: unlimited });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const a = await userWithProject(worker.url, 'victim');
    victim = { ...a, sessionId: (await a.api.post(`/api/projects/${a.projectId}/sessions`, { name: 'main' })).body.id };
    const b = await userWithProject(worker.url, 'other');
    const bSession = (await b.api.post(`/api/projects/${b.projectId}/sessions`, { name: 'main' })).body.id as string;
    // Every kind of credential the other tenant can hold for its own project.
    const scoped: Record<string, string> = {};
    for (const scope of TOKEN_SCOPES.filter((s) => s !== 'agent')) {
      const t = await b.api.post(`/api/projects/${b.projectId}/tokens`, { name: scope, scope });
      expect(t.status).toBe(201);
      scoped[`B api token (${scope})`] = t.body.token;
    }
    const code = await b.api.post(`/api/projects/${b.projectId}/pairing-codes`, {});
    scoped['B api token (agent)'] = (await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'pc' })).body.token;
    const login = await fetch(`${worker.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: b.email, password: 'correct horse battery' }) });
    const refresh = /spark_refresh=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(refresh).toBeTruthy();
    const claims = { sub: a.userId, email: a.email, typ: 'access' };
    const [head, , sig] = b.token.split('.');
    const ticket = await issueSocketTicket({ sub: b.userId, email: b.email, projectId: b.projectId, sessionId: bSession }, TEST_JWT_SECRET);
    const [tHead, tBody, tSig] = ticket.ticket.split('.');
    attackers = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: now(), exp: now() + 900 })}.`,
      'HS256, wrong key': await sign({ ...claims, iat: now(), exp: now() + 900 }, 'not-the-secret-0123456789abcdef', 'HS256'),
      'HS512, right key': await sign({ ...claims, iat: now(), exp: now() + 900 }, TEST_JWT_SECRET, 'HS512'),
      expired: await sign({ ...claims, iat: now() - 3600, exp: now() - 60 }, TEST_JWT_SECRET, 'HS256'),
      'not yet valid': await sign({ ...claims, iat: now(), nbf: now() + 3600, exp: now() + 7200 }, TEST_JWT_SECRET, 'HS256'),
      'no exp': await sign({ ...claims, iat: now() }, TEST_JWT_SECRET, 'HS256'),
      'tampered sub': `${head}.${b64({ ...claims, iat: now(), exp: now() + 900 })}.${sig}`,
      'tampered project (socket ticket)': `${tHead}.${b64({ ...JSON.parse(Buffer.from(tBody!, 'base64url').toString()), projectId: a.projectId })}.${tSig}`,
      'socket ticket as access token': ticket.ticket,
      'refresh token as access token': decodeURIComponent(refresh!),
      'B access token': b.token,
      ...scoped,
    };
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  /** A body each route takes, so a refusal is about who calls, not about what was sent. */
  function validRequest(method: string, path: string, op: Operation): { body?: string; contentType?: string } {
    if (method !== 'post') return {};
    if (op.requestBody?.content['application/x-ndjson']) return { body: JSON.stringify(makeEvent()) + '\n', contentType: 'application/x-ndjson' };
    const bodies: [RegExp, unknown][] = [
      [/\/members$/, { email: 'someone@example.com', role: 'viewer' }],
      [/\/tokens$/, { name: 'stolen', scope: 'read' }],
      [/\/sessions$/, { name: 'intruder' }],
      [/\/events$/, { events: [makeEvent()] }],
      [/\/dead-letters\/replay$/, { ids: [crypto.randomUUID()] }],
      [/\/ops$/, { op: 'render_preview', width: 16, height: 16 }],
      [/\/changes\/import$/, { version: 1, session_id: victim.sessionId, exported_at: new Date().toISOString(), changes: [] }],
      [/\/changes\/rollback$/, { to: crypto.randomUUID() }],
      [/\/webhooks$/, { name: 'hook', provider: 'github' }],
      [/^\/mcp/, { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
      [/\/extend$/, { ttl: '7d' }],
      [/\/snapshots$/, { name: 'stolen' }],
      [/\/chips$/, { yaml: 'chip: { id: stolen, name: Stolen, version: 1.0.0 }\ntriggers: { patterns: [x] }\n' }],
      [/\/assistant\/runs$/, { message: 'delete every script' }],
      [/\/digests$/, { period: 'weekly' }],
      [/\/outgoing-webhooks$/, { url: 'https://example.com/stolen' }],
      [/\/confirm$/, { tool_call_id: 'call_1', approve: true }],
    ];
    const body = bodies.find(([re]) => re.test(path))?.[1] ?? {};
    return { body: JSON.stringify(body), contentType: 'application/json' };
  }

  it('refuses every forged token and every other-tenant credential on every route of the project', async () => {
    const doc = (await apiClient(worker.url).get('/api/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    // GET/DELETE /mcp/{projectId} answer 405 to everyone (a stateless MCP server serves nothing there);
    // OAuth's resource metadata is public by design (it names the authorization server, nothing else).
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.includes('{projectId}') && !path.endsWith('/connect') && !path.startsWith('/.well-known/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })))
      .filter((r) => !(r.path.startsWith('/mcp') && r.method !== 'post'));
    expect(routes.length).toBeGreaterThanOrEqual(40);
    const ids: Record<string, string> = { projectId: victim.projectId, sessionId: victim.sessionId };
    const before = await tableCounts(sql);
    const failures: string[] = [];
    const rows: string[] = [];
    let total = 0;
    for (const { method, path, op } of routes) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? crypto.randomUUID());
      // The one required query parameter, so a refusal is not about a missing one.
      const query = path.endsWith('/scripts/content') ? '?path=Assets%2FScripts%2FPlayer.cs' : '';
      const req = validRequest(method, path, op);
      const statuses = new Map<number, number>();
      await Promise.all(Object.entries(attackers).map(async ([who, token]) => {
        const res = await fetch(worker.url + url + query, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream', ...(req.contentType ? { 'content-type': req.contentType } : {}) },
          body: req.body,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        let shape: string | null = 'not JSON';
        try {
          shape = errorShapeProblem(JSON.parse(text));
        } catch {}
        if (![401, 403, 404].includes(res.status) || shape) failures.push(`${who} ${method.toUpperCase()} ${path} → ${res.status} ${text.slice(0, 160)}`);
      }));
      total += Object.keys(attackers).length;
      rows.push(`${method.toUpperCase().padEnd(6)} ${path.padEnd(84)} ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
    }
    // The project's own owner, with the same requests, is let in (a refusal above is about the caller).
    const owner = await fetch(`${worker.url}/api/projects/${victim.projectId}/sessions`, { headers: { authorization: `Bearer ${victim.token}` } });
    expect(owner.status).toBe(200);
    console.log([...rows, `token attacks: ${total} requests (${Object.keys(attackers).length} credentials × ${routes.length} routes), ${failures.length} let in or badly refused`].join('\n'));
    expect(failures).toEqual([]);
    // Refused means nothing written: every table has the rows it had (touching last_used_at adds none).
    expect(diff(before, await tableCounts(sql))).toEqual([]);
  });

  it("refuses the project's session socket to every forged token and other-tenant credential", async () => {
    const ws = `${worker.url.replace(/^http/, 'ws')}/api/projects/${victim.projectId}/sessions/${victim.sessionId}/connect`;
    let refused = 0;
    for (const [who, token] of Object.entries(attackers)) {
      for (const role of ['browser', 'agent']) {
        await expect(openSocket(`${ws}?role=${role}`, { token }), `${who} as ${role}`).rejects.toThrow(/WebSocket refused: 40[134]/);
        refused++;
      }
    }
    // A forged ticket in the URL, as a browser would send it.
    await expect(openSocket(`${ws}?role=browser&ticket=${encodeURIComponent(attackers['tampered project (socket ticket)']!)}`)).rejects.toThrow(/40[134]/);
    console.log(`socket attacks: ${refused + 1} upgrades refused`);
  });
});
