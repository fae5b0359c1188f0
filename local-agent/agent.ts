// The agent, wired: config + executor (Unity MCP) + one edge link per active session of the project
// (the list is refreshed periodically) + NATS bridge + durable outbox + tray.
//
// Every op: journal (on disk) → op.accepted → executor.run with hooks (progress and frames to the
// link; events to NATS and to the outbox) → op.result (journaled, then sent — or sent when the link
// is back). Ops run one at a time by default: a Unity editor does one thing at a time.
import type { AgentInfo, OpDispatch } from '../contracts/ws';
import { requirePaired, type AgentConfig } from './config';
import { errorMessage, silentLogger, type Logger } from './log';
import { createEdgeApi } from './edge-api';
import { createEdgeLink, type EdgeLink } from './edge-link';
import type { WebSocketFactory } from './edge-socket';
import { createEventFactory } from './event-factory';
import { createExecutor, type Executor, type OpHooks, type OpOutcome } from './executor';
import { createMetrics, type Metrics } from './metrics';
import { createNatsBridge, createNatsLink, type NatsBridge, type NatsLink } from './nats-bridge';
import { openOutbox, type Outbox } from './outbox';
import { OpJournal, resultMessage, type OpOutcomeForRoom } from './op-journal';
import { startTray, type RecentOp, type Tray, type TrayStatus } from './tray';

// --- the executor (./executor), as the agent uses it ---------------------------------------------

export type AgentOpHooks = OpHooks;
export type AgentOpOutcome = OpOutcome;
/** What the agent needs of an executor; tests pass a fake. */
export type AgentExecutor = Pick<Executor, 'run' | 'info' | 'close'>;

export interface AgentDeps {
  /** Defaults to createExecutor() from ./executor with the config's Unity MCP URL and token. */
  executor?: AgentExecutor;
  webSocketFactory?: WebSocketFactory;
  fetch?: typeof fetch;
  log?: Logger;
  metrics?: Metrics;
  /** Ops run at the same time (default 1). */
  maxConcurrentOps?: number;
  /** How long startAgent waits for NATS before opening the outbox (default 1500 ms). */
  natsWaitMs?: number;
  /** Tray off (tests that run several agents). */
  noTray?: boolean;
  /** Outbox tuning (tests). */
  outbox?: { backoff?: { baseMs: number; maxMs: number }; idlePollMs?: number };
  /** Edge link tuning (tests). */
  link?: { backoff?: { baseMs: number; maxMs: number }; stableMs?: number };
}

export interface AgentStatusSnapshot extends TrayStatus {}

