// The agent's tray: a status page on 127.0.0.1 (never another interface by default).
//   GET /             a page a person can read (refreshes itself every 5 s)
//   GET /status.json  the same, for `spark-agent status` and scripts
//   GET /metrics      Prometheus text
//   GET /healthz      "ok"
// Requests whose Host header is not a loopback name are refused, so a web page cannot read the
// status through DNS rebinding.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, silentLogger, type Logger } from './log';

export interface RecentOp {
  callId: string;
  sessionId: string;
  name: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  ms: number | undefined;
  at: number;
  error?: string;
}

export interface TrayLinkStatus {
  sessionId: string;
  sessionName?: string;
  state: string;
  connectedAt?: number | undefined;
  lastError?: string | undefined;
  reconnects?: number;
}

export interface TrayStatus {
  agent: {
    name: string;
    version: string;
    projectId: string | undefined;
    edgeUrl: string | undefined;
    pid: number;
    startedAt: number;
    uptimeS: number;
  };
  unity: {
    health: 'up' | 'down' | 'unknown';
    profile: string | null;
    circuit: 'closed' | 'open' | 'half-open';
    mcpUrl: string;
    detail?: Record<string, unknown>;
  };
  links: TrayLinkStatus[];
  /** The session list the links follow (GET /api/projects/:id/sessions). */
  sessions: { refreshedAt: number | undefined; lastError: string | undefined };
  outbox: { backend: string; depth: number; edge: string; sent: number; rejected: number; lastError?: string | undefined };
  nats: { state: string; url: string | undefined; queued: number; published: number; dropped: number; deadLettered: number; lastError?: string | undefined };
  ops: RecentOp[];
}

export interface TrayOptions {
  host?: string;
  port?: number;
  status: () => TrayStatus | Promise<TrayStatus>;
  metrics: () => string;
  log?: Logger;
}

export interface Tray {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function ago(ms: number | undefined): string {
  if (!ms) return '—';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

const good = new Set(['open', 'up', 'closed-circuit', 'connected', 'ok', 'succeeded', 'idle']);
const badge = (s: string, kind = s) =>
  `<span class="b ${good.has(kind) ? 'ok' : ['disabled', 'queued', 'running', 'connecting', 'backoff', 'unknown', 'half-open'].includes(kind) ? 'mid' : 'bad'}">${esc(s)}</span>`;

export function renderStatusPage(st: TrayStatus): string {
  const links =
    st.links.length === 0
      ? '<tr><td colspan="4">no active session</td></tr>'
      : st.links
          .map(
            (l) =>
              `<tr><td>${esc(l.sessionName ?? '')} <code>${esc(l.sessionId)}</code></td><td>${badge(l.state)}</td><td>${esc(ago(l.connectedAt))}</td><td>${esc(l.lastError ?? '')}</td></tr>`,
          )
          .join('');
  const ops =
    st.ops.length === 0
      ? '<tr><td colspan="4">none yet</td></tr>'
      : st.ops
          .map(
            (o) =>
              `<tr><td>${esc(o.name)}</td><td>${badge(o.state)}</td><td>${o.ms === undefined ? '—' : `${Math.round(o.ms)} ms`}</td><td>${esc(ago(o.at))}${o.error ? ` — ${esc(o.error)}` : ''}</td></tr>`,
          )
          .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Spark agent — ${esc(st.agent.name)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
h1{font-size:1.3rem}h2{font-size:1rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee}
.b{padding:0 .4rem;border-radius:.3rem;font-size:.85rem}.ok{background:#d7f5dc}.mid{background:#fff1c2}.bad{background:#fbd5d5}
code{font-size:.8rem;color:#666}
</style></head><body>
<h1>Spark agent <small>${esc(st.agent.name)} · v${esc(st.agent.version)}</small></h1>
<p>Project <code>${esc(st.agent.projectId ?? 'not paired')}</code> on ${esc(st.agent.edgeUrl ?? '—')} · up ${esc(Math.round(st.agent.uptimeS))} s · pid ${esc(st.agent.pid)}</p>
<h2>Unity</h2>
<table><tr><th>MCP server</th><td>${esc(st.unity.mcpUrl)}</td></tr>
<tr><th>Health</th><td>${badge(st.unity.health)}</td></tr>
<tr><th>Profile</th><td>${esc(st.unity.profile ?? 'unknown')}</td></tr>
<tr><th>Circuit</th><td>${badge(st.unity.circuit, st.unity.circuit === 'closed' ? 'closed-circuit' : st.unity.circuit)}</td></tr></table>
<h2>Sessions (edge links)</h2>
<p>Session list refreshed ${esc(ago(st.sessions.refreshedAt))}${st.sessions.lastError ? ` — <span class="b bad">${esc(st.sessions.lastError)}</span>` : ''}</p>
<table><tr><th>Session</th><th>Link</th><th>Connected</th><th>Last error</th></tr>${links}</table>
<h2>Outbox</h2>
<table><tr><th>Waiting</th><td>${esc(st.outbox.depth)} events (${esc(st.outbox.backend)})</td></tr>
<tr><th>Edge delivery</th><td>${badge(st.outbox.edge)} ${esc(st.outbox.lastError ?? '')}</td></tr>
<tr><th>Sent / rejected</th><td>${esc(st.outbox.sent)} / ${esc(st.outbox.rejected)}</td></tr></table>
<h2>NATS</h2>
<table><tr><th>State</th><td>${badge(st.nats.state)} ${esc(st.nats.url ?? '')}</td></tr>
<tr><th>Published / dropped / DLQ</th><td>${esc(st.nats.published)} / ${esc(st.nats.dropped)} / ${esc(st.nats.deadLettered)} (queued ${esc(st.nats.queued)})</td></tr></table>
<h2>Last operations</h2>
<table><tr><th>Operation</th><th>State</th><th>Time</th><th>When</th></tr>${ops}</table>
<p><a href="/status.json">status.json</a> · <a href="/metrics">metrics</a></p>
</body></html>`;
}

function loopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return true;
  const host = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.endsWith('.localhost');
}

export async function startTray(opts: TrayOptions): Promise<Tray> {
  const log = opts.log ?? silentLogger;
  const host = opts.host ?? '127.0.0.1';
  const loopbackOnly = ['127.0.0.1', 'localhost', '::1'].includes(host);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      log.warn('tray request failed', { error: errorMessage(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (loopbackOnly && !loopbackHost(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    switch (path) {
      case '/':
      case '/index.html': {
        const body = renderStatusPage(await opts.status());
        res.writeHead(200, { ...common, 'content-type': 'text/html; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/status.json': {
        const body = JSON.stringify(await opts.status(), null, 2);
        res.writeHead(200, { ...common, 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/metrics':
        res.writeHead(200, { ...common, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : opts.metrics());
        return;
      case '/healthz':
        res.writeHead(200, { ...common, 'content-type': 'text/plain' }).end('ok\n');
        return;
      default:
        res.writeHead(404, { ...common, 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`the tray port ${host}:${opts.port ?? 7878} is in use (is another agent running? try 'spark-agent status', or set SPARK_TRAY_PORT)`)
          : err,
      );
    };
    server.once('error', onError);
    server.listen(opts.port ?? 7878, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
