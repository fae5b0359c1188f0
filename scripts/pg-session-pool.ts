// A small session pool in front of Postgres for the local stack, doing what Hyperdrive does in
// production: the Worker opens a connection per request, and without a pool each one is a new
// Postgres backend (a fork, authentication, and a cold catalog cache: ~13 ms before the first row,
// measured in the reads bench). Here a client's connection gets a backend another client left, its
// session reset with DISCARD ALL; its catalog cache stays warm.
//
// Only backends Postgres let in without a password are handed on: where Postgres asks for one,
// the client authenticates itself and its backend ends with it (the pool never lends a session
// someone else proved a password for).
//
// Like Hyperdrive, the pool holds at most `maxBackends` backends (in use, being reset, or parked)
// and a client that finds them all busy waits its turn, instead of meeting Postgres's "too many
// clients" (53300) the moment a burst outnumbers max_connections.
import net from 'node:net';

export interface SessionPool {
  /** postgres:// URL of the pool: the upstream URL with the pool's host and port. */
  url: string;
  port: number;
  /** Backends parked, and connections served by a parked backend since the start. */
  stats(): { idle: number; reused: number; opened: number; backends: number; waiting: number; waited: number; refused: number };
  close(): Promise<void>;
}

export interface SessionPoolOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  port?: number;
  /** Parked backends kept per database and user. */
  maxIdle?: number;
  /** A parked backend unused this long is closed. */
  idleMs?: number;
  /** Backends held at once, in use or parked (default 64: Postgres allows 100 clients, less 3 kept for superusers, and others connect too). */
  maxBackends?: number;
  /** How long a client waits for a backend when all are busy before it is told 53300 (default 10 s; a client that gives up first just leaves). */
  waitMs?: number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/** A client's turn: a parked backend to take, or a slot to open a new one in. */
type Turn = { parked: Backend } | { open: true };

interface Waiter {
  key: string;
  resolve: (turn: Turn) => void;
  timer: NodeJS.Timeout;
}

interface Backend {
  socket: net.Socket;
  /** What Postgres said after AuthenticationOk up to its first ReadyForQuery: replayed to each new client. */
  greeting: Buffer;
  idleTimer?: NodeJS.Timeout;
  onIdleClose?: () => void;
}

