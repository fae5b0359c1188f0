import { randomUUID } from 'node:crypto';
import type { SparkEventV1 } from '../../contracts/event';

/** A tiny JSON client for the API as a user or a machine sees it. */
export function apiClient(base: string, token?: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
    delete: (path: string) => call('DELETE', path),
    as: (t: string) => apiClient(base, t),
  };
}

/** Signs up a fresh user and creates a project; returns the user's client and ids. */
export async function userWithProject(base: string, label = 'user') {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const anon = apiClient(base);
  const signup = await signUpAndLogIn(base, email, 'correct horse battery');
  const user = anon.as(signup.token);
  const project = await user.post('/api/projects', { name: `${label}'s game` });
  if (project.status !== 201) throw new Error(`project failed: ${project.status} ${JSON.stringify(project.body)}`);
  return { email, token: signup.token, userId: signup.user.id, projectId: project.body.id as string, api: user };
}

/** Sign-up answers alike for every email (202), so a person then logs in: both, as the web does. */
export async function signUpAndLogIn(base: string, email: string, password: string) {
  const anon = apiClient(base);
  const signup = await anon.post('/api/auth/signup', { email, password });
  if (signup.status !== 202) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await anon.post('/api/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body as { token: string; expires_in: number; user: { id: string; email: string } };
}

export function makeEvent(overrides: Partial<SparkEventV1> = {}): SparkEventV1 {
  return {
    v: 1,
    id: randomUUID(),
    type: 'unity.script_generated',
    source: 'tests',
    kind: 'system',
    ts: Date.now() / 1000,
    session_id: 'session-1',
    payload: { path: 'Assets/Scripts/Player.cs' },
    ...overrides,
  };
}

/** Polls until `check` returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
