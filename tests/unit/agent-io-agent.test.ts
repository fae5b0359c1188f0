// The agent end to end against a fake edge (HTTP + a real WebSocket room), without Unity or NATS:
// journal → op.accepted → executor → progress/frame/events → op.result; re-delivery, restarts,
// expiry, invalid ops, reconnects; the tray; the CLI.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import type { AgentMessage, OpDispatch } from '../../contracts/ws';
import { startAgent, type AgentExecutor, type RunningAgent } from '../../local-agent/agent';
import { EXIT, main } from '../../local-agent/cli';
import { loadConfig, readCredentials, type AgentConfig } from '../../local-agent/config';
import { OpJournal } from '../../local-agent/op-journal';
import { pairResponseOf, sessionViewOf } from '../support/edge-views';

const PROJECT = randomUUID();
const TOKEN = 'agent-token-123';
const AGENT_ID = randomUUID();
const SERVED_TARBALL = '/agent/spark-agent-0.1.0-0123456789ab.tgz';

// `ws` has no bundled types; load it untyped (it is what the agent uses on Node 20 too).
const wsName = 'ws';
const { WebSocketServer } = (await import(wsName)) as { WebSocketServer: new (o: object) => any };

interface Room {
  socket: any;
  got: AgentMessage[];
}

async function fakeEdge() {
  const sessions = [sessionViewOf({ id: randomUUID(), projectId: PROJECT, name: 'Main' })];
  const events: SparkEventV1[] = [];
  const rooms: Room[] = [];
  const wss = new WebSocketServer({ noServer: true });
  let pairStatus = 201;
  // The manifest the edge serves among its static assets (agent.json); null: an API-only edge.
  let manifest: { path: string } | null = { path: SERVED_TARBALL };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const authed = req.headers.authorization === `Bearer ${TOKEN}`;
    if (req.method === 'GET' && url.pathname === '/agent.json' && manifest) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: '0.1.0', ...manifest, sha256: 'f'.repeat(64), bytes: 1 }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/agent/pair') {
      if (pairStatus !== 201) {
        res.writeHead(pairStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'gone', message: 'code expired' } }));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ...pairResponseOf(TOKEN, PROJECT), agent_id: AGENT_ID }));
      return;
    }
    if (!authed) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === `/api/projects/${PROJECT}/sessions`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: sessions }));
      return;
    }
    if (req.method === 'POST' && url.pathname === `/api/projects/${PROJECT}/events`) {
      events.push(...(body.events as SparkEventV1[]));
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length, rejected: [] }));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/projects\/([^/]+)\/sessions\/([^/]+)\/connect$/.exec(url.pathname);
    // As the edge does: the token in the Authorization header, never in the URL.
    if (!m || m[1] !== PROJECT || url.searchParams.get('role') !== 'agent' || req.headers.authorization !== `Bearer ${TOKEN}` || url.search.includes(TOKEN)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: any) => {
      const room: Room = { socket: ws, got: [] };
      rooms.push(room);
      ws.on('message', (data: Buffer) => room.got.push(JSON.parse(data.toString('utf8')) as AgentMessage));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sessions,
    events,
    rooms,
    setPair(status: number) {
      pairStatus = status;
    },
    setManifest(m: { path: string } | null) {
      manifest = m;
    },
    room: () => rooms[rooms.length - 1]!,
    async close() {
      for (const r of rooms) r.socket.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function fakeExecutor() {
  const runs = new Map<string, number>();
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const executor: AgentExecutor = {
    async run(d: OpDispatch, hooks) {
      runs.set(d.callId, (runs.get(d.callId) ?? 0) + 1);
      hooks.progress('writing', 0.5, 'halfway');
      hooks.frame({ contentType: 'image/png', width: 2, height: 1, data: new Uint8Array([137, 80, 78, 71]) });
      hooks.event({ type: 'unity.script_generated', kind: 'tool', payload: { call_id: d.callId } });
      if (gate) await gate;
      return { ok: true, result: { path: 'Assets/Scripts/A.cs' }, mcpMs: 7 };
    },
    info: () => ({ profile: 'unity-mcp', unity: 'up', circuit: 'closed' }),
    close: async () => {},
  };
  return {
    executor,
    runs,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release() {
      release?.();
      gate = undefined;
    },
  };
}

function op(sessionId: string, over: Partial<OpDispatch> = {}): OpDispatch {
  return {
    t: 'op',
    callId: randomUUID(),
    sessionId,
    op: { op: 'generate_script', path: 'Assets/Scripts/A.cs', code: 'class A {}' },
    issuedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    ...over,
  } as OpDispatch;
}

async function until(cond: () => boolean, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const of = <T extends AgentMessage['t']>(room: Room, t: T, callId?: string) =>
  room.got.filter((m) => m.t === t && (callId === undefined || (m as { callId?: string }).callId === callId)) as Extract<AgentMessage, { t: T }>[];

describe('agent end to end (fake edge, real WebSocket)', () => {
  let home: string;
  let edge: Awaited<ReturnType<typeof fakeEdge>>;
  let agent: RunningAgent | undefined;
  let config: AgentConfig;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'spark-agent-e2e-'));
    edge = await fakeEdge();
    config = loadConfig({
      env: { SPARK_AGENT_HOME: home, EDGE_URL: edge.url, SPARK_AGENT_TOKEN: TOKEN, SPARK_PROJECT_ID: PROJECT, NATS_URL: 'off', SPARK_TRAY_PORT: '0' },
    });
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await edge.close();
    rmSync(home, { recursive: true, force: true });
  });

  const start = (executor: AgentExecutor) =>
    startAgent(config, { executor, link: { backoff: { baseMs: 20, maxMs: 100 } }, outbox: { backoff: { baseMs: 20, maxMs: 100 }, idlePollMs: 50 } });

  it('runs an op: accepted, progress, frame, events to the edge, result; a re-delivery is not run again', async () => {
    const ex = fakeExecutor();
    agent = await start(ex.executor);
    const session = edge.sessions[0]!.id;
    await until(() => edge.rooms.length === 1 && of(edge.room(), 'hello').length === 1);
    const hello = of(edge.room(), 'hello')[0]!;
    expect(hello.agent).toMatchObject({ profile: 'unity-mcp', unity: 'up', circuit: 'closed', version: config.version });

    const d = op(session);
    edge.room().socket.send(JSON.stringify(d));
    await until(() => of(edge.room(), 'op.result', d.callId).length === 1);
    const room = edge.room();
    const seq = room.got.filter((m) => (m as { callId?: string }).callId === d.callId).map((m) => m.t);
    expect(seq).toEqual(['op.accepted', 'op.progress', 'frame', 'op.result']);
    expect(of(room, 'op.progress', d.callId)[0]).toMatchObject({ stage: 'writing', progress: 0.5, message: 'halfway' });
    expect(of(room, 'frame', d.callId)[0]).toMatchObject({ contentType: 'image/png', width: 2, height: 1, data: Buffer.from([137, 80, 78, 71]).toString('base64') });
    const result = of(room, 'op.result', d.callId)[0]!;
    expect(result).toMatchObject({ ok: true, result: { path: 'Assets/Scripts/A.cs' }, mcpMs: 7 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    await until(() => edge.events.length === 1);
    expect(edge.events[0]).toMatchObject({ type: 'unity.script_generated', session_id: session, trace_id: d.callId, source: 'spark-agent' });

    // the room delivers it again: acknowledged and answered, never re-run
    room.socket.send(JSON.stringify(d));
    await until(() => of(room, 'op.result', d.callId).length === 2);
    expect(of(room, 'op.accepted', d.callId)).toHaveLength(2);
    expect(ex.runs.get(d.callId)).toBe(1);

    const st = await agent.status();
    expect(st.links).toMatchObject([{ sessionId: session, state: 'open', sessionName: 'Main' }]);
    expect(st.ops[0]).toMatchObject({ callId: d.callId, name: 'generate_script', state: 'succeeded' });
    expect(st.unity).toMatchObject({ health: 'up', profile: 'unity-mcp', circuit: 'closed' });

    // across a restart, too
    await agent.stop();
    agent = await start(ex.executor);
    await until(() => edge.rooms.length === 2 && of(edge.room(), 'hello').length === 1);
    edge.room().socket.send(JSON.stringify(d));
    await until(() => of(edge.room(), 'op.result', d.callId).length === 1);
    expect(ex.runs.get(d.callId)).toBe(1);
  });

  it('refuses expired and invalid ops without running them', async () => {
    const ex = fakeExecutor();
    agent = await start(ex.executor);
    const session = edge.sessions[0]!.id;
    await until(() => edge.rooms.length === 1 && of(edge.room(), 'hello').length === 1);
    const expired = op(session, { expiresAt: Date.now() - 1 });
    const invalid = { ...op(session), op: { op: 'generate_script', path: '../etc/passwd.cs', code: '' } };
    edge.room().socket.send(JSON.stringify(expired));
    edge.room().socket.send(JSON.stringify(invalid));
    await until(() => of(edge.room(), 'op.result').length === 2);
    expect(of(edge.room(), 'op.result', expired.callId)[0]).toMatchObject({ ok: false, error: { code: 'expired' } });
    expect(of(edge.room(), 'op.result', invalid.callId)[0]).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(ex.runs.size).toBe(0);
  });

  it('after a crash: runs ops accepted but not started, reports ops that were running as interrupted', async () => {
    const session = edge.sessions[0]!.id;
    const journal = OpJournal.open(OpJournal.fileIn(home));
    const waiting = op(session);
    const wasRunning = op(session);
    journal.accept(waiting);
    journal.accept(wasRunning);
    journal.markRunning(wasRunning.callId);
    journal.close();

    const ex = fakeExecutor();
    agent = await start(ex.executor);
    await until(() => edge.rooms.length === 1 && of(edge.room(), 'op.result').length === 2);
    expect(of(edge.room(), 'op.result', waiting.callId)[0]).toMatchObject({ ok: true });
    expect(of(edge.room(), 'op.result', wasRunning.callId)[0]).toMatchObject({ ok: false, error: { code: 'interrupted' } });
    expect(ex.runs.get(waiting.callId)).toBe(1);
    expect(ex.runs.has(wasRunning.callId)).toBe(false);
  });

  it('reconnects when the room drops it, and sends a result finished while it was down', async () => {
    const ex = fakeExecutor();
    ex.hold();
    agent = await start(ex.executor);
    const session = edge.sessions[0]!.id;
    await until(() => edge.rooms.length === 1 && of(edge.room(), 'hello').length === 1);
    const d = op(session);
    edge.room().socket.send(JSON.stringify(d));
    await until(() => of(edge.room(), 'op.accepted', d.callId).length === 1);
    edge.room().socket.terminate();
    await until(() => agent!.links().get(session)?.state !== 'open');
    ex.release();
    await until(() => edge.rooms.length === 2 && of(edge.room(), 'op.result', d.callId).length === 1, 5000);
    expect(of(edge.room(), 'hello')).toHaveLength(1);
    expect(ex.runs.get(d.callId)).toBe(1);
  });

  it('closes links of sessions that are no longer active', async () => {
    agent = await start(fakeExecutor().executor);
    await until(() => agent!.links().size === 1);
    edge.sessions[0]!.state = 'stopped';
    await agent.refreshSessions();
    expect(agent.links().size).toBe(0);
  });

  it('serves the tray: HTML, status.json, metrics; refuses foreign Host headers', async () => {
    agent = await start(fakeExecutor().executor);
    const base = agent.trayUrl!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const html = await fetch(`${base}/`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toMatch(/Spark agent/);
    const st = (await (await fetch(`${base}/status.json`)).json()) as { agent: { projectId: string }; outbox: { depth: number }; nats: { state: string } };
    expect(st.agent.projectId).toBe(PROJECT);
    expect(st.nats.state).toBe('disabled');
    expect(st.outbox.depth).toBe(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/spark_agent_edge_links/);
    const port = new URL(base).port;
    const foreign = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/status.json', headers: { host: 'evil.example:80' } }, (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(foreign).toBe(403);
  });

  it('CLI: status says when the agent is not running, and summarises it when it is', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: { SPARK_AGENT_HOME: home, SPARK_TRAY_PORT: '1' }, fetch };
    expect(await main(['status'], io)).toBe(EXIT.notReady);
    expect(err.join('')).toMatch(/not running/);

    agent = await start(fakeExecutor().executor);
    const port = new URL(agent.trayUrl!).port;
    out.length = 0;
    expect(await main(['status'], { ...io, env: { SPARK_AGENT_HOME: home, SPARK_TRAY_PORT: port } })).toBe(EXIT.ok);
    expect(out.join('')).toMatch(/project\s+/);
    expect(out.join('')).toContain(PROJECT);
    out.length = 0;
    expect(await main(['status', '--json'], { ...io, env: { SPARK_AGENT_HOME: home, SPARK_TRAY_PORT: port } })).toBe(EXIT.ok);
    expect(JSON.parse(out.join(''))).toHaveProperty('agent.projectId', PROJECT);
  });

  it('CLI: pair writes private credentials; refused codes exit 4; usage errors exit 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const pairHome = join(home, 'paired');
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: { SPARK_AGENT_HOME: pairHome }, fetch };
    expect(await main(['pair', 'ABCD-1234', '--edge', edge.url, '--name', 'Studio PC', '--no-start'], io)).toBe(EXIT.ok);
    const creds = readCredentials(pairHome)!;
    expect(creds).toMatchObject({ token: TOKEN, project_id: PROJECT, agent_id: AGENT_ID, name: 'Studio PC', edge_url: edge.url });
    if (process.platform !== 'win32') expect(statSync(join(pairHome, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(out.join('')).toMatch(/Paired "Studio PC"/);
    // The versioned tarball the edge serves now, not the fixed /agent.tgz that npx would keep for good.
    expect(out.join('')).toContain(`Start the agent with: npx -y ${edge.url}${SERVED_TARBALL} start`);
    // An edge that serves no manifest (API only, or one that names no versioned tarball): the fixed name.
    out.length = 0;
    edge.setManifest({ path: '/index.html' });
    expect(await main(['pair', 'ABCD-1234', '--edge', edge.url, '--no-start'], io)).toBe(EXIT.ok);
    expect(out.join('')).toContain(`Start the agent with: npx -y ${edge.url}/agent.tgz start`);
    edge.setManifest(null);
    out.length = 0;
    expect(await main(['pair', 'ABCD-1234', '--edge', edge.url, '--no-start'], io)).toBe(EXIT.ok);
    expect(out.join('')).toContain(`Start the agent with: npx -y ${edge.url}/agent.tgz start`);
    edge.setManifest({ path: SERVED_TARBALL });
    // Not running: the hint names the same command, from the paired edge.
    err.length = 0;
    expect(await main(['status'], { ...io, env: { SPARK_AGENT_HOME: pairHome, SPARK_TRAY_PORT: '1' } })).toBe(EXIT.notReady);
    expect(err.join('')).toContain(`Start it with: npx -y ${edge.url}${SERVED_TARBALL} start`);

    // The edge answers unknown, used and expired codes alike: 404.
    edge.setPair(404);
    expect(await main(['pair', 'OLD', '--edge', edge.url], io)).toBe(EXIT.refused);
    expect(err.join('')).toMatch(/unknown, was already used or has expired/);
    expect(await main(['pair', '--edge', edge.url], io)).toBe(EXIT.usage);
    expect(await main(['pair', 'X'], { ...io, env: { SPARK_AGENT_HOME: join(home, 'none') } })).toBe(EXIT.usage);
    expect(await main(['bogus'], io)).toBe(EXIT.usage);
    expect(await main(['pair', 'X', '--edge', 'http://127.0.0.1:1'], io)).toBe(EXIT.failed);
    expect(await main(['start'], { ...io, env: { SPARK_AGENT_HOME: join(home, 'unpaired') } })).toBe(EXIT.notReady);
    expect(err.join('')).toMatch(/spark-agent pair/);
  });
});
