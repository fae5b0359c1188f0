/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from 'hono/jsx/dom';
import type { AgentView, PairingCodeView } from '../../../contracts/api';
import { errorMessage, projectsApi, unwrap } from '../lib/api';
import { formatCountdown } from '../lib/format';
import { useInterval, useNow, useResource, useTitle } from '../lib/hooks';
import { navigate } from '../lib/nav';
import { paths } from '../lib/routes';
import { Badge, CopyButton, EmptyState, InlineError, Link, Spinner, TimeAgo, type Tone } from '../components/ui';
import { ConnectAiPanel } from '../panels/connect-ai';

type AgentItem = AgentView;
type Pairing = PairingCodeView & { knownIds: string[] };

export const sessionTone = (state: string): Tone => (state === 'active' ? 'ok' : state === 'sleeping' ? 'info' : 'muted');
export const agentTone = (status: string): Tone => (status === 'online' ? 'ok' : 'muted');

export function ProjectPage(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get(param)), [props.projectId]);
  useTitle(project.data?.name ?? 'Project');
  const [sessionCount, setSessionCount] = useState(0);

  if (project.error && !project.data) {
    return (
      <main id="main" class="page">
        <Breadcrumbs name={null} />
        <section class="card">
          <h1>Project unavailable</h1>
          <InlineError message={project.error} />
          <Link href={paths.projects()} class="btn">
            Back to projects
          </Link>
        </section>
      </main>
    );
  }
  return (
    <main id="main" class="page">
      <Breadcrumbs name={project.data?.name ?? null} />
      <div class="page-head">
        <h1 data-testid="project-title">{project.data?.name ?? 'Loading…'}</h1>
        {project.data?.role ? <Badge tone="muted">{project.data.role}</Badge> : null}
        <Link href={paths.dashboard(props.projectId)} class="btn btn-small" data-testid="dashboard-link">
          Dashboard
        </Link>
        <Link href={paths.integrations(props.projectId)} class="btn btn-small" data-testid="integrations-link">
          Integrations
        </Link>
        <Link href={paths.digests(props.projectId)} class="btn btn-small" data-testid="digests-link">
          Digests
        </Link>
        <Link href={paths.chips(props.projectId)} class="btn btn-small" data-testid="chips-link">
          Chips
        </Link>
      </div>
      <div class="two-col">
        <Sessions projectId={props.projectId} onCount={setSessionCount} />
        <Agents projectId={props.projectId} hasSession={sessionCount > 0} />
      </div>
      <ConnectAiPanel projectId={props.projectId} isOwner={project.data?.role === 'owner'} />
    </main>
  );
}

function Breadcrumbs(props: { name: string | null }) {
  return (
    <nav class="crumbs" aria-label="Breadcrumb">
      <Link href={paths.projects()}>Projects</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{props.name ?? 'Project'}</span>
    </nav>
  );
}

