// Digests: the facts of a period counted from spark_events (never by a model), and the stored
// digests, outgoing webhooks, deliveries and their attempts.
//
// Where each fact comes from (types as the webhook normalisers and Spark's own catalog write them):
// - commits: the `commits` of `github.push` / `gitlab.push`, one per commit id (a commit pushed to
//   two branches counts once), on the day of the push that first brought it; contributors by
//   author name (else username, else email);
// - pull requests: `github.pull_request.opened` / `gitlab.merge_request.opened` opened;
//   `github.pull_request.closed` with `merged: true` / `gitlab.merge_request.merged` merged;
// - CI runs: `ci.run.completed`, by `conclusion`; deploys: `deploy.<outcome>`;
// - Spark operations: `unity.completed` / `unity.failed` by `op`; builds: `build.completed`
//   (succeeded), `build.failed`, `build.timeout`;
// - most-changed files: the paths of Spark's script events and the `added`/`modified`/`removed`
//   files of pushed commits;
// Ties are ordered by code point (collate "C"), the same on every database.
// - active sessions: Spark sessions of the project with at least one event in the period.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { daysOfWindow, type DigestFacts, type DigestWindow } from '../../contracts/digests';
import type { DigestPeriod, OutgoingDeliveryStatus } from '../../contracts/enums';
import { rowsOf, type Db } from '../client';
import { digestDeliveries, digestDeliveryAttempts, digests, outgoingWebhooks, projects, type NewDigest, type NewOutgoingWebhook } from '../schema';

const rows = async <T extends Record<string, unknown>>(db: Db, query: SQL) => rowsOf<T>(await db.execute(query));
/** Lists in a digest are capped: the top of each is what a reader wants. */
export const DIGEST_TOP = 10;

export async function digestFacts(db: Db, projectId: string, w: Pick<DigestWindow, 'start' | 'until'>): Promise<DigestFacts> {
  const inWindow = sql`project_id = ${projectId}
    and occurred_at >= (${w.start}::date)::timestamp at time zone 'UTC' and occurred_at < (${w.until}::date)::timestamp at time zone 'UTC'`;
  const arr = (e: SQL) => sql`case when jsonb_typeof(${e}) = 'array' then ${e} else '[]'::jsonb end`;
  const commits = sql`
    with pushes as (select id as event_id, occurred_at, payload from spark_events where ${inWindow} and type in ('github.push', 'gitlab.push')),
    each as (
      select p.occurred_at, c.ord, p.event_id, c.value as commit from pushes p, jsonb_array_elements(${arr(sql`p.payload->'commits'`)}) with ordinality c(value, ord)
    ),
    commits as (
      select distinct on (coalesce(commit->>'id', event_id::text || ':' || ord)) occurred_at, commit
      from each order by coalesce(commit->>'id', event_id::text || ':' || ord), occurred_at
    )`;

  const [events] = await rows<{ n: number }>(db, sql`select count(*)::int as n from spark_events where ${inWindow}`);
  const perDay = await rows<{ day: string; commits: number }>(db, sql`${commits}
    select ((occurred_at at time zone 'UTC')::date)::text as day, count(*)::int as commits from commits group by 1`);
  const contributors = await rows<{ name: string; commits: number }>(db, sql`${commits}
    select * from (
      select coalesce(nullif(commit->'author'->>'name', ''), nullif(commit->'author'->>'username', ''), nullif(commit->'author'->>'email', ''), 'unknown') as name,
        count(*)::int as commits
      from commits group by 1
    ) x order by commits desc, name collate "C" limit ${DIGEST_TOP}`);
  const [prs] = await rows<{ opened: number; merged: number }>(db, sql`
    select count(*) filter (where type in ('github.pull_request.opened', 'gitlab.merge_request.opened'))::int as opened,
      count(*) filter (where (type = 'github.pull_request.closed' and payload->>'merged' = 'true') or type = 'gitlab.merge_request.merged')::int as merged
    from spark_events where ${inWindow}
      and type in ('github.pull_request.opened', 'gitlab.merge_request.opened', 'github.pull_request.closed', 'gitlab.merge_request.merged')`);
  const ci = await rows<{ conclusion: string; runs: number }>(db, sql`
    select * from (select coalesce(payload->>'conclusion', 'unknown') as conclusion, count(*)::int as runs
    from spark_events where ${inWindow} and type = 'ci.run.completed' group by 1) x order by runs desc, conclusion collate "C"`);
  const deploys = await rows<{ outcome: string; deploys: number }>(db, sql`
    select * from (select substr(type, length('deploy.') + 1) as outcome, count(*)::int as deploys
    from spark_events where ${inWindow} and type like 'deploy.%' group by 1) x order by deploys desc, outcome collate "C"`);
  const ops = await rows<{ op: string; total: number; failed: number }>(db, sql`
    select * from (select coalesce(payload->>'op', 'unknown') as op, count(*)::int as total, count(*) filter (where type = 'unity.failed')::int as failed
    from spark_events where ${inWindow} and type in ('unity.completed', 'unity.failed') group by 1) x order by total desc, op collate "C"`);
  const builds = await rows<{ status: string; builds: number }>(db, sql`
    select * from (select case type when 'build.completed' then 'succeeded' when 'build.failed' then 'failed' else 'timeout' end as status, count(*)::int as builds
    from spark_events where ${inWindow} and type in ('build.completed', 'build.failed', 'build.timeout') group by 1) x order by builds desc, status collate "C"`);
  const files = await rows<{ path: string; changes: number }>(db, sql`${commits},
    paths as (
      select payload->>'path' as path from spark_events
      where ${inWindow} and type in ('unity.script_generated', 'unity.patch_applied', 'unity.script_deleted') and payload->>'path' is not null
      union all
      select f.value #>> '{}' from commits, lateral (
        select value from jsonb_array_elements(${arr(sql`commit->'added'`)})
        union all select value from jsonb_array_elements(${arr(sql`commit->'modified'`)})
        union all select value from jsonb_array_elements(${arr(sql`commit->'removed'`)})
      ) f where jsonb_typeof(f.value) = 'string'
    )
    select path, count(*)::int as changes from paths group by path order by changes desc, path collate "C" limit ${DIGEST_TOP}`);
  const sessions = await rows<{ id: string; name: string | null; events: number }>(db, sql`
    select e.session_id as id, s.name, count(*)::int as events
    from spark_events e join sessions s on s.project_id = e.project_id and s.id::text = e.session_id
    where e.project_id = ${projectId}
      and e.occurred_at >= (${w.start}::date)::timestamp at time zone 'UTC' and e.occurred_at < (${w.until}::date)::timestamp at time zone 'UTC'
    group by e.session_id, s.name order by events desc, e.session_id collate "C"`);

  const byDay = new Map(perDay.map((r) => [r.day, r.commits]));
  const sum = <T>(list: T[], f: (x: T) => number) => list.reduce((n, x) => n + f(x), 0);
  return {
    events: events?.n ?? 0,
    commits: { total: sum(perDay, (r) => r.commits), per_day: daysOfWindow(w).map((day) => ({ day, commits: byDay.get(day) ?? 0 })) },
    contributors,
    pull_requests: { opened: prs?.opened ?? 0, merged: prs?.merged ?? 0 },
    ci_runs: { total: sum(ci, (r) => r.runs), by_conclusion: ci },
    deploys: { total: sum(deploys, (r) => r.deploys), by_outcome: deploys },
    spark_operations: { total: sum(ops, (r) => r.total), failed: sum(ops, (r) => r.failed), by_type: ops },
    builds: { total: sum(builds, (r) => r.builds), by_status: builds },
    most_changed_files: files,
    active_sessions: { total: sessions.length, sessions: sessions.slice(0, DIGEST_TOP) },
  };
}

