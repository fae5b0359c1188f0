import { DurableObject } from 'cloudflare:workers';
import type { EventQueueMessage } from '../contracts/event';
import { packEvents } from '../workers/event-packs';
import { PartialSendError, sendInBatches } from '../workers/send-batches';
import type { Env } from './env';
import type { AppendResult, IngestLogApi, IngestLogStats, LoggedEventKey } from './ingest-log-api';
import { logError, logWarn } from '../workers/safe-log';

// The ingest write-ahead log of the local stack (INGEST_LOG=on, set by `npm start`). Miniflare's
// local queue keeps messages in memory only, so the edge appends accepted events here (Durable
// Object storage, persisted by `wrangler dev --persist-to`) before answering 202. The log feeds
// them to the queue packed (many per message, as the edge does without the log), keeps each one
// until the consumer acks it (inserted or dead-lettered), and
// sends again what stays unacknowledged: after a while, and whenever the object starts afresh
// (after a restart the queue is empty). The consumer is idempotent on event id, so a resend of
// an event that did arrive is harmless. Production keeps the plain queue send: Cloudflare Queues
// keep a message once send() resolves.

/** Events waiting in the log (sent or not) before appends are refused with 503 (INGEST_LOG_MAX_PENDING overrides). */
export const MAX_LOG_PENDING = 100_000;
/** Events on the queue but not yet acked; the rest wait in the log. */
export const MAX_LOG_IN_FLIGHT = 50_000;
/** Queue messages (packs) not yet acked: local queues break near 10,000 messages in flight, however small. */
export const MAX_LOG_IN_FLIGHT_MESSAGES = 5_000;
/**
 * An event sent this long ago without an ack or a sendLater is taken as lost and sent again. Longer
 * than the queue's whole retry chain (3 retries, backoff from 2 s), so a message still being
 * retried (on its way to the DLQ) is not sent a second time.
 */
const DEFAULT_RESEND_AFTER_MS = 60_000;
/** An event the consumer could not store because Postgres was away is sent again after this. */
const SEND_LATER_MS = 5_000;
/** How often the log looks again while it holds events. */
const TICK_MS = 2_000;
/** Rows read per send round. */
const SEND_CHUNK = 5_000;