export async function startSessionPool(upstreamUrl: string, opts: SessionPoolOptions = {}): Promise<SessionPool> {
  const upstream = new URL(upstreamUrl);
  const upstreamHost = upstream.hostname || '127.0.0.1';
  const upstreamPort = Number(upstream.port || 5432);
  const maxIdle = opts.maxIdle ?? 16;
  const idleMs = opts.idleMs ?? 30_000;
  const maxBackends = Math.max(1, opts.maxBackends ?? 64);
  const waitMs = opts.waitMs ?? 10_000;
  const idle = new Map<string, Backend[]>();
  const live = new Set<net.Socket>();
  let reused = 0;
  let opened = 0;
  let backends = 0; // upstream sockets open or opening: each holds (or will) one of Postgres's slots
  let waited = 0;
  let refused = 0;
  /** Clients waiting for a backend, first come first served. */
  const waiters: Waiter[] = [];

  const park = (key: string, b: Backend) => {
    const list = idle.get(key) ?? [];
    if (list.length >= maxIdle || b.socket.destroyed) return void b.socket.destroy();
    b.idleTimer = setTimeout(() => b.socket.destroy(), idleMs);
    b.onIdleClose = () => {
      clearTimeout(b.idleTimer);
      const at = list.indexOf(b);
      if (at >= 0) list.splice(at, 1);
    };
    b.socket.once('close', b.onIdleClose);
    list.push(b);
    idle.set(key, list);
    wake();
  };
  const takeIdle = (key: string): Backend | undefined => {
    const list = idle.get(key);
    const b = list?.pop();
    if (b) {
      clearTimeout(b.idleTimer);
      if (b.onIdleClose) b.socket.removeListener('close', b.onIdleClose);
    }
    return b;
  };

  /** A parked backend of another key, closed to make room (its slot frees when Postgres has let go). */
  const evictIdle = (key: string): boolean => {
    for (const [k, list] of idle) {
      if (k === key || list.length === 0) continue;
      list.shift()!.socket.destroy(); // its 'close' listener takes it off the list
      return true;
    }
    return false;
  };
  /** What a client may do now: take a parked backend, open a new one, or (undefined) wait. */
  const turn = (key: string): Turn | undefined => {
    const parked = takeIdle(key);
    if (parked) return { parked };
    if (backends < maxBackends) {
      backends++; // taken now, so two clients cannot both take the last slot
      return { open: true };
    }
    evictIdle(key);
    return undefined;
  };
  /** Gives freed slots and parked backends to the clients waiting, in order. */
  function wake() {
    while (waiters.length > 0) {
      const w = waiters[0]!;
      const t = turn(w.key);
      if (!t) return;
      waiters.shift();
      clearTimeout(w.timer);
      w.resolve(t);
    }
  }
  const backendClosed = () => {
    backends--;
    wake();
  };
  /** A backend for a client: at once when one is free, else when one frees, else null after waitMs or when the client leaves. */
  const acquire = (key: string, client: net.Socket): Promise<Turn | null> => {
    const now = waiters.length === 0 ? turn(key) : undefined;
    if (now) return Promise.resolve(now);
    waited++;
    return new Promise((resolve) => {
      const w: Waiter = {
        key,
        resolve: (t) => {
          client.removeListener('close', left);
          resolve(t);
        },
        timer: setTimeout(() => give(null), waitMs),
      };
      const give = (t: null) => {
        const at = waiters.indexOf(w);
        if (at >= 0) waiters.splice(at, 1);
        client.removeListener('close', left);
        resolve(t);
      };
      const left = () => {
        clearTimeout(w.timer);
        give(null);
      };
      client.once('close', left);
      waiters.push(w);
    });
  };

  const server = net.createServer({ noDelay: true }, (client) => {
    live.add(client);
    client.once('close', () => live.delete(client));
    client.on('error', () => client.destroy());
    serveClient(client).catch(() => client.destroy());
  });

  async function serveClient(client: net.Socket) {
    const read = reader(client);
    let startup = await read.startupPacket();
    while (startup.readInt32BE(4) === SSL_REQUEST || startup.readInt32BE(4) === GSSENC_REQUEST) {
      client.write('N'); // no TLS on loopback: the client goes on in the clear
      startup = await read.startupPacket();
    }
    const code = startup.readInt32BE(4);
    if (code === CANCEL_REQUEST) return relayCancel(client, startup);
    if (code !== PROTOCOL_3) return void client.end(errorResponse('08P01', 'unsupported frontend protocol'));
    const key = startup.subarray(8).toString('binary');

    const got = await acquire(key, client);
    if (!got) {
      if (client.destroyed) return;
      refused++;
      return void client.end(errorResponse('53300', `all ${maxBackends} of the session pool's Postgres connections stayed busy for ${waitMs} ms`));
    }
    if ('parked' in got) {
      const { parked } = got;
      if (client.destroyed) return park(key, parked); // left while it waited
      reused++;
      client.write(Buffer.concat([message('R', int32(0)), parked.greeting]));
      read.handOver();
      return bind(client, parked, key);
    }

    let socket: net.Socket;
    try {
      socket = await connect(upstreamHost, upstreamPort);
    } catch (err) {
      backendClosed();
      // A connection-class SQLSTATE: the client tells "unreachable" from a refused query.
      return void client.end(errorResponse('08006', `the pool could not reach Postgres at ${upstreamHost}:${upstreamPort}: ${(err as Error).message}`));
    }
    opened++;
    live.add(socket);
    socket.once('close', () => {
      live.delete(socket);
      backendClosed();
    });
    socket.on('error', () => socket.destroy());
    socket.write(startup);
    // Authentication passes through untouched; the pool watches for a password request and for the greeting.
    read.handOver();
    const forward = (chunk: Buffer) => socket.write(chunk);
    client.on('data', forward);
    const auth = await readGreeting(socket, client);
    client.removeListener('data', forward);
    if (!auth) return void client.destroy();
    bind(client, { socket, greeting: auth.greeting }, auth.passwordAsked ? null : key);
  }

  /** Client and backend joined; when the client leaves at rest, the backend is reset and parked under `key` (null: closed). */
  function bind(client: net.Socket, backend: Backend, key: string | null) {
    const { socket } = backend;
    let pending = 0; // Syncs and Queries sent that Postgres has not answered with ReadyForQuery
    let status = 'I';
    const toServer = relay(
      (type) => {
        if (type === 'X') {
          client.end(); // the client's goodbye ends its turn, not the backend
          return false;
        }
        if (type === 'S' || type === 'Q') pending++;
      },
      (bytes) => socket.write(bytes),
    );
    const toClient = relay(
      (type) => {
        if (type === 'Z') pending = Math.max(0, pending - 1);
      },
      (bytes) => client.write(bytes),
      (byte) => (status = String.fromCharCode(byte)),
    );
    client.on('data', toServer);
    socket.on('data', toClient);
    const serverGone = () => client.destroy();
    socket.once('close', serverGone);
    const clientGone = () => {
      client.removeListener('data', toServer);
      socket.removeListener('data', toClient);
      socket.removeListener('close', serverGone);
      if (key === null || pending > 0 || status !== 'I' || !toServer.atBoundary() || !toClient.atBoundary()) return void socket.destroy();
      void reset(socket).then((ok) => (ok ? park(key, backend) : socket.destroy()));
    };
    // A client that left while it waited, or while its backend started, has no 'close' still to come.
    if (client.destroyed) return clientGone();
    client.once('close', clientGone);
    client.on('end', () => client.end());
    client.resume();
  }

  /** A CancelRequest goes to Postgres on a connection of its own, as a client would send it. */
  async function relayCancel(client: net.Socket, packet: Buffer) {
    try {
      (await connect(upstreamHost, upstreamPort)).end(packet);
    } finally {
      client.end();
    }
  }

  /** DISCARD ALL (session settings, prepared statements, temp tables, advisory locks, LISTEN): the next client starts clean. */
  function reset(socket: net.Socket): Promise<boolean> {
    return new Promise((resolve) => {
      let ready = 0;
      let failed = false;
      const onData = framer((type, frame) => {
        if (type === 'E') failed = true;
        if (type === 'Z' && ++ready === 2) {
          socket.removeListener('data', onData);
          socket.removeListener('close', gone);
          resolve(!failed && frame[5] === 0x49 /* I */);
        }
      });
      const gone = () => resolve(false);
      socket.on('data', onData);
      socket.once('close', gone);
      // Sync first: it ends whatever extended-protocol exchange the client left half done.
      socket.write(Buffer.concat([message('S', Buffer.alloc(0)), message('Q', Buffer.from('DISCARD ALL\0'))]));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    port,
    stats: () => ({ idle: [...idle.values()].reduce((n, l) => n + l.length, 0), reused, opened, backends, waiting: waiters.length, waited, refused }),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of live) s.destroy();
        for (const list of idle.values()) for (const b of list) b.socket.destroy();
      });
    },
  };
}

