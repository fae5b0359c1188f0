// What every projection is: the catalog types it reads, and a pure function from those events
// to its rows. Projections that write inside the events' insert statement (so they see only the
// events that statement inserted, once, atomically) also give the CTE that writes their rows.
import { sql, type SQL } from 'drizzle-orm';
import { parseCatalogEvent, type CatalogPayload, type CatalogType } from '../../contracts/event-catalog';
import type { IssueSummary } from '../../contracts/errors';
import type { EventProducer, EventQueueMessage } from '../../contracts/event';
import type { StatementWrite } from '../../db/queries/events';

/** A new event of a catalog type, its payload parsed by the catalog; (projectId, id, ts) is its key. */
export type ProjectedEvent<T extends CatalogType = CatalogType> = {
  [K in T]: {
    projectId: string;
    id: string;
    ts: number;
    sessionId: string;
    /** Who put it on the queue (taken from the caller at ingest, never from the body); absent on messages older than that record. */
    producedBy: EventProducer['kind'] | undefined;
    verifiedOp: boolean;
    type: K;
    payload: CatalogPayload<K>;
  };
}[T];

export interface Projection<T extends CatalogType, R> {
  name: string;
  reads: readonly T[];
  rows(events: readonly ProjectedEvent<T>[]): R[];
}

/**
 * Writes rows inside the insert statement. The CTE may join `s` (the events the statement
 * inserted that belong to a Spark session of their project; `s.sid` is the session's uuid) or
 * `ins` (every event it inserted); rows arrive as `p` from `recordset`.
 */
export interface StatementProjection<T extends CatalogType, R> extends Projection<T, R> {
  write(rows: R[]): SQL;
}

export function defineProjection<const T extends CatalogType, R>(p: Projection<T, R>): Projection<T, R> {
  return p;
}

/** A statement projection, plus `project`: its CTE for a batch's events, or null when it has no rows. */
export function defineStatementProjection<const T extends CatalogType, R>(p: StatementProjection<T, R>) {
  return {
    ...p,
    project(events: readonly ProjectedEvent[]): StatementWrite | null {
      const rows = p.rows(eventsFor(p, events));
      return rows.length > 0 ? { name: p.name, sql: p.write(rows) } : null;
    },
  };
}

/**
 * Whether Spark itself (the room, the agent, a signed-in person) produced the event, rather than a
 * token any outside tool may hold (ingest) or a third party's webhook: only those may set the state
 * Spark shows as its own (build jobs, previews).
 */
export const producedBySpark = (e: ProjectedEvent): boolean => e.producedBy !== 'ingest' && e.producedBy !== 'webhook';

/** The events of the types a projection reads; nothing else reaches its rows(). */
export function eventsFor<T extends CatalogType>(p: { reads: readonly T[] }, events: readonly ProjectedEvent[]): ProjectedEvent<T>[] {
  const reads: readonly CatalogType[] = p.reads;
  return events.filter((e) => reads.includes(e.type)) as ProjectedEvent<T>[];
}

export interface CatalogReading {
  events: ProjectedEvent[];
  /** The messages `events` were read from (the same objects), to tell them apart without building keys. */
  projected: Set<EventQueueMessage>;
  /** Events of catalog types whose payload breaks the schema: stored, never projected. */
  invalid: { type: string; id: string; error: IssueSummary }[];
}

/** Parses each message's event with the catalog once; types outside the catalog are left out. */
export function readCatalog(messages: readonly EventQueueMessage[]): CatalogReading {
  const out: CatalogReading = { events: [], projected: new Set(), invalid: [] };
  for (const message of messages) {
    const { projectId, event, producer } = message;
    const parsed = parseCatalogEvent(event);
    if (parsed === null) continue;
    if (!parsed.ok) {
      out.invalid.push({ type: event.type, id: event.id, error: parsed.error });
      continue;
    }
    out.events.push({ projectId, id: event.id, ts: event.ts, sessionId: event.session_id, producedBy: producer?.kind, verifiedOp: producer?.verifiedOp === true, ...parsed.event });
    out.projected.add(message);
  }
  return out;
}

/** The key every statement projection's rows carry, to find their event among the inserted ones. */
export type EventKey = { project_id: string; id: string; ts: number };
export const keyOf = (e: ProjectedEvent): EventKey => ({ project_id: e.projectId, id: e.id, ts: e.ts });

/** Rows as one JSON parameter, expanded to `p(project_id, id, ts, <columns>)`. */
export function recordset(rows: readonly EventKey[], columns: string): SQL {
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(project_id uuid, id uuid, ts float8, ${sql.raw(columns)})`;
}
/** Joins `p` to its event among those the statement inserted (`ins`, or `s` for Spark sessions). */
export const sameEvent = (alias: 'ins' | 's') =>
  sql.raw(`${alias}.project_id = p.project_id and ${alias}.id = p.id and ${alias}.occurred_at = to_timestamp(p.ts)`);
