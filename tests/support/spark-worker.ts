import { Miniflare } from 'miniflare';
import net from 'node:net';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

export const TEST_JWT_SECRET = 'test-only-secret-0123456789abcdef';

export interface SparkWorkerOptions {
  databaseUrl: string;
  /** Overrides of [vars] (e.g. a faster retry backoff). */
  vars?: Record<string, string>;
  rateLimit?: { limit: number; period: 10 | 60 };
  /** Overrides the per-address sign-in limit (files that sign many people up). */
  authRateLimit?: { limit: number; period: 10 | 60 };
  /** Connect with DATABASE_URL instead of through the (emulated) Hyperdrive binding. */
  direct?: boolean;
  /** A read replica bound as HYPERDRIVE_REPLICA (a second emulated Hyperdrive binding). */
  replicaHyperdriveUrl?: string;
  /** Serve the built web UI (web/dist) as static assets, as wrangler.toml says. */
  withAssets?: boolean;
  /** With withAssets: serve this build instead of wrangler.toml's directory (see web-stack.ts). */
  assetsDir?: string;
  port?: number;
  /** Keep Durable Object storage (the ingest log, rooms) on disk here, so a new instance finds it. */
  persistTo?: string;
  /**
   * The EVENTS producer binding behind a gate that lets this many messages through to the real
   * local queue and then refuses every send, as a full queue does: overload without a timing race.
   */
  eventsQueueAccepts?: number;
  /** Open workerd's inspector on this port (the bench takes a CPU profile of the Worker through it). */
  inspectorPort?: number;
  /** Every line the Worker logs (console.*), e.g. to check that no secret is logged. */
  onLog?: (line: { level: string; message: string }) => void;
}

/**
 * The real Worker bundle (built by wrangler in global setup) in workerd through Miniflare, with
 * the bindings of wrangler.toml: local Queues with their DLQ, the Durable Object, R2, Hyperdrive
 * pointing at `databaseUrl`, the rate limiter.
 */
export async function startSparkWorker(opts: SparkWorkerOptions) {
  const hyperdriveUrl = withPassword(opts.databaseUrl);
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = hyperdriveUrl;
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml');
  const { assets, ...rest } = workerOptions as typeof workerOptions & { assets?: { directory: string } };
  if (assets && opts.assetsDir) assets.directory = opts.assetsDir;
  const worker = {
    ...rest,
    name: 'spark',
    modules: true,
    scriptPath: 'dist/worker/worker.js',
    bindings: { ...workerOptions.bindings, JWT_SECRET: TEST_JWT_SECRET, ...(opts.direct ? { DATABASE_URL: opts.databaseUrl } : {}), ...opts.vars },
    hyperdrives: {
      ...(opts.direct ? {} : { HYPERDRIVE: hyperdriveUrl }),
      ...(opts.replicaHyperdriveUrl ? { HYPERDRIVE_REPLICA: withPassword(opts.replicaHyperdriveUrl) } : {}),
    },
    ...(opts.rateLimit || opts.authRateLimit
      ? {
          ratelimits: {
            ...rest.ratelimits,
            ...(opts.rateLimit ? { API_RATE_LIMIT: { simple: opts.rateLimit } } : {}),
            ...(opts.authRateLimit ? { AUTH_RATE_LIMIT: { simple: opts.authRateLimit } } : {}),
          },
        }
      : {}),
    ...(opts.withAssets ? { assets } : {}),
  };
  const shared = {
    ...(opts.persistTo ? { durableObjectsPersist: opts.persistTo } : {}),
    host: '127.0.0.1',
    port: opts.port ?? 0,
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
    ...(opts.onLog ? { handleStructuredLogs: (l: { level: string; message: string }) => void opts.onLog!({ level: l.level, message: l.message }) } : {}),
  };
  const mf = new Miniflare(
    (opts.eventsQueueAccepts === undefined ? { ...worker, ...shared } : { ...shared, workers: withEventsGate(worker, opts.eventsQueueAccepts) }) as ConstructorParameters<typeof Miniflare>[0],
  );
  const url = (await withGuardedProxySockets(() => mf.ready)).toString().replace(/\/$/, '');
  return {
    mf,
    url,
    fetch: (path: string, init?: RequestInit) => fetch(url + path, init),
    dispose: () => mf.dispose(),
  };
}
export type SparkWorker = Awaited<ReturnType<typeof startSparkWorker>>;

/**
 * A wrapped binding (workerd runs it in the Worker's isolate) in place of EVENTS: sends go to the
 * real local queue until `accepts` messages went, then every send is refused.
 */
function withEventsGate(worker: Record<string, unknown>, accepts: number) {
  const { EVENTS, ...producers } = worker.queueProducers as Record<string, unknown>;
  const gate = `let taken = 0;
export default function (env) {
  const refuse = (n) => { if (taken + n > Number(env.ACCEPTS)) throw new Error('Queue send failed: the test gate took ' + taken + ' messages and refuses more'); taken += n; };
  return {
    async send(body, options) { refuse(1); return env.QUEUE.send(body, options); },
    async sendBatch(messages, options) { refuse(messages.length); return env.QUEUE.sendBatch(messages, options); },
  };
}`;
  return [
    { ...worker, queueProducers: producers, wrappedBindings: { EVENTS: { scriptName: 'events-gate', bindings: { ACCEPTS: accepts } } } },
    { name: 'events-gate', modules: true, script: gate, queueProducers: { QUEUE: EVENTS } },
  ];
}

/**
 * Miniflare 4.20260426's local Hyperdrive proxy pipes workerd's socket to Postgres without 'error'
 * listeners on either side, so when dispose kills workerd while a database connection is open the
 * reset surfaces in this process as an unhandled `read ECONNRESET` and fails the run. Fixed upstream
 * (cloudflare/workers-sdk#13390, miniflare 4.20260430), which needs Node 22; until we move, the proxy
 * servers created while Miniflare starts get sockets that end quietly on a reset. Nothing else is
 * touched: only servers created during `start()`, and only the sockets they make per connection.
 */
async function withGuardedProxySockets<T>(start: () => Promise<T>): Promise<T> {
  const createServer = net.createServer;
  const guard = (s: net.Socket) => s.on('error', () => s.destroy());
  net.createServer = ((...args: Parameters<typeof net.createServer>) => {
    const listener = args.find((a): a is (s: net.Socket) => void => typeof a === 'function');
    if (!listener) return createServer(...args);
    return createServer((clientSocket: net.Socket) => {
      guard(clientSocket);
      // The proxy opens its Postgres socket synchronously inside the listener: guard that one too.
      const connect = net.connect;
      net.connect = ((...c: Parameters<typeof net.connect>) => guard(connect(...c))) as typeof net.connect;
      try {
        listener(clientSocket);
      } finally {
        net.connect = connect;
      }
    });
  }) as typeof net.createServer;
  try {
    return await start();
  } finally {
    net.createServer = createServer;
  }
}

/** Hyperdrive's local emulation insists on a password; trust-auth servers ignore it. */
export function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = 'local';
  return u.toString();
}
