// How the Worker reaches the ingest log (edge/ingest-log.ts), without importing the Durable Object itself.
import type { EventQueueMessage } from '../contracts/event';
import type { Env } from './env';
import type { IngestLog } from './ingest-log';

export const INGEST_LOG_NAME = 'ingest-log';

/** An event's key in the log: the consumer acks by it. */
export interface LoggedEventKey {
  projectId: string;
  id: string;
}

export type AppendResult = { ok: true } | { ok: false; reason: 'full'; pending: number };

export interface IngestLogStats {
  pending: number;
  inFlight: number;
}

/** The log's RPC surface as the Worker sees it (workerd's generated stub types are too loose for `unknown`). */
export interface IngestLogApi {
  append(messages: EventQueueMessage[]): Promise<AppendResult>;
  ack(keys: LoggedEventKey[]): Promise<number>;
  sendLater(keys: LoggedEventKey[]): Promise<void>;
  stats(): Promise<IngestLogStats>;
}

export function ingestLogStub(ns: DurableObjectNamespace<IngestLog>): IngestLogApi {
  return ns.get(ns.idFromName(INGEST_LOG_NAME)) as unknown as IngestLogApi;
}

export function ingestLogEnabled(env: Pick<Env, 'INGEST_LOG'>): boolean {
  return env.INGEST_LOG === 'on';
}

