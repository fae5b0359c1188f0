// Embedded Postgres for local development: PGlite (Postgres compiled to WASM, data kept on
// disk) served over TCP with the Postgres wire protocol, so anything that speaks Postgres
// (postgres.js in workerd via `wrangler dev`, drizzle migrations, psql) can use it.
//
// Why not @electric-sql/pglite-socket's PGLiteSocketServer? It queues every protocol
// message on its own, so the extended-query messages (Parse/Bind/Describe/Execute/Sync)
// of concurrent connections interleave inside PGlite's single backend session and queries
// fail ("bind message supplies N parameters…", electric-sql/pglite#1046). This server is
// safe for many concurrent connections:
//
//  - Each connection's bytes are split into messages and gathered into *groups*; a group
//    ends with Sync ('S'), a simple Query ('Q'), Flush ('H'), FunctionCall ('F'),
//    CopyDone/CopyFail ('c'/'f'), or is the startup message. A group goes to PGlite as one
//    unit, and one global FIFO queue runs groups one at a time.
//  - A connection *owns* the backend while it is inside a transaction block
//    (`isInTransaction()`), or after a group that ended with Flush (an extended query is
//    half way, e.g. postgres.js sends Parse/Describe/Flush, waits for the parameter types,
//    then Bind/Execute/Sync), or while it holds advisory locks (so that pg_advisory_lock
//    still serialises, e.g. concurrent runMigrations(); detected by checking pg_locks after
//    groups whose SQL mentions "advisory"). Meanwhile only its groups run; the others wait.
//    If the owner disconnects, its implicit transaction is Synced, an open transaction is
//    rolled back, its advisory locks are released, and so is the backend. An owner that
//    stays idle longer than `idleInTransactionTimeoutMs` is disconnected (like Postgres'
//    idle_in_transaction_session_timeout), so one leaked transaction can't hang everything.
//  - Named prepared statements: PGlite has ONE backend session, so statement names of all
//    connections share one namespace. The server rewrites protocol-level statement names
//    (in Parse, Bind, Describe 'S' and Close 'S') with a per-connection prefix, and closes a
//    connection's statements when it disconnects. Clients may therefore use named
//    statements (postgres.js' default `prepare: true`); `prepare: false` is still the
//    leanest choice (nothing is left behind in the shared session). SQL-level PREPARE /
//    EXECUTE / DEALLOCATE are not rewritten (avoid them, and avoid DISCARD ALL / DEALLOCATE
//    ALL, which reach every connection).
//
// Other consequences of the single session (fine for local development): session state is
// shared (SET, temp tables, LISTEN), only one transaction runs at a time (the others queue
// rather than run concurrently; an advisory lock holder blocks everyone), CancelRequest is
// ignored, COPY FROM STDIN is not supported, there is no TLS (SSLRequest is refused with 'N'
// and clients continue in plain text) and any user/password is accepted.
//
// CLI: tsx scripts/embedded-postgres.ts [--data .spark/pgdata] [--port 54329] [--host 127.0.0.1]
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

export interface EmbeddedPostgresOptions {
  /** Directory holding the database files (created if missing). */
  dataDir: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /**
   * A connection that owns the backend (open transaction, or half way through an extended
   * query) and sends nothing for this long is disconnected and its transaction rolled back.
   * 0 disables. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
  /** Logs connections and protocol errors to stderr. */
  debug?: boolean;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:spark@host:port/postgres (the password is ignored by PGlite). */
  url: string;
  port: number;
  /** Closes every connection (rolling back open transactions), the server, then PGlite. */
  stop(): Promise<void>;
}

// Startup-phase request codes (the message after the 4-byte length).
const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_MESSAGE = 1 << 30;

// Message types (frontend).
const T_SYNC = 0x53; // S
const T_QUERY = 0x51; // Q
const T_FLUSH = 0x48; // H
const T_FUNCTION_CALL = 0x46; // F
const T_COPY_DONE = 0x63; // c
const T_COPY_FAIL = 0x66; // f
const T_TERMINATE = 0x58; // X
const T_PARSE = 0x50; // P
const T_BIND = 0x42; // B
const T_DESCRIBE = 0x44; // D
const T_CLOSE = 0x43; // C
const KIND_STATEMENT = 0x53; // 'S' in Describe/Close

