/** @jsxImportSource hono/jsx/dom */
import { useState } from 'hono/jsx/dom';
import { errorMessage, projectsApi, unwrap } from '../lib/api';
import { useResource, useTitle } from '../lib/hooks';
import { navigate } from '../lib/nav';
import { paths } from '../lib/routes';
import { toastOk } from '../lib/toast';
import { Badge, EmptyState, InlineError, Link, Spinner, TimeAgo } from '../components/ui';

export function ProjectsPage() {
  useTitle('Projects');
  const projects = useResource(() => unwrap(projectsApi.$get()), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    if (!name.trim() || busy) {
      if (!name.trim()) setError('Give the project a name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const p = await unwrap(projectsApi.$post({ json: { name: name.trim() } }));
      setName('');
      toastOk(`Project “${p.name}” created.`);
      navigate(paths.project(p.id));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const items = projects.data?.items ?? [];
  return (
    <main id="main" class="page">
      <div class="page-head">
        <h1>Projects</h1>
        <p class="muted">Each project is one Unity game. Pair the machine it lives on, then work in sessions.</p>
      </div>
      <div class="two-col">
        <section class="card" aria-labelledby="projects-list-title">
          <h2 id="projects-list-title">Your projects</h2>
          {projects.loading && !projects.data ? <Spinner label="Loading projects" /> : null}
          <InlineError message={projects.error} />
          {projects.data && items.length === 0 ? (
            <EmptyState data-testid="projects-empty">No projects yet — create your first one.</EmptyState>
          ) : null}
          <ul class="list" data-testid="project-list">
            {items.map((p) => (
              <li key={p.id} class="list-row">
                <Link href={paths.project(p.id)} class="list-main" data-testid="project-link">
                  <strong>{p.name}</strong>
                  <span class="muted small">
                    created <TimeAgo at={p.created_at} />
                  </span>
                </Link>
                {p.role ? <Badge tone="muted">{p.role}</Badge> : null}
              </li>
            ))}
          </ul>
        </section>
        <form class="card" onSubmit={create} aria-labelledby="new-project-title" data-testid="new-project-form">
          <h2 id="new-project-title">New project</h2>
          <label for="project-name">Project name</label>
          <input
            id="project-name"
            name="name"
            maxLength={120}
            placeholder="e.g. Moonlit Platformer"
            value={name}
            onInput={(e: Event) => setName((e.target as HTMLInputElement).value)}
          />
          <InlineError message={error} />
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-project">
            {busy ? 'Creating…' : 'Create project'}
          </button>
        </form>
      </div>
    </main>
  );
}