/** Projects with at least one event in the window: the cron makes digests for those only. */
export async function projectsActiveIn(db: Db, w: Pick<DigestWindow, 'start' | 'until'>): Promise<{ id: string; name: string }[]> {
  return rows<{ id: string; name: string }>(db, sql`
    select p.id, p.name from projects p where exists (
      select 1 from spark_events e where e.project_id = p.id
        and e.occurred_at >= (${w.start}::date)::timestamp at time zone 'UTC' and e.occurred_at < (${w.until}::date)::timestamp at time zone 'UTC')
    order by p.id`);
}

export async function projectName(db: Db, projectId: string): Promise<string | null> {
  const r = await db.select({ name: projects.name }).from(projects).where(eq(projects.id, projectId)).limit(1);
  return r[0]?.name ?? null;
}

export async function findDigestByPeriod(db: Db, projectId: string, period: DigestPeriod, start: string) {
  const r = await db
    .select()
    .from(digests)
    .where(and(eq(digests.projectId, projectId), eq(digests.period, period), eq(digests.periodStart, start)))
    .limit(1);
  return r[0] ?? null;
}

/**
 * Stores a digest, one per project, period and start: `replace` (a request) writes the new facts
 * over an existing one; otherwise (the cron) an existing one is kept. Returns the row, and whether
 * it was new.
 */
export async function saveDigest(db: Db, row: NewDigest, replace: boolean) {
  const insert = db.insert(digests).values(row);
  const written = replace
    ? await insert
        .onConflictDoUpdate({
          target: [digests.projectId, digests.period, digests.periodStart],
          set: { facts: row.facts, highlights: row.highlights, markdown: row.markdown, periodEnd: row.periodEnd, trigger: row.trigger, updatedAt: sql`now()` },
        })
        .returning({ id: digests.id, created: sql<boolean>`(xmax = 0)` })
    : await insert.onConflictDoNothing().returning({ id: digests.id, created: sql<boolean>`(xmax = 0)` });
  if (written[0]) return { digest: (await findDigest(db, row.projectId, written[0].id))!, created: written[0].created };
  return { digest: (await findDigestByPeriod(db, row.projectId, row.period, row.periodStart))!, created: false };
}

