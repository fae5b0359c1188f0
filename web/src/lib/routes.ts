// History routing (the Worker answers index.html for any path that is not an API route).
// `parseRoute` is pure and unit-tested in tests/unit/web-routes.test.ts.

export type Route =
  | { name: 'login'; next: string | null }
  | { name: 'signup'; next: string | null }
  | { name: 'projects' }
  | { name: 'project'; projectId: string }
  | { name: 'dashboard'; projectId: string }
  | { name: 'integrations'; projectId: string }
  | { name: 'digests'; projectId: string }
  | { name: 'chips'; projectId: string }
  | { name: 'session'; projectId: string; sessionId: string }
  | { name: 'not-found'; path: string };

const ID = '([0-9A-Za-z-]{1,64})';
const PROJECT = new RegExp(`^/projects/${ID}$`);
const DASHBOARD = new RegExp(`^/projects/${ID}/dashboard$`);
const INTEGRATIONS = new RegExp(`^/projects/${ID}/integrations$`);
const DIGESTS = new RegExp(`^/projects/${ID}/digests$`);
const CHIPS = new RegExp(`^/projects/${ID}/chips$`);
const SESSION = new RegExp(`^/projects/${ID}/sessions/${ID}$`);

/** Only same-origin, absolute paths are honoured as a place to go back to after logging in. */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (next.startsWith('/login') || next.startsWith('/signup')) return null;
  return next;
}

export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const next = safeNext(new URLSearchParams(search).get('next'));
  if (path === '/login') return { name: 'login', next };
  if (path === '/signup') return { name: 'signup', next };
  if (path === '/' || path === '/projects') return { name: 'projects' };
  let m = SESSION.exec(path);
  if (m) return { name: 'session', projectId: m[1]!, sessionId: m[2]! };
  m = DASHBOARD.exec(path);
  if (m) return { name: 'dashboard', projectId: m[1]! };
  m = INTEGRATIONS.exec(path);
  if (m) return { name: 'integrations', projectId: m[1]! };
  m = DIGESTS.exec(path);
  if (m) return { name: 'digests', projectId: m[1]! };
  m = CHIPS.exec(path);
  if (m) return { name: 'chips', projectId: m[1]! };
  m = PROJECT.exec(path);
  if (m) return { name: 'project', projectId: m[1]! };
  return { name: 'not-found', path };
}

export const paths = {
  login: (next?: string | null) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login'),
  signup: (next?: string | null) => (next ? `/signup?next=${encodeURIComponent(next)}` : '/signup'),
  projects: () => '/projects',
  project: (projectId: string) => `/projects/${projectId}`,
  dashboard: (projectId: string) => `/projects/${projectId}/dashboard`,
  integrations: (projectId: string) => `/projects/${projectId}/integrations`,
  digests: (projectId: string) => `/projects/${projectId}/digests`,
  chips: (projectId: string) => `/projects/${projectId}/chips`,
  session: (projectId: string, sessionId: string) => `/projects/${projectId}/sessions/${sessionId}`,
};

/** Routes that need a logged-in person. */
export const needsAuth = (r: Route) => r.name !== 'login' && r.name !== 'signup' && r.name !== 'not-found';
