/** @jsxImportSource hono/jsx/dom */
import { useCallback, useEffect, useReducer, useState } from 'hono/jsx/dom';
import type { UnityOperationInput } from '../../../contracts/unity-ops';
import { errorMessage, projectsApi, sendToLogin, unwrap, type SessionParam } from '../lib/api';
import { useInterval, useResource, useTitle } from '../lib/hooks';
import { currentAgentTarball, startCommand as agentStartCommand } from '../lib/agent-install';
import { LiveSocket } from '../lib/live';
import { describeOp, initialLiveState, liveReducer, type ConnState, type LiveState } from '../lib/live-state';
import type { Preset } from '../lib/presets';
import { paths } from '../lib/routes';
import { Badge, InlineError, Link, type Tone } from '../components/ui';
import { AssistantPanel } from '../panels/assistant';
import { BuildPanel } from '../panels/build';
import { HistoryPanel } from '../panels/history';
import { PresetsPanel } from '../panels/presets';
import { PreviewPanel } from '../panels/preview';
import { ScriptsPanel } from '../panels/scripts';
import { SnapshotsPanel } from '../panels/snapshots';
import { ProgressPanel } from '../panels/progress';
import { sessionTone } from './project';

/** Queues an operation for the session's agent; resolves to its call id (rejects with a message). */
export type SendOp = (op: UnityOperationInput) => Promise<string>;

/** Operations that change files, and so add to the undo history. */
const CHANGING_OPS = ['generate_script', 'apply_patch', 'delete_script'];

let presetsPromise: Promise<Preset[]> | null = null;
/** presets.json is fetched when a session opens (it is not in the JS bundle), once per page load. */
function loadPresets(): Promise<Preset[]> {
  presetsPromise ??= fetch('/presets.json')
    .then((r) => {
      if (!r.ok) throw new Error(`presets could not be loaded (${r.status})`);
      return r.json() as Promise<Preset[]>;
    })
    .catch((err: unknown) => {
      presetsPromise = null;
      throw new Error(err instanceof TypeError ? 'Presets could not be loaded: check your connection.' : errorMessage(err));
    });
  return presetsPromise;
}

const CONN: Record<ConnState, { text: string; tone: Tone }> = {
  connecting: { text: 'Connecting…', tone: 'info' },
  open: { text: 'Live', tone: 'ok' },
  reconnecting: { text: 'Reconnecting…', tone: 'warn' },
  closed: { text: 'Offline', tone: 'err' },
};

