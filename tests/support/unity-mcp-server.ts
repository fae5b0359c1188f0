// A test double of the most used open-source Unity MCP server (CoplayDev/unity-mcp), over real
// MCP Streamable HTTP (stateful sessions, many clients), acting on a real Unity-like project
// folder. Tool names, parameters and result envelopes follow the real server; see
// tests/support/unity-mcp/ for the pieces. A "seed" profile exposes Spark's own operation names.
//
// Standalone: tsx tests/support/unity-mcp-server.ts --port 8080 --project /path --profile unity-mcp
//   [--api-key KEY] [--build-ms 1500]   (prints the URL)
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BuildQueue } from './unity-mcp/builds';
import { fail, UnityProject, type Envelope } from './unity-mcp/project';
import { seedTools } from './unity-mcp/tools-seed';
import { unityMcpTools } from './unity-mcp/tools-unity-mcp';
import type { ToolContext, ToolDef, ToolOutput } from './unity-mcp/tool';

export { pngSize } from './unity-mcp/png';

export interface UnityMcpServerOptions {
  /** Default: a fresh temp dir with Assets/ (removed again on close). */
  projectDir?: string;
  profile?: 'unity-mcp' | 'seed';
  /** 0 = random. */
  port?: number;
  /**
   * When set, every /mcp request must carry `X-API-Key: <apiKey>`, as the real server's auth
   * guard wants: 401 without the header, 403 with a wrong key.
   */
  apiKey?: string;
  /** After every script write or delete, the editor "reloads" for this long (default 0: never). */
  reloadAfterWriteMs?: number;
  /** The Game View's size in pixels (default 1280x720); screenshots are taken at this size. */
  gameView?: { width: number; height: number };
  /** How long a build takes from `build` to succeeded (default 1500 ms). */
  buildDurationMs?: number;
}

export interface UnityMcpControl {
  /** The next `times` calls of `tool` answer {success:false, error}. */
  failNext(tool: string, times?: number, error?: string): void;
  /** The next `times` calls of `tool` answer the reload rejection (hint "retry"). */
  retryHintNext(tool: string, times?: number): void;
  /** From now on, every call is answered with the reload rejection for `ms` (a domain reload). */
  startReload(ms: number): void;
  /** Changes how long the editor reloads after each script write (0: never). */
  reloadAfterWrite(ms: number): void;
  /** True while a simulated domain reload is going on. */
  readonly reloading: boolean;
  /** The next `times` calls of `tool` are answered `ms` later than usual. */
  stallNext(tool: string, ms: number, times?: number): void;
  /** The next `times` calls of `tool` get HTTP 500 instead of a JSON-RPC answer. */
  crashNext(tool: string, times?: number): void;
  reset(): void;
}

export interface UnityMcpCall {
  tool: string;
  args: unknown;
  /** Date.now() when the HTTP request arrived. */
  at: number;
  /** How long until it was answered (0 while still running). */
  ms: number;
}

export interface UnityMcpServerHandle {
  url: string;
  projectDir: string;
  profile: 'unity-mcp' | 'seed';
  control: UnityMcpControl;
  calls: UnityMcpCall[];
  /** True while a build is queued or running: the editor refuses another one then. */
  readonly building: boolean;
  close(): Promise<void>;
}

type Fault = { kind: 'fail'; error: string } | { kind: 'retry' } | { kind: 'crash' };

/**
 * What the real server answers while Unity reloads its domain (transport/legacy/unity_connection.py,
 * plugin_hub.py): the command did not run and may be sent again.
 */
const RELOADING: Envelope = {
  success: false,
  message: null,
  error: 'Unity is reloading; please retry',
  data: { reason: 'reloading', retry_after_ms: 250 },
  hint: 'retry',
} as unknown as Envelope;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

