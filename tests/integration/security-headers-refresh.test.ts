// Issue 15, item 10, and issue 8's refresh tokens: security headers on the page and on the API;
// the refresh token is an httpOnly cookie that rotates, whose reuse ends the whole sign-in, and
// that logout revokes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, signUpAndLogIn } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

const cookieOf = (res: Response) => res.headers.get('set-cookie') ?? '';
const refreshValue = (setCookie: string) => /spark_refresh=([^;]*)/.exec(setCookie)?.[1] ?? '';

describe('security: headers, and refresh tokens in an httpOnly cookie', () => {
  let db: TestDatabase;
  let worker: SparkWorker;

  beforeAll(async () => {
    db = await createTestDatabase('sec_headers');
    worker = await startSparkWorker({ databaseUrl: db.url, withAssets: true, authRateLimit: { limit: 1000, period: 60 } });
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  it('sends CSP, frame-ancestors, nosniff and Referrer-Policy with the page, its assets and the API', async () => {
    const html = await worker.fetch('/projects/some/sessions/thing');
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const body = await html.text();
    const asset = /src="(\/assets\/main-[A-Z0-9]+\.js)"/.exec(body)![1]!;
    for (const res of [html, await worker.fetch('/'), await worker.fetch(asset)]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    for (const res of [await worker.fetch('/api/projects'), await worker.fetch('/health'), await worker.fetch('/api/nothing-here'), await worker.fetch('/api/openapi.json')]) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('sets the refresh cookie httpOnly, SameSite=Strict, on /api/auth only, and rotates it on each use', async () => {
    const email = `fresh-${Date.now()}@example.com`;
    await signUpAndLogIn(worker.url, email, 'teal lantern quietly');
    const login = await worker.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'teal lantern quietly' }) });
    const set = cookieOf(login);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/api\/auth/);
    expect(set).not.toMatch(/Secure/i); // plain http on 127.0.0.1 only
    const first = refreshValue(set);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await login.json())).not.toContain(first);

    const refresh = (value: string) => worker.fetch('/api/auth/refresh', { method: 'POST', headers: { cookie: `spark_refresh=${value}` } });
    const r1 = await refresh(first);
    expect(r1.status).toBe(200);
    const r1body = (await r1.json()) as { token: string; user: { email: string } };
    expect(r1body.user.email).toBe(email);
    expect((await apiClient(worker.url, r1body.token).get('/api/auth/me')).status).toBe(200);
    const second = refreshValue(cookieOf(r1));
    expect(second).not.toBe(first);

    // Reusing the spent one is theft: the whole family ends, the current token too.
    const reuse = await refresh(first);
    expect(reuse.status).toBe(401);
    expect(cookieOf(reuse)).toMatch(/spark_refresh=;|Max-Age=0/);
    expect((await refresh(second)).status).toBe(401);
  });

  it('revokes on logout, lists sign-ins and ends one, and refuses cross-site refreshes', async () => {
    const email = `multi-${Date.now()}@example.com`;
    const a = await signUpAndLogIn(worker.url, email, 'amber kettle sings');
    const login = () => worker.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'amber kettle sings' }) });
    const laptop = refreshValue(cookieOf(await login()));
    const phone = refreshValue(cookieOf(await login()));
    const refresh = (value: string, headers: Record<string, string> = {}) =>
      worker.fetch('/api/auth/refresh', { method: 'POST', headers: { cookie: `spark_refresh=${value}`, ...headers } });

    expect((await refresh(laptop, { origin: 'https://evil.example' })).status).toBe(403);
    const logout = await worker.fetch('/api/auth/logout', { method: 'POST', headers: { cookie: `spark_refresh=${laptop}` } });
    expect(logout.status).toBe(204);
    expect(cookieOf(logout)).toMatch(/spark_refresh=;|Max-Age=0/);
    expect((await refresh(laptop)).status).toBe(401);

    const me = apiClient(worker.url, a.token);
    const list = await me.get('/api/auth/sessions');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2); // the helper's own login, and the phone
    const r = await refresh(phone);
    expect(r.status).toBe(200);
    const phoneNext = refreshValue(cookieOf(r));
    const ids = (await me.get('/api/auth/sessions')).body.items.map((i: { id: string }) => i.id) as string[];
    for (const id of ids) expect((await me.delete(`/api/auth/sessions/${id}`)).status).toBe(204);
    expect((await refresh(phoneNext)).status).toBe(401);
    expect((await me.get('/api/auth/sessions')).body.items).toHaveLength(0);
    expect((await me.delete(`/api/auth/sessions/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