export interface RunningAgent {
  /** Tray URL (http://127.0.0.1:7878), or undefined when the tray is off. */
  readonly trayUrl: string | undefined;
  status(): Promise<AgentStatusSnapshot>;
  info(): AgentInfo;
  /** Re-reads the session list now (links for new active sessions, closes the others). */
  refreshSessions(): Promise<void>;
  /** Resolves when no op is queued or running (true) or after timeoutMs (false). */
  idle(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  readonly metrics: Metrics;
  readonly outbox: Outbox;
  readonly bridge: NatsBridge;
  readonly nats: NatsLink;
  readonly journal: OpJournal;
  links(): ReadonlyMap<string, EdgeLink>;
}

function defaultExecutor(config: AgentConfig, metrics: Metrics): Promise<AgentExecutor> {
  return createExecutor({
    mcpUrl: config.unityMcpUrl,
    ...(config.unityMcpToken ? { mcpToken: config.unityMcpToken } : {}),
    metrics,
    reloadBudgetMs: config.unityReloadBudgetMs,
    breaker: { cooldownMs: config.breakerCooldownMs },
  });
}

/** The AgentInfo fields the executor owns, defensively (a throwing info() reads as unknown). */
function executorInfo(info: unknown): Pick<AgentInfo, 'profile' | 'unity' | 'circuit'> & { detail: Record<string, unknown> } {
  const i = (info && typeof info === 'object' ? info : {}) as Record<string, unknown>;
  const profile = i.profile === 'unity-mcp' || i.profile === 'seed' ? i.profile : null;
  const unity = i.unity === 'up' || i.unity === 'down' ? i.unity : 'unknown';
  const circuit = i.circuit === 'open' || i.circuit === 'half-open' ? i.circuit : 'closed';
  return { profile, unity, circuit, detail: i };
}

export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<RunningAgent> {
  requirePaired(config);
  const { edgeUrl, token, projectId } = config;
  const log = deps.log ?? silentLogger;
  const metrics = deps.metrics ?? createMetrics();
  const api = createEdgeApi({ edgeUrl, token, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const startedAt = Date.now();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  const mOps = metrics.counter('spark_agent_ops_total', 'Operations run, by op and outcome');
  const mOpTime = metrics.timer('spark_agent_op_duration_ms', 'Wall time of operations in the agent');
  const mSessions = metrics.gauge('spark_agent_edge_links', 'Edge links (active sessions)');

  try {
    // NATS first, briefly, so the outbox starts on JetStream when NATS is there.
    const nats = createNatsLink({ url: config.natsUrl, name: `spark-agent ${config.agentName}`, log });
    cleanups.push(() => nats.close());
    if (config.natsUrl) await nats.waitConnected(deps.natsWaitMs ?? 1500);
    const bridge = createNatsBridge({ link: nats, metrics, log, mode: config.natsPublishMode });
    cleanups.push(() => bridge.close(1000));

    const outbox = await openOutbox({
      projectId,
      home: config.home,
      edge: api,
      link: nats,
      stream: config.outbox.stream,
      subjectPrefix: config.outbox.subjectPrefix,
      metrics,
      log,
      ...(deps.outbox?.backoff ? { backoff: deps.outbox.backoff } : {}),
      ...(deps.outbox?.idlePollMs ? { idlePollMs: deps.outbox.idlePollMs } : {}),
    });
    cleanups.push(() => outbox.close());
    outbox.start();
    // A NATS (re)connect is a good moment to retry the edge too.
    nats.onChange((s) => s === 'connected' && outbox.kick());

    const journal = OpJournal.open(OpJournal.fileIn(config.home));
    cleanups.push(() => journal.close());

    const executor = deps.executor ?? (await defaultExecutor(config, metrics));
    cleanups.push(() => executor.close());

    const events = createEventFactory();
    const links = new Map<string, EdgeLink>();
    const sessionNames = new Map<string, string>();
    const recent: RecentOp[] = [];
    let stopping = false;

    const info = (): AgentInfo => {
      const e = executorInfo(safeInfo());
      return {
        name: config.agentName,
        version: config.version,
        profile: e.profile,
        unity: e.unity,
        circuit: e.circuit,
        outboxDepth: outbox.status().depth,
      };
    };
    function safeInfo(): unknown {
      try {
        return executor.info();
      } catch {
        return {};
      }
    }

    function track(op: RecentOp) {
      const i = recent.findIndex((r) => r.callId === op.callId);
      if (i >= 0) recent.splice(i, 1);
      recent.unshift(op);
      recent.length = Math.min(recent.length, 10);
    }

    // --- op queue ---
    const maxConcurrent = Math.max(1, deps.maxConcurrentOps ?? 1);
    const queue: OpDispatch[] = [];
    let running = 0;
    const idleWaiters = new Set<() => void>();

    function finish(dispatch: OpDispatch, outcome: OpOutcomeForRoom) {
      const link = links.get(dispatch.sessionId);
      if (link) link.result(dispatch.callId, outcome);
      else journal.complete(dispatch.callId, resultMessage(dispatch.callId, outcome));
    }

    function enqueue(dispatch: OpDispatch) {
      queue.push(dispatch);
      track({ callId: dispatch.callId, sessionId: dispatch.sessionId, name: dispatch.op.op, state: 'queued', ms: undefined, at: Date.now() });
      pump();
    }

    function pump() {
      while (!stopping && running < maxConcurrent && queue.length > 0) {
        const d = queue.shift()!;
        running++;
        void runOp(d).finally(() => {
          running--;
          pump();
          if (running === 0 && queue.length === 0) for (const w of [...idleWaiters]) w();
        });
      }
    }

    async function runOp(dispatch: OpDispatch) {
      const { callId, sessionId } = dispatch;
      const name = dispatch.op.op;
      if (dispatch.expiresAt <= Date.now()) {
        finish(dispatch, { ok: false, error: { code: 'expired', message: 'the operation expired while waiting to run' }, latencyMs: 0, mcpMs: 0 });
        track({ callId, sessionId, name, state: 'failed', ms: 0, at: Date.now(), error: 'expired' });
        mOps.inc({ op: name, outcome: 'expired' });
        return;
      }
      try {
        journal.markRunning(callId);
      } catch (err) {
        log.error('op is not runnable; skipped', { callId, error: errorMessage(err) });
        return;
      }
      const t0 = Date.now();
      track({ callId, sessionId, name, state: 'running', ms: undefined, at: t0 });
      const appends: Promise<unknown>[] = [];
      const hooks: AgentOpHooks = {
        progress: (stage, progress, message) => void links.get(sessionId)?.progress(callId, stage, progress, message),
        frame: (f) => void links.get(sessionId)?.frame(callId, f),
        event: (draft) => {
          const r = events.tryMake(draft, { sessionId, traceId: callId });
          if (!r.ok) {
            log.warn('executor produced an invalid event; dropped', { callId, type: draft?.type, error: r.error.message });
            return;
          }
          bridge.publish(r.event);
          appends.push(
            outbox.append([r.event]).catch((err: unknown) => log.error('could not store an event in the outbox', { callId, id: r.event.id, error: errorMessage(err) })),
          );
        },
      };
      let outcome: AgentOpOutcome;
      try {
        outcome = await executor.run(dispatch, hooks);
      } catch (err) {
        outcome = { ok: false, error: { code: 'agent_error', message: errorMessage(err) }, mcpMs: 0 };
      }
      // Events are durable before the result goes out.
      await Promise.all(appends);
      const latencyMs = Date.now() - t0;
      mOpTime.observe(latencyMs, { op: name });
      mOps.inc({ op: name, outcome: outcome.ok ? 'ok' : 'error' });
      track({ callId, sessionId, name, state: outcome.ok ? 'succeeded' : 'failed', ms: latencyMs, at: Date.now(), ...(outcome.error ? { error: outcome.error.message.slice(0, 200) } : {}) });
      try {
        finish(dispatch, {
          ok: outcome.ok,
          ...(outcome.result !== undefined ? { result: outcome.result } : {}),
          ...(outcome.error ? { error: outcome.error } : {}),
          latencyMs,
          mcpMs: outcome.mcpMs ?? 0,
        });
      } catch (err) {
        log.error('could not journal an op result', { callId, error: errorMessage(err) });
      }
      statusTick();
    }

    // --- recovery from the journal ---
    for (const e of journal.interrupted()) {
      log.warn('an op was running when the agent stopped; reporting it failed (not re-run)', { callId: e.callId, op: e.name });
      journal.complete(e.callId, resultMessage(e.callId, {
        ok: false,
        error: { code: 'interrupted', message: 'the agent stopped while this operation was running; it was not run again to avoid applying it twice' },
        latencyMs: e.startedAt ? Date.now() - e.startedAt : 0,
        mcpMs: 0,
      }));
    }
    for (const e of journal.waiting().sort((a, b) => a.acceptedAt - b.acceptedAt)) {
      if (e.dispatch) enqueue(e.dispatch);
      else journal.complete(e.callId, resultMessage(e.callId, { ok: false, error: { code: 'interrupted', message: 'the op was lost from the journal' }, latencyMs: 0, mcpMs: 0 }));
    }

    // --- links ---
    function ensureLink(sessionId: string) {
      if (links.has(sessionId) || stopping) return;
      const link = createEdgeLink({
        api,
        projectId,
        sessionId,
        journal,
        agentInfo: info,
        onOp: (dispatch) => enqueue(dispatch),
        onOpen: () => outbox.kick(),
        onStateChange: (s, l) => {
          if (s === 'gone' && links.get(sessionId) === l) {
            links.delete(sessionId);
            mSessions.set(links.size);
            void l.close();
          }
        },
        ...(deps.webSocketFactory ? { webSocketFactory: deps.webSocketFactory } : {}),
        heartbeatMs: config.heartbeatMs,
        ...(deps.link?.backoff ? { backoff: deps.link.backoff } : {}),
        ...(deps.link?.stableMs ? { stableMs: deps.link.stableMs } : {}),
        log,
        metrics,
      });
      links.set(sessionId, link);
      mSessions.set(links.size);
      link.start();
    }

    let sessionsError: string | undefined;
    let sessionsRefreshedAt: number | undefined;
    async function refreshSessions() {
      if (stopping) return;
      const r = await api.listSessions(projectId);
      if (!r.ok) {
        sessionsError = `listing sessions: ${r.reason}`;
        if (r.kind === 'refused' && (r.status === 401 || r.status === 403)) log.warn('the edge refused the agent token; pair again with spark-agent pair', { status: r.status });
        return;
      }
      const items = r.value;
      sessionsError = undefined;
      sessionsRefreshedAt = Date.now();
      const active = new Set(items.filter((s) => s.state === 'active').map((s) => s.id));
      for (const s of items) sessionNames.set(s.id, s.name);
      for (const id of active) ensureLink(id);
      for (const [id, link] of links) {
        if (!active.has(id)) {
          links.delete(id);
          void link.close();
        }
      }
      mSessions.set(links.size);
      // results finished while no link existed for their session
      for (const id of active) {
        const l = links.get(id);
        if (l) for (const e of journal.unsentResults(id)) l.deliver(e);
      }
    }

    let lastInfo = '';
    function statusTick() {
      const i = info();
      const key = JSON.stringify({ ...i });
      if (key === lastInfo) return;
      lastInfo = key;
      for (const l of links.values()) l.sendStatus();
    }

    await refreshSessions();
    const refreshTimer = setInterval(() => void refreshSessions(), config.sessionRefreshMs);
    refreshTimer.unref?.();
    const statusTimer = setInterval(statusTick, 2000);
    statusTimer.unref?.();
    cleanups.push(() => {
      clearInterval(refreshTimer);
      clearInterval(statusTimer);
    });

    const status = async (): Promise<TrayStatus> => {
      const e = executorInfo(safeInfo());
      const ob = outbox.status();
      const ns = nats.status();
      const bs = bridge.status();
      return {
        agent: {
          name: config.agentName,
          version: config.version,
          projectId,
          edgeUrl,
          pid: process.pid,
          startedAt,
          uptimeS: (Date.now() - startedAt) / 1000,
        },
        unity: { health: e.unity, profile: e.profile, circuit: e.circuit, mcpUrl: config.unityMcpUrl, detail: e.detail },
        links: [...links.values()].map((l) => {
          const s = l.status();
          return { ...s, ...(sessionNames.has(s.sessionId) ? { sessionName: sessionNames.get(s.sessionId)! } : {}) };
        }),
        sessions: { refreshedAt: sessionsRefreshedAt, lastError: sessionsError },
        outbox: { backend: ob.backend, depth: ob.depth, edge: ob.edge, sent: ob.sent, rejected: ob.rejected, lastError: ob.lastError },
        nats: { state: ns.state, url: ns.url, queued: bs.queued, published: bs.published, dropped: bs.dropped, deadLettered: bs.deadLettered, lastError: bs.lastError ?? ns.lastError },
        ops: recent.map((r) => ({ ...r })),
      };
    };

    let tray: Tray | undefined;
    if (!deps.noTray) {
      tray = await startTray({ host: config.tray.host, port: config.tray.port, status, metrics: () => metrics.toPrometheus(), log });
      cleanups.push(() => tray!.close());
      log.info('tray status page', { url: tray.url });
    }

    const agent: RunningAgent = {
      trayUrl: tray?.url,
      status,
      info,
      refreshSessions,
      idle(timeoutMs = 30_000) {
        if (running === 0 && queue.length === 0) return Promise.resolve(true);
        return new Promise((resolve) => {
          const done = () => {
            clearTimeout(timer);
            idleWaiters.delete(done);
            resolve(true);
          };
          const timer = setTimeout(() => {
            idleWaiters.delete(done);
            resolve(false);
          }, timeoutMs);
          idleWaiters.add(done);
        });
      },
      async stop() {
        if (stopping) return;
        stopping = true;
        // Let a running op finish (bounded); queued ones stay in the journal for the next start.
        for (const until = Date.now() + 10_000; running > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
        await Promise.all([...links.values()].map((l) => l.close()));
        links.clear();
        for (const c of cleanups.reverse()) {
          try {
            await c();
          } catch (err) {
            log.warn('error while stopping', { error: errorMessage(err) });
          }
        }
      },
      metrics,
      outbox,
      bridge,
      nats,
      journal,
      links: () => links,
    };
    return agent;
  } catch (err) {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
    throw err;
  }
}
