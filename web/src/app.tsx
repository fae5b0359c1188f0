/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from 'hono/jsx/dom';
import { getAuth, isRestoring, logout as endSignIn, onAuthChange, refreshAuth, type Auth } from './lib/auth';
import { currentRoute, navigate, onRouteChange } from './lib/nav';
import { needsAuth, paths, type Route } from './lib/routes';
import { toastOk } from './lib/toast';
import { Link, Toasts } from './components/ui';
import { AuthPage } from './pages/auth';
import { DashboardPage } from './pages/dashboard';
import { ChipsPage } from './pages/chips';
import { DigestsPage } from './pages/digests';
import { IntegrationsPage } from './pages/integrations';
import { ProjectPage } from './pages/project';
import { ProjectsPage } from './pages/projects';
import { SessionPage } from './pages/session';

export function App() {
  const [route, setRoute] = useState<Route>(currentRoute());
  const [auth, setAuthState] = useState<Auth | null>(getAuth());
  const [restoring, setRestoring] = useState(isRestoring());
  useEffect(() => onRouteChange(setRoute), []);
  useEffect(
    () =>
      onAuthChange((a) => {
        setAuthState(a);
        setRestoring(isRestoring());
      }),
    [],
  );
  // The access token lives in memory: a new page asks for one with the refresh cookie first.
  useEffect(() => {
    void refreshAuth();
  }, []);

  // Pages that need a login go to the login page (and come back after), once the refresh on
  // load has answered.
  const blocked = needsAuth(route) && !auth && !restoring;
  useEffect(() => {
    if (blocked) navigate(paths.login(route.name === 'projects' ? null : location.pathname + location.search), { replace: true });
    else if (auth && (route.name === 'login' || route.name === 'signup')) navigate(route.next ?? paths.projects(), { replace: true });
  }, [blocked, route, auth]);

  // Move focus to the new page's heading so keyboard and screen-reader users know where they are.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h && document.activeElement === document.body) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
  }, [route]);

  const logout = async () => {
    await endSignIn();
    toastOk('Logged out.');
    navigate(paths.login(), { replace: true });
  };

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      {auth && !blocked && route.name !== 'login' && route.name !== 'signup' ? (
        <header class="topbar">
          <Link href={paths.projects()} class="brand" aria-label="Spark — your projects">
            <span class="logo" aria-hidden="true">
              ✦
            </span>{' '}
            Spark
          </Link>
          <div class="topbar-user">
            <span class="muted small user-email" data-testid="user-email">
              {auth.email}
            </span>
            <button type="button" class="btn btn-ghost btn-small" onClick={logout} data-testid="logout">
              Log out
            </button>
          </div>
        </header>
      ) : null}
      {blocked || (restoring && needsAuth(route)) ? null : <Page route={route} />}
      <Toasts />
    </>
  );
}

function Page(props: { route: Route }) {
  const r = props.route;
  switch (r.name) {
    case 'login':
    case 'signup':
      return <AuthPage mode={r.name} next={r.next} />;
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return <ProjectPage projectId={r.projectId} />;
    case 'dashboard':
      return <DashboardPage projectId={r.projectId} />;
    case 'integrations':
      return <IntegrationsPage projectId={r.projectId} />;
    case 'digests':
      return <DigestsPage projectId={r.projectId} />;
    case 'chips':
      return <ChipsPage projectId={r.projectId} />;
    case 'session':
      return <SessionPage projectId={r.projectId} sessionId={r.sessionId} />;
    case 'not-found':
      return (
        <main id="main" class="page">
          <section class="card">
            <h1>Page not found</h1>
            <p class="muted">
              Nothing lives at <code>{r.path}</code>.
            </p>
            <Link href={paths.projects()} class="btn">
              Go to your projects
            </Link>
          </section>
        </main>
      );
  }
}