export function SessionPage(props: { projectId: string; sessionId: string }) {
  const { projectId, sessionId } = props;
  const sp: SessionParam = { param: { projectId, sessionId } };
  const sessionApi = projectsApi[':projectId'].sessions[':sessionId'];
  const session = useResource(() => unwrap(sessionApi.$get(sp)), [sessionId]);
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get({ param: { projectId } })), [projectId]);
  const presets = useResource(loadPresets, []);
  const tarball = useResource(currentAgentTarball, []);
  const [live, dispatch] = useReducer(liveReducer, initialLiveState());
  const [buildPresetId, setBuildPresetId] = useState('');
  const [labels, setLabels] = useState<Record<string, string>>({});
  const label = useCallback((entries: Record<string, string>) => setLabels((all) => ({ ...all, ...entries })), []);
  useTitle(session.data?.name ?? 'Session');

  useEffect(() => {
    const socket = new LiveSocket(projectId, sessionId, {
      onMessage: (msg) => dispatch({ type: 'message', msg, at: Date.now() }),
      onState: (conn) => dispatch({ type: 'conn', conn }),
      onExpired: () => sendToLogin(),
    });
    socket.start();
    return () => socket.stop();
  }, [projectId, sessionId]);

  // While the socket is down, poll so the page still moves.
  const poll = useCallback(async () => {
    try {
      const res = await unwrap(sessionApi.ops.$get(sp));
      dispatch({ type: 'poll', items: res.items as LiveState['ops'][string][], agent: res.agent });
    } catch {
      // the socket's state already says we are offline
    }
  }, [sessionId]);
  useInterval(() => void poll(), 5000, live.conn !== 'open');

  const sendOp: SendOp = useCallback(
    async (op: UnityOperationInput) => {
      const res = await unwrap(
        sessionApi.ops.$post({ ...sp, json: op }),
      );
      dispatch({ type: 'queued', callId: res.callId, op: op.op, at: Date.now() });
      label({ [res.callId]: describeOp(op) });
      return res.callId;
    },
    [sessionId],
  );

  const changeTick = Object.values(live.ops).filter((o) => CHANGING_OPS.includes(o.op) && o.state === 'succeeded').length;
  const framePath = (callId: string) => `/api/projects/${projectId}/sessions/${sessionId}/frames/${callId}`;
  const useForBuild = (id: string) => {
    setBuildPresetId(id);
    document.getElementById('build')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  const s = session.data;
  // What runs the paired agent again on the Unity machine (pairing a new one: the project page).
  const startCommand = agentStartCommand(tarball.data);
  const closed = s && (s.state === 'stopped' || s.state === 'expired');
  const conn = CONN[live.conn];
  const agent = live.agent;

  if (session.error && !s) {
    return (
      <main id="main" class="page">
        <section class="card">
          <h1>Session unavailable</h1>
          <InlineError message={session.error} />
          <Link href={paths.project(projectId)} class="btn">
            Back to the project
          </Link>
        </section>
      </main>
    );
  }

  return (
    <main id="main" class="page page-wide" data-testid="session-view">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.project(projectId)}>{project.data?.name ?? 'Project'}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{s?.name ?? 'Session'}</span>
      </nav>
      <div class="session-head">
        <div>
          <h1 data-testid="session-title">{s?.name ?? 'Loading…'}</h1>
          {s ? (
            <Badge tone={sessionTone(s.state)} data-testid="session-state">
              {s.state}
            </Badge>
          ) : null}
        </div>
        <div class="status-pills">
          <span class={`pill pill-${conn.tone}`} data-testid="live-status" data-state={live.conn} role="status" aria-label={`Live connection: ${conn.text}`}>
            <span class="dot" aria-hidden="true" />
            {conn.text}
          </span>
          <span
            class={`pill pill-${live.online ? 'ok' : 'muted'}`}
            data-testid="agent-indicator"
            data-online={live.online ? 'true' : 'false'}
            title={agent ? `${agent.name} ${agent.version} · Unity ${agent.unity} · circuit ${agent.circuit} · outbox ${agent.outboxDepth}` : 'No agent has connected to this session'}
          >
            <span class="dot" aria-hidden="true" />
            {live.online ? `Agent ${agent?.name ?? ''} online` : 'Agent offline'}
            {live.online && agent && agent.unity !== 'up' ? ` · Unity ${agent.unity}` : ''}
          </span>
        </div>
      </div>
      {closed ? (
        <p class="notice notice-err" role="status">
          This session is {s!.state}: new operations are refused. <Link href={paths.project(projectId)}>Start a new session</Link>.
        </p>
      ) : live.synced && !live.online ? (
        <p class="notice notice-warn" role="status" data-testid="agent-offline-notice" key="agent-offline">
          <strong>No agent is online.</strong> On your Unity machine, run <code data-testid="agent-start-command">{startCommand}</code> — or, for a machine that
          is not paired yet, <Link href={paths.project(projectId)}>add an agent</Link>. What you ask for meanwhile waits in the queue (unclaimed operations
          expire after a while).
        </p>
      ) : live.online && agent?.unity === 'down' ? (
        <p class="notice notice-warn" role="status" data-testid="unity-down-notice">
          <strong>The agent is online but cannot reach Unity.</strong> Open the Unity editor with its MCP server running; the agent looks for it at
          UNITY_MCP_URL (default http://localhost:8080/mcp), with UNITY_MCP_TOKEN as its key when it asks for one.
        </p>
      ) : null}
      {/* Two columns on wide screens; on a phone the columns dissolve and the panels stack in `order`. */}
      {/* Keyed: the notice above comes and goes, and must never be taken for the grid (which would remount every panel). */}
      <div class="session-grid" key="grid">
        <div class="session-col">
          <ProgressPanel live={live} labels={labels} agentCommand={startCommand} />
          <PreviewPanel live={live} sendOp={sendOp} framePath={framePath} />
          <BuildPanel live={live} sendOp={sendOp} sp={sp} presets={presets.data} presetId={buildPresetId} onPresetChange={setBuildPresetId} />
        </div>
        <div class="session-col">
          <AssistantPanel projectId={projectId} sessionId={sessionId} />
          <PresetsPanel live={live} sendOp={sendOp} presets={presets.data} error={presets.error} onUseForBuild={useForBuild} />
          <HistoryPanel sp={sp} changeTick={changeTick} onLabels={label} />
          <SnapshotsPanel sp={sp} onLabels={label} closed={!!closed} />
        </div>
        <ScriptsPanel live={live} sendOp={sendOp} sp={sp} changeTick={changeTick} agentCommand={startCommand} />
      </div>
    </main>
  );
}