/** Until the first ReadyForQuery: relays to the client, and keeps what follows AuthenticationOk. */
function readGreeting(socket: net.Socket, client: net.Socket): Promise<{ greeting: Buffer; passwordAsked: boolean } | null> {
  return new Promise((resolve) => {
    const kept: Buffer[] = [];
    let authenticated = false;
    let passwordAsked = false;
    const onData = framer((type, frame) => {
      client.write(Buffer.from(frame));
      if (type === 'R') {
        const code = frame.readInt32BE(5);
        if (code === 0) authenticated = true;
        else if (code !== 12 /* SASLFinal */ && code !== 11 /* SASLContinue */) passwordAsked = true;
        return;
      }
      if (type === 'E') return void done(null);
      if (authenticated) kept.push(frame);
      if (type === 'Z') done({ greeting: Buffer.concat(kept), passwordAsked });
    });
    const done = (r: { greeting: Buffer; passwordAsked: boolean } | null) => {
      socket.removeListener('data', onData);
      socket.removeListener('close', gone);
      if (onData.leftover().length > 0) socket.unshift(onData.leftover());
      resolve(r);
    };
    const gone = () => done(null);
    socket.on('data', onData);
    socket.once('close', gone);
  });
}

/** Splits a stream of protocol messages (type byte, int32 length) into whole frames: for the short exchanges (authentication, reset). */
function framer(onFrame: (type: string, frame: Buffer) => void) {
  let buf: Buffer = Buffer.alloc(0);
  const fn = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 5) {
      const len = buf.readInt32BE(1) + 1;
      if (buf.length < len) break;
      const frame = buf.subarray(0, len);
      buf = buf.subarray(len);
      onFrame(String.fromCharCode(frame[0]!), frame);
    }
  };
  return Object.assign(fn, { leftover: () => buf });
}