export async function findDigest(db: Db, projectId: string, id: string) {
  const r = await db.select().from(digests).where(and(eq(digests.projectId, projectId), eq(digests.id, id))).limit(1);
  return r[0] ?? null;
}

export async function listDigests(db: Db, projectId: string, limit = 100) {
  return db.select().from(digests).where(eq(digests.projectId, projectId)).orderBy(desc(digests.periodStart), asc(digests.period)).limit(limit);
}

// ── outgoing webhooks ──────────────────────────────────────────────────────────────────────────
export async function insertOutgoingWebhook(db: Db, row: NewOutgoingWebhook & { id: string }) {
  return (await db.insert(outgoingWebhooks).values(row).returning())[0]!;
}

export async function listOutgoingWebhooks(db: Db, projectId: string) {
  return db.select().from(outgoingWebhooks).where(eq(outgoingWebhooks.projectId, projectId)).orderBy(asc(outgoingWebhooks.createdAt));
}

export async function deleteOutgoingWebhook(db: Db, projectId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(outgoingWebhooks)
    .where(and(eq(outgoingWebhooks.projectId, projectId), eq(outgoingWebhooks.id, id)))
    .returning({ id: outgoingWebhooks.id });
  return r.length > 0;
}

/** A delivery of the digest to each of the project's receivers; none twice. */
export async function queueDigestDeliveries(db: Db, projectId: string, digestId: string): Promise<number> {
  const r = await rows<{ id: string }>(db, sql`
    insert into digest_deliveries (digest_id, webhook_id, project_id)
    select ${digestId}, w.id, w.project_id from outgoing_webhooks w where w.project_id = ${projectId}
    on conflict (digest_id, webhook_id) do nothing returning id`);
  return r.length;
}

export interface DueDelivery {
  id: string;
  digestId: string;
  projectId: string;
  webhookId: string;
  url: string;
  secretSealed: string;
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries (optionally of one digest): their next attempt moves `leaseS`
 * ahead, so a second sender running at the same time skips them; the attempt's outcome sets it again.
 */
export async function claimDueDeliveries(db: Db, now: Date, leaseS: number, limit: number, digestId?: string): Promise<DueDelivery[]> {
  return rows<DueDelivery & Record<string, unknown>>(db, sql`
    with due as (
      select id from digest_deliveries
      where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz ${digestId ? sql`and digest_id = ${digestId}` : sql``}
      order by next_attempt_at limit ${limit} for update skip locked
    )
    update digest_deliveries d set next_attempt_at = ${now.toISOString()}::timestamptz + make_interval(secs => ${leaseS})
    from due, outgoing_webhooks w where d.id = due.id and w.id = d.webhook_id
    returning d.id, d.digest_id as "digestId", d.project_id as "projectId", d.webhook_id as "webhookId", w.url, w.secret_sealed as "secretSealed", d.attempts`);
}

/** Records one attempt and where the delivery stands after it. */
export async function recordAttempt(
  db: Db,
  deliveryId: string,
  attempt: { attempt: number; at: Date; statusCode: number | null; error: string | null; durationMs: number },
  next: { status: OutgoingDeliveryStatus; nextAttemptAt: Date | null },
) {
  await db.insert(digestDeliveryAttempts).values({ deliveryId, ...attempt }).onConflictDoNothing();
  await db
    .update(digestDeliveries)
    .set({ attempts: attempt.attempt, status: next.status, nextAttemptAt: next.nextAttemptAt, ...(next.status === 'delivered' ? { deliveredAt: attempt.at } : {}) })
    .where(eq(digestDeliveries.id, deliveryId));
}

/** A digest's deliveries with their receiver's URL and every attempt, oldest first. */
export async function listDigestDeliveries(db: Db, projectId: string, digestId: string) {
  const deliveries = await db
    .select({ delivery: digestDeliveries, url: outgoingWebhooks.url })
    .from(digestDeliveries)
    .innerJoin(outgoingWebhooks, eq(outgoingWebhooks.id, digestDeliveries.webhookId))
    .where(and(eq(digestDeliveries.projectId, projectId), eq(digestDeliveries.digestId, digestId)))
    .orderBy(asc(digestDeliveries.createdAt));
  const ids = deliveries.map((d) => d.delivery.id);
  const attempts = ids.length
    ? await db.select().from(digestDeliveryAttempts).where(inArray(digestDeliveryAttempts.deliveryId, ids)).orderBy(asc(digestDeliveryAttempts.attempt))
    : [];
  return deliveries.map((d) => ({ ...d, attempts: attempts.filter((a) => a.deliveryId === d.delivery.id) }));
}
