// The agent's op journal (<home>/ops-journal.jsonl): every op the agent accepted and how far it got,
// so that "accepted" means something. An op is never run twice (not when the room re-delivers it,
// not across a restart) and never lost: an op accepted but not started before a crash is started
// after the restart, an op that was running when the agent died is reported failed ('interrupted')
// instead of being re-run, and a result that could not be sent while the link was down is sent
// when it is back (edge-link.ts reads unsentResults on every open).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { clipText } from '../contracts/text';
import type { AgentMessage, ErrorInfo, OpDispatch } from '../contracts/ws';


export type JournalState = 'accepted' | 'running' | 'done';
export type OpResultMessage = Extract<AgentMessage, { t: 'op.result' }>;

export interface JournalEntry {
  callId: string;
  sessionId: string;
  /** The op's name (generate_script, ...). */
  name: string;
  state: JournalState;
  dispatch?: OpDispatch;
  expiresAt: number;
  acceptedAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: OpResultMessage;
  resultSent?: boolean;
}

const journalRecord = z.object({ callId: z.string().min(1) }).passthrough();

export interface OpJournalOptions {
  /** Keep finished entries this long past their expiry (the room never re-delivers after it). */
  retainMs?: number;
  /** At most this many finished entries survive a compaction. */
  maxDone?: number;
  /** fsync after the records that matter (accepted, done). Default true. */
  sync?: boolean;
  now?: () => number;
}

export class OpJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private fd: number;
  private records = 0;
  private readonly retainMs: number;
  private readonly maxDone: number;
  private readonly sync: boolean;
  private readonly now: () => number;
  /** Lines cut off or skipped while loading (a crash mid-write leaves a torn last line). */
  readonly skipped: number;

  private constructor(
    readonly file: string,
    opts: OpJournalOptions,
  ) {
    this.retainMs = opts.retainMs ?? 60 * 60_000;
    this.maxDone = opts.maxDone ?? 5000;
    this.sync = opts.sync ?? true;
    this.now = opts.now ?? Date.now;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let skipped = 0;
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      // The last element is '' after a final newline, or a torn record without one: either way not a record.
      if (lines[lines.length - 1] !== '') skipped++;
      for (const line of lines.slice(0, -1)) {
        if (line === '') continue;
        try {
          const rec = journalRecord.parse(JSON.parse(line)) as Partial<JournalEntry> & { callId: string };
          const prev = this.entries.get(rec.callId);
          this.entries.set(rec.callId, { ...(prev ?? ({} as JournalEntry)), ...rec } as JournalEntry);
        } catch {
          skipped++;
        }
      }
    }
    this.skipped = skipped;
    this.fd = -1;
    this.rewrite();
  }

  static open(file: string, opts: OpJournalOptions = {}): OpJournal {
    return new OpJournal(file, opts);
  }

  static fileIn(home: string): string {
    return join(home, 'ops-journal.jsonl');
  }

  get(callId: string): JournalEntry | undefined {
    return this.entries.get(callId);
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** Records a new op (durably). Returns false when the op is already known. */
  accept(dispatch: OpDispatch): boolean {
    if (this.entries.has(dispatch.callId)) return false;
    const entry: JournalEntry = {
      callId: dispatch.callId,
      sessionId: dispatch.sessionId,
      name: dispatch.op.op,
      state: 'accepted',
      dispatch,
      expiresAt: dispatch.expiresAt,
      acceptedAt: this.now(),
    };
    this.entries.set(entry.callId, entry);
    this.append(entry, true);
    return true;
  }

  /** Records an op that is finished on arrival (invalid, expired): never run, answered once. */
  acceptFinished(callId: string, sessionId: string, name: string, expiresAt: number, result: OpResultMessage): JournalEntry {
    const now = this.now();
    const entry: JournalEntry = { callId, sessionId, name, state: 'done', expiresAt, acceptedAt: now, finishedAt: now, result, resultSent: false };
    this.entries.set(callId, entry);
    this.append(entry, true);
    return entry;
  }

  /** Just before the executor runs it: from now on a crash means 'interrupted', never a re-run. */
  markRunning(callId: string): void {
    const e = this.entries.get(callId);
    if (!e || e.state !== 'accepted') throw new Error(`op ${callId} is not waiting to run (state ${e?.state ?? 'unknown'})`);
    e.state = 'running';
    e.startedAt = this.now();
    this.append({ callId, state: 'running', startedAt: e.startedAt }, true);
  }

  complete(callId: string, result: OpResultMessage): JournalEntry {
    const e = this.entries.get(callId);
    if (!e) throw new Error(`op ${callId} is not in the journal`);
    e.state = 'done';
    e.finishedAt = this.now();
    e.result = result;
    e.resultSent = false;
    delete e.dispatch;
    this.append({ callId, state: 'done', finishedAt: e.finishedAt, result, resultSent: false, dispatch: undefined }, true);
    this.maybeCompact();
    return e;
  }

  markResultSent(callId: string): void {
    const e = this.entries.get(callId);
    if (!e || e.resultSent) return;
    e.resultSent = true;
    this.append({ callId, resultSent: true }, false);
  }

  /** Accepted, not started: to run (after a restart). */
  waiting(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'accepted');
  }

  /** Started, not finished: the agent died while running them. */
  interrupted(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'running');
  }

  unsentResults(sessionId: string): JournalEntry[] {
    return this.all().filter((e) => e.sessionId === sessionId && e.state === 'done' && !e.resultSent && e.result);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(rec: object, durable: boolean): void {
    if (this.fd < 0) throw new Error('op journal is closed');
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    if (durable && this.sync) fsyncSync(this.fd);
    this.records++;
  }

  private maybeCompact(): void {
    if (this.records > Math.max(1000, this.entries.size * 4)) this.rewrite();
  }

  /** Rewrites the file with one record per live entry (prunes old finished ones). */
  private rewrite(): void {
    const now = this.now();
    const done = this.all()
      .filter((e) => e.state === 'done')
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const e of done) {
      const old = Math.max(e.expiresAt, e.finishedAt ?? 0) + this.retainMs < now;
      if (old && (e.resultSent || !e.result)) this.entries.delete(e.callId);
    }
    const stillDone = done.filter((e) => this.entries.has(e.callId));
    for (const e of stillDone.slice(0, Math.max(0, stillDone.length - this.maxDone))) this.entries.delete(e.callId);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const body = this.all()
        .map((e) => `${JSON.stringify(e)}\n`)
        .join('');
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.fd >= 0) closeSync(this.fd);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a', 0o600);
    this.records = this.entries.size;
  }
}

export interface OpOutcomeForRoom {
  ok: boolean;
  result?: unknown;
  error?: ErrorInfo;
  latencyMs: number;
  mcpMs: number;
}

/** The op.result message for an outcome, clipped to the contract's limits. */
export function resultMessage(callId: string, outcome: OpOutcomeForRoom): OpResultMessage {
  return {
    t: 'op.result',
    callId,
    ok: outcome.ok,
    ...(outcome.result !== undefined ? { result: outcome.result } : {}),
    ...(outcome.error ? { error: { code: clipText(String(outcome.error.code), 64), message: clipText(String(outcome.error.message), 2000) } } : {}),
    latencyMs: Math.max(0, Number.isFinite(outcome.latencyMs) ? outcome.latencyMs : 0),
    mcpMs: Math.max(0, Number.isFinite(outcome.mcpMs) ? outcome.mcpMs : 0),
  };
}