function Agents(props: { projectId: string; hasSession: boolean }) {
  const hasSession = props.hasSession;
  const param = { param: { projectId: props.projectId } };
  const agents = useResource(() => unwrap(projectsApi[':projectId'].agents.$get(param)), [props.projectId]);
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000, pairing !== null);
  const items: AgentItem[] = agents.data?.items ?? [];
  const expired = pairing !== null && Date.parse(pairing.expires_at) <= now;
  const paired = pairing ? items.find((a) => !pairing.knownIds.includes(a.id)) : undefined;
  // While a code is out, watch for the agent closely; otherwise now and then.
  useInterval(() => void agents.reload(), pairing && paired?.status !== 'online' && !expired ? 3000 : 15_000);

  const addAgent = async () => {
    setBusy(true);
    setError(null);
    try {
      // The agents there before the code: whatever appears after it is the one that paired.
      const known = await unwrap(projectsApi[':projectId'].agents.$get(param));
      const res = await unwrap(projectsApi[':projectId']['pairing-codes'].$post(param));
      setPairing({ ...res, knownIds: known.items.map((a) => a.id) });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="agents-title" data-testid="agents-panel">
      <header class="panel-head">
        <h2 id="agents-title">Agents</h2>
        <button type="button" class="btn btn-primary btn-small" onClick={addAgent} disabled={busy} data-testid="add-agent">
          {busy ? 'Making a code…' : pairing ? 'New code' : 'Add agent'}
        </button>
      </header>
      <p class="muted small">An agent runs on the machine with Unity and does the work there. It connects out to Spark; no ports to open.</p>
      <InlineError message={error} />
      {pairing ? (
        <div class="pairing" data-testid="pairing">
          <div class="pairing-code-row">
            <div>
              <div class="label">Pairing code</div>
              <div class="pairing-code" data-testid="pairing-code">
                {pairing.code}
              </div>
            </div>
            <div class="pairing-expiry" data-testid="pairing-expiry">
              {expired ? (
                <Badge tone="err">expired</Badge>
              ) : (
                <>
                  <span class="label">Expires in</span>
                  <time dateTime={pairing.expires_at} aria-live="off">
                    {formatCountdown(pairing.expires_at, now)}
                  </time>
                </>
              )}
            </div>
          </div>
          <ol class="steps">
            <li>
              On the machine with Unity (it needs <a href="https://nodejs.org/">Node.js</a> 20 or newer, nothing else), open the Unity editor with its MCP server
              running, and open a terminal.
            </li>
            <li>
              Run this command. It downloads the Spark agent from this server, pairs it with this project and keeps it running:
              <div class="command">
                <code data-testid="pairing-command">{pairing.command}</code>
                <CopyButton text={pairing.command} label="Copy the pairing command" data-testid="copy-command" />
              </div>
            </li>
            <li>
              Leave it running (Ctrl-C stops it). It prints a status page address (<code>http://127.0.0.1:7878</code>) you can open on that machine. To run it
              again later: <code data-testid="start-command">{pairing.start_command}</code>
            </li>
          </ol>
          <details class="fold" data-testid="unity-mcp-help">
            <summary>
              <span class="subhead">Unity MCP server address and key</span>
            </summary>
            <p class="small">
              The agent talks to CoplayDev’s Unity MCP server at <code>UNITY_MCP_URL</code>, by default <code>http://localhost:8080/mcp</code>. If the server
              asks for an API key, put it in <code>UNITY_MCP_TOKEN</code> (sent as <code>X-API-Key</code>). Set them in the same terminal before the command:
            </p>
            <pre class="code small" data-testid="unity-env-example">
              <code>{`# macOS, Linux
export UNITY_MCP_URL=http://localhost:8080/mcp
export UNITY_MCP_TOKEN=your-key

# Windows PowerShell
$env:UNITY_MCP_URL="http://localhost:8080/mcp"
$env:UNITY_MCP_TOKEN="your-key"`}</code>
            </pre>
          </details>
          <div class="pairing-status" role="status" aria-live="polite" data-testid="pairing-status" data-state={paired ? (paired.status === 'online' ? 'online' : 'paired') : expired ? 'expired' : 'waiting'}>
            {paired ? (
              paired.status === 'online' ? (
                <>
                  <Badge tone="ok">online</Badge> <strong>{paired.name}</strong> is connected. Open a session to work with it.
                </>
              ) : (
                <>
                  <Spinner label="Waiting" /> Paired with <strong>{paired.name}</strong>. It comes online when it connects to an active session
                  {hasSession ? ', in a few seconds.' : ': start one under Sessions (the agent looks for new ones every 30 s).'}
                </>
              )
            ) : expired ? (
              <>This code has expired. Make a new one with “New code”.</>
            ) : (
              <>
                <Spinner label="Waiting" /> Waiting for the command to run on your Unity machine… This page updates by itself.
              </>
            )}
          </div>
        </div>
      ) : null}
      {agents.loading && !agents.data ? <Spinner label="Loading agents" /> : null}
      {agents.error ? <InlineError message={agents.error} /> : null}
      {agents.data && items.length === 0 && !pairing ? <EmptyState data-testid="agents-empty">No agent yet. Press “Add agent” to pair your Unity machine.</EmptyState> : null}
      {items.length > 0 ? (
        <ul class="list" data-testid="agent-list">
          {items.map((a) => (
            <li key={a.id} class="list-row" data-testid="agent-row">
              <div class="list-main">
                <strong>{a.name}</strong>
                <span class="muted small">
                  {a.unity_profile ? `${a.unity_profile} · ` : ''}last seen <TimeAgo at={a.last_seen_at} />
                </span>
              </div>
              <Badge tone={agentTone(a.status)} data-testid="agent-status">
                {a.status}
              </Badge>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function Sessions(props: { projectId: string; onCount: (n: number) => void }) {
  const param = { param: { projectId: props.projectId } };
  const sessions = useResource(() => unwrap(projectsApi[':projectId'].sessions.$get({ ...param, query: {} })), [props.projectId]);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const items = sessions.data?.items ?? [];
  const active = items.filter((s) => s.state === 'active').length;
  useEffect(() => props.onCount(active), [active]);

  const create = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const n = name.trim() || `Session ${items.length + 1}`;
    setBusy(true);
    setError(null);
    try {
      const s = await unwrap(projectsApi[':projectId'].sessions.$post({ ...param, json: { name: n } }));
      setName('');
      navigate(paths.session(props.projectId, s.id));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="sessions-title" data-testid="sessions-panel">
      <h2 id="sessions-title">Sessions</h2>
      <p class="muted small">A session is a working sitting: its operations, previews, builds and undo history.</p>
      <form class="inline-form" onSubmit={create} data-testid="new-session-form">
        <label for="session-name" class="sr-only">
          New session name
        </label>
        <input
          id="session-name"
          name="name"
          maxLength={120}
          placeholder={`Session ${items.length + 1}`}
          value={name}
          onInput={(e: Event) => setName((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-session">
          {busy ? 'Starting…' : 'New session'}
        </button>
      </form>
      <InlineError message={error} />
      {sessions.loading && !sessions.data ? <Spinner label="Loading sessions" /> : null}
      <InlineError message={sessions.error} />
      {sessions.data && items.length === 0 ? <EmptyState data-testid="sessions-empty">No sessions yet.</EmptyState> : null}
      <ul class="list" data-testid="session-list">
        {items.map((s) => (
          <li key={s.id} class="list-row">
            <Link href={paths.session(props.projectId, s.id)} class="list-main" data-testid="session-link">
              <strong>{s.name}</strong>
              <span class="muted small">
                started <TimeAgo at={s.created_at} />
                {s.last_active_at ? (
                  <>
                    {' · active '}
                    <TimeAgo at={s.last_active_at} />
                  </>
                ) : null}
              </span>
            </Link>
            <Badge tone={sessionTone(s.state)} data-testid="session-state">
              {s.state}
            </Badge>
          </li>
        ))}
      </ul>
    </section>
  );
}