function createControl(project: UnityProject, reloadAfterWriteMs: number) {
  const faults = new Map<string, Fault[]>();
  const stalls = new Map<string, number[]>();
  let reloadUntil = 0;
  let reloadMs = Math.max(0, reloadAfterWriteMs);
  project.onScriptChanged = () => {
    if (reloadMs > 0) reloadUntil = Math.max(reloadUntil, Date.now() + reloadMs);
  };
  const push = <T>(map: Map<string, T[]>, tool: string, item: T, times: number) => {
    const q = map.get(tool) ?? [];
    for (let i = 0; i < Math.max(0, Math.floor(times)); i++) q.push(item);
    map.set(tool, q);
  };
  const control: UnityMcpControl = {
    failNext: (tool, times = 1, error = 'simulated failure') => push(faults, tool, { kind: 'fail', error }, times),
    retryHintNext: (tool, times = 1) => push(faults, tool, { kind: 'retry' }, times),
    stallNext: (tool, ms, times = 1) => push(stalls, tool, Math.max(0, ms), times),
    crashNext: (tool, times = 1) => push(faults, tool, { kind: 'crash' }, times),
    startReload: (ms) => {
      reloadUntil = Date.now() + Math.max(0, ms);
    },
    reloadAfterWrite: (ms) => {
      reloadMs = Math.max(0, ms);
    },
    get reloading() {
      return Date.now() < reloadUntil;
    },
    reset: () => {
      faults.clear();
      stalls.clear();
      reloadUntil = 0;
      reloadMs = Math.max(0, reloadAfterWriteMs);
    },
  };
  return {
    control,
    /** Takes the next fault of `tool` when it is one of `kinds` (faults apply in the order they were queued). */
    takeFault(tool: string, kinds: Fault['kind'][]): Fault | undefined {
      const q = faults.get(tool);
      if (!q?.length || !kinds.includes(q[0]!.kind)) return undefined;
      return q.shift();
    },
    takeStall(tool: string): number | undefined {
      return stalls.get(tool)?.shift();
    },
  };
}