const GROUP_END = new Set([T_SYNC, T_QUERY, T_FLUSH, T_FUNCTION_CALL, T_COPY_DONE, T_COPY_FAIL]);
const NAMEDATALEN = 64; // Postgres identifiers keep at most 63 bytes.

interface Conn {
  id: number;
  socket: net.Socket;
  buffer: Buffer;
  started: boolean;
  closed: boolean;
  /** Messages of the group being gathered. */
  pending: Buffer[];
  /** Client statement names → backend names, for this connection. */
  statements: Set<string>;
  /** The last group run ended with Flush: an extended query is half way. */
  midExtendedQuery: boolean;
  /** A recent group mentioned advisory locks: check pg_locks once it has run. */
  advisoryHint: boolean;
  /** Holds advisory locks (so it owns the backend until it releases them). */
  holdsAdvisory: boolean;
}

type Job =
  | { conn: Conn; kind: 'startup' | 'group'; data: Uint8Array; last: number }
  | { conn: Conn; kind: 'cleanup' };

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const idleTimeoutMs = options.idleInTransactionTimeoutMs ?? 60_000;
  const debug = options.debug ?? false;
  const log = (...args: unknown[]) => {
    if (debug) console.error('[embedded-postgres]', ...args);
  };

  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  await db.waitReady;

  const conns = new Set<Conn>();
  const queue: Job[] = [];
  let owner: Conn | null = null;
  let running = false;
  let idleWaiters: Array<() => void> = [];
  let ownerTimer: NodeJS.Timeout | null = null;
  let nextId = 1;

  // --- the backend queue -------------------------------------------------------------

  function enqueue(job: Job, front = false): void {
    if (front) queue.unshift(job);
    else queue.push(job);
    if (job.conn === owner) clearOwnerTimer();
    void pump();
  }

  function nextJob(): Job | undefined {
    if (owner) {
      const i = queue.findIndex((j) => j.conn === owner);
      return i === -1 ? undefined : queue.splice(i, 1)[0];
    }
    return queue.shift();
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let job = nextJob(); job; job = nextJob()) {
        try {
          await db.runExclusive(() => runJob(job!));
        } catch (err) {
          // PGlite itself failed (not an SQL error, those are protocol responses).
          log(`connection #${job.conn.id}: backend error`, err);
          job.conn.socket.destroy();
        }
      }
    } finally {
      running = false;
    }
    if (owner && !owner.closed && queue.every((j) => j.conn !== owner)) armOwnerTimer(owner);
    if (queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function exec(data: Uint8Array, onData?: (chunk: Uint8Array) => void): Promise<void> {
    await db.execProtocolRawStream(data, { onRawData: onData ?? (() => {}) });
  }

  async function runJob(job: Job): Promise<void> {
    const { conn } = job;
    if (job.kind === 'cleanup') {
      if (owner === conn) {
        // Finish a half-done extended query (ends its implicit transaction) and roll back
        // an open transaction block.
        if (conn.midExtendedQuery) await exec(message(T_SYNC, Buffer.alloc(0)));
        if (db.isInTransaction()) await exec(message(T_QUERY, cstring('ROLLBACK')));
        if (conn.holdsAdvisory) await exec(message(T_QUERY, cstring('select pg_advisory_unlock_all()')));
        owner = null;
        clearOwnerTimer();
      }
      if (conn.statements.size > 0) {
        const closes = [...conn.statements].map((name) =>
          message(T_CLOSE, Buffer.concat([Buffer.from([KIND_STATEMENT]), cstring(name)])),
        );
        conn.statements.clear();
        // Outside a transaction so that an aborted one can't make the Close fail.
        if (!db.isInTransaction()) await exec(Buffer.concat([...closes, message(T_SYNC, Buffer.alloc(0))]));
      }
      return;
    }

    const write = (chunk: Uint8Array) => {
      if (chunk.length > 0 && !conn.closed && conn.socket.writable) conn.socket.write(Buffer.from(chunk));
    };
    if (mentionsAdvisory(job.data)) conn.advisoryHint = true;
    await exec(job.data, write);
    if (job.kind === 'startup') return;
    conn.midExtendedQuery = job.last === T_FLUSH;
    if (!conn.midExtendedQuery && (conn.advisoryHint || conn.holdsAdvisory)) {
      // All locks of the one session are this connection's: no other connection can have
      // taken one, as a holder owns the backend.
      const rows = await internalQuery(`select count(*) from pg_locks where locktype = 'advisory' and granted`);
      if (rows) {
        conn.holdsAdvisory = Number(rows[0]?.[0] ?? 0) > 0;
        conn.advisoryHint = false;
      }
    }
    const keep = conn.midExtendedQuery || conn.holdsAdvisory || db.isInTransaction();
    if (keep) {
      owner = conn;
    } else if (owner === conn) {
      owner = null;
      clearOwnerTimer();
    }
  }

  /** Runs a simple query for the server itself; rows of text values, or null on error. */
  async function internalQuery(sql: string): Promise<(string | null)[][] | null> {
    const chunks: Buffer[] = [];
    await exec(message(T_QUERY, cstring(sql)), (chunk) => chunks.push(Buffer.from(chunk)));
    const data = Buffer.concat(chunks);
    const rows: (string | null)[][] = [];
    for (let at = 0; at + 5 <= data.length; at += 1 + data.readInt32BE(at + 1)) {
      const type = data[at];
      if (type === 0x45) return null; // ErrorResponse
      if (type !== 0x44) continue; // DataRow
      const row: (string | null)[] = [];
      let p = at + 7;
      for (let i = data.readInt16BE(at + 5); i > 0; i--) {
        const len = data.readInt32BE(p);
        p += 4;
        row.push(len < 0 ? null : data.toString('utf8', p, p + len));
        if (len > 0) p += len;
      }
      rows.push(row);
    }
    return rows;
  }

  function armOwnerTimer(conn: Conn): void {
    clearOwnerTimer();
    if (idleTimeoutMs <= 0) return;
    ownerTimer = setTimeout(() => {
      ownerTimer = null;
      if (owner !== conn || conn.closed) return;
      log(`connection #${conn.id}: idle in transaction for ${idleTimeoutMs} ms, disconnecting`);
      if (conn.socket.writable) {
        conn.socket.write(
          errorResponse('FATAL', '25P03', 'terminating connection due to idle-in-transaction timeout (embedded Postgres)'),
        );
      }
      conn.socket.end();
      conn.socket.destroySoon();
      closeConn(conn);
    }, idleTimeoutMs);
    ownerTimer.unref();
  }

  function clearOwnerTimer(): void {
    if (ownerTimer) clearTimeout(ownerTimer);
    ownerTimer = null;
  }

  // --- connections ---------------------------------------------------------------------

  function closeConn(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    conns.delete(conn);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.conn === conn) queue.splice(i, 1);
    if (!conn.socket.destroyed) conn.socket.destroySoon();
    // Runs next if this connection owns the backend, otherwise in turn.
    enqueue({ conn, kind: 'cleanup' }, owner === conn);
    log(`connection #${conn.id} closed`);
  }

  function protocolError(conn: Conn, msg: string): void {
    log(`connection #${conn.id}: ${msg}`);
    if (conn.socket.writable) conn.socket.write(errorResponse('FATAL', '08P01', msg));
    conn.socket.end();
    closeConn(conn);
  }

  function onData(conn: Conn, chunk: Buffer): void {
    conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
    while (!conn.closed) {
      const buf = conn.buffer;
      if (!conn.started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        const code = buf.readInt32BE(4);
        if (len < 8 || len > 10_000) return protocolError(conn, 'invalid startup packet length');
        if (buf.length < len) return;
        conn.buffer = buf.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          conn.socket.write('N');
        } else if (code === CANCEL_REQUEST) {
          conn.socket.end(); // not supported: ignore and close
          closeConn(conn);
          return;
        } else {
          if (code >> 16 !== PROTOCOL_3 >> 16) return protocolError(conn, `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`);
          conn.started = true;
          enqueue({ conn, kind: 'startup', data: Uint8Array.from(buf.subarray(0, len)), last: 0 });
        }
        continue;
      }
      if (buf.length < 5) return;
      const type = buf[0]!;
      const len = buf.readInt32BE(1);
      if (len < 4 || len > MAX_MESSAGE) return protocolError(conn, 'invalid message length');
      if (buf.length < len + 1) return;
      const msg = buf.subarray(0, len + 1);
      conn.buffer = buf.subarray(len + 1);
      if (type === T_TERMINATE) {
        conn.socket.end();
        closeConn(conn);
        return;
      }
      conn.pending.push(rewriteStatementNames(conn, msg));
      if (GROUP_END.has(type)) {
        const data = Buffer.concat(conn.pending);
        conn.pending = [];
        enqueue({ conn, kind: 'group', data: new Uint8Array(data.buffer, data.byteOffset, data.length), last: type });
      }
    }
  }

  /** Gives statement names a per-connection prefix (one shared backend session). */
  function rewriteStatementNames(conn: Conn, msg: Buffer): Buffer {
    const type = msg[0]!;
    let at: number; // offset of the statement name
    if (type === T_PARSE) at = 5;
    else if (type === T_BIND) at = msg.indexOf(0, 5) + 1; // after the portal name
    else if ((type === T_DESCRIBE || type === T_CLOSE) && msg[5] === KIND_STATEMENT) at = 6;
    else return msg;
    const end = msg.indexOf(0, at);
    if (at <= 0 || end === -1) return msg; // malformed: let the backend complain
    if (end === at) return msg; // unnamed statement
    const name = backendName(conn, msg.toString('utf8', at, end));
    if (type === T_PARSE) conn.statements.add(name);
    else if (type === T_CLOSE) conn.statements.delete(name);
    const body = Buffer.concat([msg.subarray(5, at), cstring(name), msg.subarray(end + 1)]);
    return message(type, body);
  }

  function backendName(conn: Conn, name: string): string {
    const prefix = `c${conn.id}_`; // prefix-free: "c" digits "_"
    const full = prefix + name;
    if (Buffer.byteLength(full) < NAMEDATALEN) return full;
    return prefix + createHash('sha1').update(name).digest('hex'); // would be truncated
  }

  const server = net.createServer((socket) => {
    const conn: Conn = {
      id: nextId++,
      socket,
      buffer: Buffer.alloc(0),
      started: false,
      closed: false,
      pending: [],
      statements: new Set(),
      midExtendedQuery: false,
      advisoryHint: false,
      holdsAdvisory: false,
    };
    conns.add(conn);
    socket.setNoDelay(true);
    log(`connection #${conn.id} from ${socket.remoteAddress}:${socket.remotePort}`);
    socket.on('data', (chunk: Buffer) => {
      try {
        onData(conn, chunk);
      } catch (err) {
        protocolError(conn, `protocol error: ${(err as Error).message}`);
      }
    });
    socket.on('error', (err) => {
      log(`connection #${conn.id}: socket error`, err.message);
      closeConn(conn);
    });
    socket.on('close', () => closeConn(conn));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address !== 'object') return reject(new Error('expected a TCP address'));
      resolve(address.port);
    });
  }).catch(async (err: unknown) => {
    await db.close();
    throw err;
  });

  let stopping: Promise<void> | null = null;
  async function stop(): Promise<void> {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...conns]) {
        conn.socket.destroy();
        closeConn(conn);
      }
      await closed;
      // Let the cleanup jobs (rollbacks) run, then close PGlite.
      while (running || queue.length > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      clearOwnerTimer();
      await db.close();
    })();
    return stopping;
  }

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `postgres://postgres:spark@${urlHost}:${port}/postgres`, port, stop };
}

// --- wire-protocol helpers -------------------------------------------------------------

function mentionsAdvisory(data: Uint8Array): boolean {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  return buf.includes('advisory') || buf.includes('ADVISORY') || buf.includes('Advisory');
}

function cstring(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

function message(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** A backend ErrorResponse ('E'). */
function errorResponse(severity: string, code: string, text: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from('S'), cstring(severity),
    Buffer.from('V'), cstring(severity),
    Buffer.from('C'), cstring(code),
    Buffer.from('M'), cstring(text),
    Buffer.from([0]),
  ]);
  return message(0x45, fields);
}

// --- CLI -------------------------------------------------------------------------------

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const dataDir = arg('--data') ?? '.spark/pgdata';
  const port = Number(arg('--port') ?? 54329);
  const host = arg('--host') ?? '127.0.0.1';
  const pg = await startEmbeddedPostgres({ dataDir, port, host, debug: args.includes('--debug') });
  console.log(pg.url);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    pg.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
