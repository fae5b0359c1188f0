import type { Db } from '../../db/client';
import { DEFAULT_EVENT_RETENTION_MONTHS, ensureEventPartitions } from '../../db/partitions';
import { prunePairingCodes } from '../../db/queries/agents';
import { pruneHistory } from '../../db/queries/history';
import { pruneRefreshTokens } from '../../db/queries/identity';
import { pruneOauth } from '../../db/queries/oauth';
import { clearExpiredDeliveryBodies } from '../../db/queries/webhooks';
import { runLifecycle, type LifecycleDeps } from '../lifecycle';
import { runRetention, runRollups } from '../rollups';

export const CRON_FREQUENT = '*/5 * * * *';
export const CRON_DAILY = '17 3 * * *';
/** Each session keeps its newest changes; undo and rollback reach this far back. */
export const HISTORY_KEEP = 50;
/** Partitions are kept this many months ahead of today. */
export const PARTITION_MONTHS_AHEAD = 3;

export interface CronOptions {
  /** Months of raw events kept (EVENT_RETENTION_MONTHS); older partitions go once rolled up. */
  retentionMonths?: number;
  /** The session lifecycle's reach into rooms and the event queue; without it the lifecycle does not run. */
  lifecycle?: LifecycleDeps;
  /** Digests: made by the daily trigger, sent to outgoing webhooks by the frequent one; without it neither runs. */
  digests?: DigestJobs;
}

export interface DigestJobs {
  /** Yesterday's, last week's and last month's digests, as due on `now`. */
  makeDue(db: Db, now: Date): Promise<unknown>;
  /** One attempt for each due delivery. */
  deliverDue(db: Db, now: Date): Promise<unknown>;
}

/** Runs the jobs of one cron trigger; returns what each did, for logs and tests. */
export async function runCron(cron: string, db: Db, now = new Date(), opts: CronOptions = {}): Promise<Record<string, unknown>> {
  const done: Record<string, unknown> = {};
  if (cron === CRON_FREQUENT) {
    done.historyPruned = await pruneHistory(db, HISTORY_KEEP);
    done.rollup = await runRollups(db);
    if (opts.lifecycle) done.lifecycle = await runLifecycle(db, now, opts.lifecycle);
    if (opts.digests) done.digestDeliveries = await opts.digests.deliverDue(db, now);
  }
  if (cron === CRON_DAILY) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    done.partitionsCreated = await ensureEventPartitions(db, from, PARTITION_MONTHS_AHEAD + 1);
    done.webhookBodiesCleared = await clearExpiredDeliveryBodies(db, now);
    done.oauthPruned = await pruneOauth(db, now);
    done.refreshTokensPruned = await pruneRefreshTokens(db, now);
    done.pairingCodesPruned = await prunePairingCodes(db, now);
    Object.assign(done, await runRetention(db, now, opts.retentionMonths ?? DEFAULT_EVENT_RETENTION_MONTHS));
    if (opts.digests) {
      done.digests = await opts.digests.makeDue(db, now);
      // Today's digests go out now rather than at the next frequent run.
      done.digestDeliveries = await opts.digests.deliverDue(db, now);
    }
  }
  return done;
}