function toCallToolResult(out: ToolOutput): CallToolResult {
  const envelope: Envelope = 'envelope' in out ? out.envelope : out;
  const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(envelope) }];
  if ('envelope' in out) {
    for (const img of out.images) {
      if (img.caption) content.push({ type: 'text', text: img.caption });
      content.push({ type: 'image', data: img.data.toString('base64'), mimeType: img.mimeType });
    }
  }
  return { content };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const rpcError = (code: number, message: string, id: unknown = null) => ({ jsonrpc: '2.0', error: { code, message }, id });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function keyMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startUnityMcpServer(opts: UnityMcpServerOptions = {}): Promise<UnityMcpServerHandle> {
  const profile = opts.profile ?? 'unity-mcp';
  const buildDurationMs = opts.buildDurationMs ?? 1500;
  const project = new UnityProject(opts.projectDir);
  if (opts.gameView) project.gameView = { ...opts.gameView };
  const builds = new BuildQueue(project, buildDurationMs);
  const ctx: ToolContext = { project, builds, buildDurationMs };
  const toolDefs: ToolDef[] = profile === 'seed' ? seedTools(ctx) : unityMcpTools(ctx);
  const { control, takeFault, takeStall } = createControl(project, opts.reloadAfterWriteMs ?? 0);
  const calls: UnityMcpCall[] = [];
  /** Calls that reached the HTTP layer, by "<session>|<request id>", so the tool handler can time them. */
  const inflight = new Map<string, UnityMcpCall>();
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; mcp: McpServer }>();
  let closing = false;

  const buildMcpServer = () => {
    const mcp = new McpServer(
      profile === 'seed'
        ? { name: 'spark-unity-seed', version: '0.1.0-test-double' }
        : { name: 'mcp-for-unity-server', version: '10.1.0-test-double' },
      {
        instructions:
          profile === 'seed'
            ? 'Spark seed Unity server (test double). Tools answer JSON text {success, message?, error?, data?, hint?}.'
            : 'MCP for Unity (test double). Tools answer JSON text {success, message?, error?, data?, hint?}; hint "retry" means the editor is reloading.',
      },
    );
    for (const def of toolDefs) {
      mcp.registerTool(
        def.name,
        { title: def.title, description: def.description, inputSchema: def.inputSchema, annotations: def.annotations },
        async (args: unknown, extra: { sessionId?: string; requestId: string | number; signal: AbortSignal }) => {
          const key = `${extra.sessionId ?? ''}|${String(extra.requestId)}`;
          const entry = inflight.get(key);
          inflight.delete(key);
          try {
            const stall = takeStall(def.name);
            if (stall) await sleep(stall, extra.signal);
            const fault = takeFault(def.name, ['fail', 'retry']);
            if (fault?.kind === 'fail') return toCallToolResult({ success: false, error: fault.error, message: fault.error });
            if (fault?.kind === 'retry' || control.reloading) return toCallToolResult(RELOADING);
            return toCallToolResult(await def.handler(args));
          } catch (err) {
            return toCallToolResult(fail('internal_error', `Error in ${def.name}: ${(err as Error).message}`));
          } finally {
            if (entry) entry.ms = Math.max(1, Date.now() - entry.at);
          }
        },
      );
    }
    return mcp;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/health' && req.method === 'GET') {
      sendJson(res, 200, { ok: true, profile, sessions: sessions.size });
      return;
    }
    if (url.pathname !== '/mcp') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    if (opts.apiKey !== undefined && !keyMatches(req.headers['x-api-key'], opts.apiKey)) {
      // core/auth/guard.py: 401 when no key was sent, 403 when it is the wrong one.
      const given = req.headers['x-api-key'];
      sendJson(res, given ? 403 : 401, { success: false, error: 'unauthorized', message: 'Missing or invalid API key' });
      return;
    }
    if (closing) {
      sendJson(res, 503, rpcError(-32000, 'Server is shutting down'));
      return;
    }
    const sid = req.headers['mcp-session-id'];
    const sessionId = typeof sid === 'string' ? sid : undefined;

    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!sessionId) {
        sendJson(res, 400, rpcError(-32000, 'Bad Request: Mcp-Session-Id header is required'));
        return;
      }
      const session = sessions.get(sessionId);
      if (!session) {
        sendJson(res, 404, rpcError(-32001, 'Session not found'));
        return;
      }
      await session.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, rpcError(-32000, 'Method not allowed.'), { allow: 'GET, POST, DELETE' });
      return;
    }

    let body: unknown;
    try {
      const raw = await readBody(req);
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      sendJson(res, status, rpcError(-32700, status === 413 ? 'Request body too large' : 'Parse error: invalid JSON'));
      return;
    }

    if (!sessionId) {
      if (!isInitializeRequest(body)) {
        sendJson(res, 400, rpcError(-32000, 'Bad Request: No valid session ID provided'));
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, mcp });
        },
      });
      const mcp = buildMcpServer();
      transport.onclose = () => {
        const id = transport.sessionId;
        if (id) sessions.delete(id);
      };
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }

    const session = sessions.get(sessionId);
    if (!session) {
      sendJson(res, 404, rpcError(-32001, 'Session not found'));
      return;
    }

    // Record tool calls here, so calls refused by input validation or "crashed" are seen too.
    const messages = (Array.isArray(body) ? body : [body]) as { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown } }[];
    const entries: UnityMcpCall[] = [];
    for (const m of messages) {
      // Every tool takes an undeclared `unity_instance`, removed by middleware before validation.
      if (m && m.method === 'tools/call' && m.params?.arguments && typeof m.params.arguments === 'object') {
        delete (m.params.arguments as Record<string, unknown>).unity_instance;
      }
      if (m && m.method === 'tools/call' && m.id !== undefined) {
        const entry: UnityMcpCall = { tool: String(m.params?.name ?? ''), args: m.params?.arguments ?? {}, at: Date.now(), ms: 0 };
        calls.push(entry);
        entries.push(entry);
        inflight.set(`${sessionId}|${String(m.id)}`, entry);
        if (takeFault(entry.tool, ['crash'])) {
          for (const e of entries) e.ms = Math.max(1, Date.now() - e.at);
          for (const other of messages) if (other?.id !== undefined) inflight.delete(`${sessionId}|${String(other.id)}`);
          sendJson(res, 500, rpcError(-32603, 'Internal server error (simulated crash)', m.id));
          return;
        }
      }
    }
    if (entries.length) {
      res.on('close', () => {
        for (const e of entries) if (e.ms === 0) e.ms = Math.max(1, Date.now() - e.at);
        // Calls refused before reaching a handler (input validation) leave their key behind.
        for (const m of messages) if (m?.id !== undefined) inflight.delete(`${sessionId}|${String(m.id)}`);
      });
    }
    await session.transport.handleRequest(req, res, body);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, rpcError(-32603, `Internal server error: ${(err as Error).message}`));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    projectDir: project.projectDir,
    profile,
    control,
    calls,
    get building() {
      return builds.busy() !== undefined;
    },
    async close() {
      if (closing) return;
      closing = true;
      builds.close();
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map(async ({ transport, mcp }) => {
        await transport.close();
        await mcp.close();
      }));
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await project.dispose();
    },
  };
}

// ---------- standalone ----------

function parseArgs(argv: string[]): UnityMcpServerOptions {
  const out: UnityMcpServerOptions = { port: 8080 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '--port': out.port = Number(need()); break;
      case '--project': out.projectDir = path.resolve(need()); break;
      case '--profile': {
        const p = need();
        if (p !== 'unity-mcp' && p !== 'seed') throw new Error(`--profile must be unity-mcp or seed, not ${p}`);
        out.profile = p;
        break;
      }
      case '--api-key': out.apiKey = need(); break;
      case '--build-ms': out.buildDurationMs = Number(need()); break;
      case '--reload-ms': out.reloadAfterWriteMs = Number(need()); break;
      case '--help':
      case '-h':
        console.log('usage: tsx tests/support/unity-mcp-server.ts [--port 8080] [--project DIR] [--profile unity-mcp|seed] [--api-key KEY] [--build-ms 1500] [--reload-ms 0]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  return out;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const server = await startUnityMcpServer(parseArgs(process.argv.slice(2)));
  console.log(server.url);
  console.error(`[unity-mcp test double] profile=${server.profile} project=${server.projectDir}`);
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
