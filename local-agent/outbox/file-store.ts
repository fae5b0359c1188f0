// The outbox on local disk, for when NATS is not there: an append-only JSON-lines file plus a small
// state file holding the committed offset (everything before it has reached the edge).
//
//   <dir>/events.<gen>.jsonl   one event per line, appended with a single write per append()
//   <dir>/state.json           {"gen": n, "offset": bytes} — replaced atomically (write + rename)
//
// Recovery: the events after `offset` are pending; a last line without its newline was torn by a
// crash mid-append and is cut off (it was never acknowledged to the caller); a corrupt line in the
// middle is skipped and counted. Compaction copies the pending tail into events.<gen+1>.jsonl and
// only then points state.json at it, so a crash at any moment leaves one consistent pair.
import { mkdir, open, readdir, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sparkEventV1, type SparkEventV1 } from '../../contracts/event';
import { firstIssue } from '../../contracts/errors';
import { silentLogger, type Logger } from '../log';
import { Mutex } from './retry';
import { ingestBodyBytes, type OutboxBatch, type OutboxStore, type TakeLimits } from './types';

export interface FileStoreOptions {
  dir: string;
  /** Compact once this many committed bytes sit at the head of the file (and they are ≥ half of it). */
  compactMinBytes?: number;
  /** fdatasync after every append (slower; protects against power loss, not just crashes). */
  syncOnAppend?: boolean;
  log?: Logger;
}

export interface FileStoreStats {
  gen: number;
  offset: number;
  size: number;
  pending: number;
  corruptSkipped: number;
  tornRecovered: number;
  compactions: number;
}

export interface FileStore extends OutboxStore {
  readonly kind: 'file';
  stats(): FileStoreStats;
  /** Forces a compaction now (tests, shutdown). */
  compact(): Promise<void>;
}

const STATE = 'state.json';
const LOCK = 'lock';
const NL = 0x0a;
const DATA_RE = /^events\.(\d+)\.jsonl$/;
const CHUNK = 1024 * 1024;
/** Largest line we expect: a 64 KiB payload plus the envelope, escaped; generous. */
const READ_SLACK = 512 * 1024;

const dataName = (gen: number) => `events.${gen}.jsonl`;

export class InvalidOutboxEventError extends Error {
  readonly code = 'invalid_event';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOutboxEventError';
  }
}

/** Validates (against the contract) and serialises events, one JSON line each. */
export function serialiseEvents(events: readonly SparkEventV1[]): string[] {
  return events.map((e, i) => {
    const r = sparkEventV1.safeParse(e);
    if (!r.success) throw new InvalidOutboxEventError(`events.${i}: ${firstIssue(r.error, e).message}`);
    return JSON.stringify(r.data);
  });
}

function isJsonLine(s: string): boolean {
  try {
    const v = JSON.parse(s) as unknown;
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}

async function acquireLock(dir: string): Promise<void> {
  const file = join(dir, LOCK);
  try {
    await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) throw new Error(`the outbox in ${dir} is in use by another agent (pid ${pid}); stop it first`);
  }
  await writeFile(file, String(process.pid), { mode: 0o600 });
}