export class IngestLog extends DurableObject<Env> implements IngestLogApi {
  private pending = 0;
  private draining = false;
  /** Numbers the packs this object sent (only told apart while in flight: a restart resends everything). */
  private packSeq = 0;
  private drainAgain = false;
  private readonly resendAfterMs: number;
  private readonly maxPending: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.resendAfterMs = positive(env.INGEST_LOG_RESEND_SECONDS, DEFAULT_RESEND_AFTER_MS / 1000) * 1000;
    this.maxPending = positive(env.INGEST_LOG_MAX_PENDING, MAX_LOG_PENDING);
    void ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec(`create table if not exists pending (
        seq integer primary key,
        project_id text not null,
        event_id text not null,
        body text not null,
        sent_at integer not null default 0,
        sends integer not null default 0
      )`);
      sql.exec('create unique index if not exists pending_key on pending (project_id, event_id)');
      sql.exec('create index if not exists pending_sent on pending (sent_at, seq)');
      // The pack (queue message) a sent event went in, to count messages in flight; logs from before packing lack it.
      const columns = sql.exec<{ name: string }>('pragma table_info(pending)').toArray();
      if (!columns.some((c) => c.name === 'pack')) sql.exec('alter table pending add column pack integer not null default 0');
      // A fresh start (a restarted stack, an evicted object): whatever was on the in-memory
      // queue may be gone, so everything unacked is sent again.
      sql.exec('update pending set sent_at = 0 where sent_at > 0');
      this.pending = this.count('select count(*) as n from pending');
      if (this.pending > 0) await ctx.storage.setAlarm(Date.now());
    });
  }

  /** Keeps the events durably (one transaction), then hands them to the queue in the background. */
  async append(messages: EventQueueMessage[]): Promise<AppendResult> {
    if (this.pending + messages.length > this.maxPending) return { ok: false, reason: 'full', pending: this.pending };
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const m of messages) {
        sql.exec(
          `insert into pending (project_id, event_id, body) values (?, ?, ?)
           on conflict (project_id, event_id) do update set body = excluded.body, sent_at = 0`,
          m.projectId,
          m.event.id,
          JSON.stringify({ ...m, logged: true }),
        );
      }
    });
    // A resent event replaces its row, so count rather than add.
    this.pending = this.count('select count(*) as n from pending');
    this.kick();
    return { ok: true };
  }

  /** The consumer persisted these (inserted, or kept in dead_letters): the log lets them go. */
  async ack(keys: LoggedEventKey[]): Promise<number> {
    let removed = 0;
    this.ctx.storage.transactionSync(() => {
      for (const k of keys) {
        removed += this.ctx.storage.sql.exec('delete from pending where project_id = ? and event_id = ?', k.projectId, k.id).rowsWritten;
      }
    });
    this.pending -= removed;
    if (removed > 0) this.kick();
    return removed;
  }

  /** The consumer dropped these from the queue while Postgres was away: send them again shortly. */
  async sendLater(keys: LoggedEventKey[]): Promise<void> {
    // Back-dated so that the alarm's staleness rule picks them up after SEND_LATER_MS.
    const sentAt = Math.max(1, Date.now() - this.resendAfterMs + SEND_LATER_MS);
    this.ctx.storage.transactionSync(() => {
      for (const k of keys) this.ctx.storage.sql.exec('update pending set sent_at = ? where project_id = ? and event_id = ? and sent_at > 0', sentAt, k.projectId, k.id);
    });
  }

  async stats(): Promise<IngestLogStats> {
    return { pending: this.pending, inFlight: this.count('select count(*) as n from pending where sent_at > 0') };
  }

  /** Sends again what waited too long for its ack, feeds the queue, and looks again while anything is left. */
  override async alarm() {
    const staleBefore = Date.now() - this.resendAfterMs;
    this.ctx.storage.sql.exec('update pending set sent_at = 0 where sent_at > 0 and sent_at < ?', staleBefore);
    await this.drain();
    if (this.pending > 0) await this.ctx.storage.setAlarm(Date.now() + TICK_MS);
  }

  private kick() {
    this.drain()
      .then(async () => {
        if (this.pending > 0 && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + TICK_MS);
      })
      .catch((err) => logError('ingest log: drain failed', err));
  }

  /**
   * Sends unsent events in order, packed many per queue message, while fewer than
   * MAX_LOG_IN_FLIGHT events and MAX_LOG_IN_FLIGHT_MESSAGES messages wait for their ack. One drain at a time.
   */
  private async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      for (;;) {
        this.drainAgain = false;
        const inFlight = this.ctx.storage.sql.exec<{ events: number; packs: number }>('select count(*) as events, count(distinct pack) as packs from pending where sent_at > 0').one();
        const budget = Math.min(SEND_CHUNK, MAX_LOG_IN_FLIGHT - Number(inFlight.events));
        if (budget <= 0 || Number(inFlight.packs) >= MAX_LOG_IN_FLIGHT_MESSAGES) break;
        const rows = this.ctx.storage.sql.exec<{ seq: number; body: string }>('select seq, body from pending where sent_at = 0 order by seq limit ?', budget).toArray();
        if (rows.length === 0 && !this.drainAgain) break;
        if (rows.length === 0) continue;
        const packs = packEvents(rows.map((r) => JSON.parse(r.body) as EventQueueMessage));
        let sentPacks = packs.length;
        try {
          await sendInBatches(this.env.EVENTS, packs.map((p) => p.body), (_, i) => packs[i]!.bytes);
        } catch (err) {
          // What did not go stays unsent: the next tick tries again (resends are harmless anyway).
          sentPacks = err instanceof PartialSendError ? err.sent : 0;
          logWarn(`ingest log: queue send failed after ${sentPacks} of ${packs.length} messages; will retry`, err);
        }
        this.markSent(rows, packs, sentPacks);
        if (sentPacks < packs.length) break;
      }
    } finally {
      this.draining = false;
    }
  }

  /** Marks the rows of the first `sentPacks` packs sent, each with its pack's number (packs keep row order). */
  private markSent(rows: { seq: number }[], packs: { body: { events: unknown[] } }[], sentPacks: number) {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      let row = 0;
      for (const pack of packs.slice(0, sentPacks)) {
        const packNo = ++this.packSeq;
        for (let i = 0; i < pack.body.events.length; i++, row++) {
          this.ctx.storage.sql.exec('update pending set sent_at = ?, sends = sends + 1, pack = ? where seq = ? and sent_at = 0', now, packNo, rows[row]!.seq);
        }
      }
    });
  }

  private count(query: string, ...bindings: unknown[]): number {
    return Number(this.ctx.storage.sql.exec<{ n: number }>(query, ...bindings).one().n);
  }
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