/**
 * Passes a stream of protocol messages on as it comes, without holding a message whole (an insert
 * of 50,000 events is one 10 MB message): `onHeader` sees each message's type as its header
 * passes (answering `false` drops the message), `onStatus` the first byte of each ReadyForQuery.
 */
export function relay(onHeader: (type: string) => boolean | void, forward: (bytes: Buffer) => void, onStatus?: (byte: number) => void) {
  const header = Buffer.alloc(5);
  let headerLength = 0; // bytes of a header split across chunks
  let left = 0; // body bytes of the current message still to come
  let keep = true;
  let statusNext = false;
  const begin = (type: string, bodyLength: number) => {
    left = bodyLength;
    keep = onHeader(type) !== false;
    statusNext = type === 'Z' && bodyLength > 0;
  };
  const fn = (chunk: Buffer) => {
    let at = 0;
    let run = -1; // where the bytes to forward in one write begin
    const endRun = (to: number) => {
      if (run >= 0 && to > run) forward(chunk.subarray(run, to));
      run = -1;
    };
    while (at < chunk.length) {
      if (left > 0) {
        const n = Math.min(left, chunk.length - at);
        if (statusNext) {
          onStatus?.(chunk[at]!);
          statusNext = false;
        }
        if (keep && run < 0) run = at;
        at += n;
        left -= n;
        continue;
      }
      if (headerLength === 0 && chunk.length - at >= 5) {
        begin(String.fromCharCode(chunk[at]!), chunk.readInt32BE(at + 1) - 4);
        if (keep && run < 0) run = at;
        if (!keep) endRun(at);
        at += 5;
        continue;
      }
      // A header split across chunks: gathered apart, forwarded once whole.
      endRun(at);
      const take = Math.min(5 - headerLength, chunk.length - at);
      chunk.copy(header, headerLength, at, at + take);
      headerLength += take;
      at += take;
      if (headerLength < 5) break;
      headerLength = 0;
      begin(String.fromCharCode(header[0]!), header.readInt32BE(1) - 4);
      if (keep) forward(Buffer.from(header));
    }
    endRun(at);
  };
  return Object.assign(fn, { atBoundary: () => headerLength === 0 && left === 0 });
}

/** Reads the untyped startup packets, then hands the client's stream over. */
function reader(client: net.Socket) {
  let buf: Buffer = Buffer.alloc(0);
  let waiting: (() => void) | null = null;
  let closed = false;
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    waiting?.();
  };
  client.on('data', onData);
  client.once('close', () => {
    closed = true;
    waiting?.();
  });
  return {
    async startupPacket(): Promise<Buffer> {
      for (;;) {
        if (buf.length >= 8) {
          const len = buf.readInt32BE(0);
          if (len < 8 || len > 10_000) throw new Error('bad startup packet');
          if (buf.length >= len) {
            const packet = buf.subarray(0, len);
            buf = buf.subarray(len);
            return packet;
          }
        }
        if (closed) throw new Error('client left');
        await new Promise<void>((resolve) => (waiting = resolve));
        waiting = null;
      }
    },
    /** Stops reading: what came after the startup packets goes back to the client's stream, for the next listener. */
    handOver() {
      client.removeListener('data', onData);
      if (buf.length > 0) client.unshift(buf);
      buf = Buffer.alloc(0);
    },
  };
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.setNoDelay(true);
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type, 'binary'), int32(body.length + 4), body]);
}

/** An ErrorResponse a client reads as a Postgres error with this SQLSTATE. */
function errorResponse(sqlState: string, text: string): Buffer {
  const field = (code: string, value: string) => Buffer.concat([Buffer.from(code), Buffer.from(value, 'utf8'), Buffer.from([0])]);
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', sqlState), field('M', text), Buffer.from([0])]));
}