export async function openFileStore(opts: FileStoreOptions): Promise<FileStore> {
  const dir = opts.dir;
  const log = opts.log ?? silentLogger;
  const compactMinBytes = opts.compactMinBytes ?? 1024 * 1024;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await acquireLock(dir);

  let gen = 0;
  let offset = 0;
  try {
    const st = JSON.parse(await readFile(join(dir, STATE), 'utf8')) as { gen?: unknown; offset?: unknown };
    if (Number.isInteger(st.gen) && Number.isInteger(st.offset) && (st.gen as number) >= 0 && (st.offset as number) >= 0) {
      gen = st.gen as number;
      offset = st.offset as number;
    } else {
      log.warn('outbox state file is malformed; starting from the beginning of the data file', { dir });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.warn('outbox state file is unreadable; starting from the beginning of the data file', { dir });
    }
  }

  // Files of another generation are leftovers: an older one a compaction finished with, or a
  // newer one a crash interrupted before state.json pointed at it.
  for (const name of await readdir(dir)) {
    const m = DATA_RE.exec(name);
    if ((m && Number(m[1]) !== gen) || name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
  }

  let handle: FileHandle = await open(join(dir, dataName(gen)), 'a+', 0o600);
  let size = (await handle.stat()).size;
  if (offset > size) {
    log.warn('outbox committed offset is past the end of the data file; nothing pending', { offset, size });
    offset = size;
  }

  const stats = { pending: 0, corruptSkipped: 0, tornRecovered: 0, compactions: 0 };

  // Recovery scan: count pending lines, find a torn tail.
  {
    let pos = offset;
    let lineStart = offset;
    let carry: Buffer[] = [];
    while (pos < size) {
      const len = Math.min(CHUNK, size - pos);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await handle.read(buf, 0, len, pos);
      if (bytesRead <= 0) break;
      const chunk = buf.subarray(0, bytesRead);
      let from = 0;
      for (let nl = chunk.indexOf(NL, from); nl !== -1; nl = chunk.indexOf(NL, from)) {
        const piece = chunk.subarray(from, nl);
        const line = carry.length > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
        carry = [];
        if (line.length > 0 && isJsonLine(line)) stats.pending++;
        else if (line.length > 0) stats.corruptSkipped++;
        from = nl + 1;
        lineStart = pos + from;
      }
      if (from < chunk.length) carry.push(Buffer.from(chunk.subarray(from)));
      pos += bytesRead;
    }
    if (lineStart < size) {
      log.warn('outbox: cutting off a torn last line (a crash interrupted an append)', { bytes: size - lineStart });
      await handle.truncate(lineStart);
      size = lineStart;
      stats.tornRecovered++;
    }
  }

  const mutex = new Mutex();
  let taken = false;
  let closed = false;

  async function writeState(): Promise<void> {
    const tmp = join(dir, `${STATE}.tmp`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify({ gen, offset }));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, STATE));
  }

  async function compactNow(force: boolean): Promise<void> {
    if (offset === 0) return;
    if (!force && (offset < compactMinBytes || offset * 2 < size)) return;
    const nextGen = gen + 1;
    const nextFile = join(dir, dataName(nextGen));
    const out = await open(nextFile, 'w', 0o600);
    try {
      let pos = offset;
      const buf = Buffer.allocUnsafe(CHUNK);
      while (pos < size) {
        const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - pos), pos);
        if (bytesRead <= 0) break;
        await out.write(buf.subarray(0, bytesRead));
        pos += bytesRead;
      }
      await out.datasync();
    } finally {
      await out.close();
    }
    const oldFile = join(dir, dataName(gen));
    const newSize = size - offset;
    const prev = { gen, offset };
    gen = nextGen;
    offset = 0;
    try {
      await writeState();
    } catch (err) {
      gen = prev.gen;
      offset = prev.offset;
      await unlink(nextFile).catch(() => undefined);
      throw err;
    }
    await handle.close();
    handle = await open(nextFile, 'a+', 0o600);
    size = newSize;
    await unlink(oldFile).catch(() => undefined);
    stats.compactions++;
    log.debug('outbox compacted', { gen, size });
  }

  await mutex.run(() => compactNow(false));

  async function commit(endPos: number, valid: number): Promise<void> {
    await mutex.run(async () => {
      if (endPos > offset) {
        offset = endPos;
        stats.pending = Math.max(0, stats.pending - valid);
        await writeState();
        await compactNow(false);
      }
    });
  }

  async function readBatch(limits: TakeLimits): Promise<{ items: string[]; bytes: number; end: number; corrupt: number } | undefined> {
    if (offset >= size) return undefined;
    let want = Math.min(size - offset, limits.maxBytes + READ_SLACK);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, offset);
      const chunk = buf.subarray(0, bytesRead);
      const items: string[] = [];
      let bytes = 0;
      let corrupt = 0;
      let from = 0;
      let end = offset;
      for (let nl = chunk.indexOf(NL, from); nl !== -1; nl = chunk.indexOf(NL, from)) {
        const len = nl - from;
        const line = chunk.subarray(from, nl).toString('utf8');
        if (len > 0 && !isJsonLine(line)) {
          corrupt++;
        } else if (len > 0) {
          if (items.length >= limits.maxEvents) break;
          if (items.length > 0 && ingestBodyBytes(items.length + 1, bytes + len) > limits.maxBytes) break;
          items.push(line);
          bytes += len;
        }
        from = nl + 1;
        end = offset + from;
      }
      if (end > offset) return { items, bytes, end, corrupt };
      // Not even one full line in the window: a line longer than we expected. Read more.
      if (offset + want >= size) return undefined;
      want = Math.min(size - offset, want * 2);
    }
  }

  const store: FileStore = {
    kind: 'file',
    async append(events) {
      if (events.length === 0) return;
      const lines = serialiseEvents(events);
      const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      await mutex.run(async () => {
        if (closed) throw new Error('outbox is closed');
        const before = size;
        try {
          await handle.write(buf, 0, buf.length);
          if (opts.syncOnAppend) await handle.datasync();
        } catch (err) {
          // Leave no torn line behind for the next append to glue onto.
          await handle.truncate(before).catch(() => undefined);
          throw err;
        }
        size += buf.length;
        stats.pending += lines.length;
      });
    },
    depth: async () => stats.pending,
    async take(limits) {
      if (taken) throw new Error('outbox: a batch is already taken; commit or release it first');
      for (;;) {
        const r = await mutex.run(() => (closed ? undefined : readBatch(limits)));
        if (!r) return undefined;
        if (r.items.length === 0) {
          // Only corrupt lines: skip past them for good.
          log.warn('outbox: skipping corrupt lines', { count: r.corrupt });
          await commit(r.end, 0);
          continue;
        }
        if (r.corrupt > 0) log.warn('outbox: skipping corrupt lines', { count: r.corrupt });
        taken = true;
        let settled = false;
        const batch: OutboxBatch = {
          items: r.items,
          bytes: r.bytes,
          async commit() {
            if (settled) return;
            settled = true;
            try {
              await commit(r.end, r.items.length);
            } finally {
              taken = false;
            }
          },
          async release() {
            if (settled) return;
            settled = true;
            taken = false;
          },
        };
        return batch;
      }
    },
    stats: () => ({ gen, offset, size, ...stats }),
    compact: () => mutex.run(() => compactNow(true)),
    async close() {
      await mutex.run(async () => {
        if (closed) return;
        closed = true;
        await handle.close();
        await unlink(join(dir, LOCK)).catch(() => undefined);
      });
    },
  };
  return store;
}
