import type { EventQueueBody } from '../contracts/event';
import type { IngestLog } from './ingest-log';
import type { SessionRoom } from './session-room';

/** The Worker's bindings, as declared in wrangler.toml. */
export interface Env {
  HYPERDRIVE?: Hyperdrive;
  DATABASE_URL?: string;
  DB_DRIVER?: string;
  DB_DIRECT?: string;
  JWT_SECRET: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  QUEUE_RETRY_BASE_SECONDS?: string;
  /** The events queue's max_retries, when wrangler.toml says other than 3. */
  QUEUE_MAX_RETRIES?: string;
  EVENTS_INSERT_MODE?: string;
  /** Events per queue message at most (1: one event per message, the bench's baseline); packs are bounded by bytes anyway. */
  EVENTS_PER_MESSAGE?: string;
  /** "on": log every consumer batch's report (the bench's per-stage timings). */
  EVENTS_LOG_BATCHES?: string;
  EVENTS: Queue<EventQueueBody>;
  EVENTS_DLQ: Queue<unknown>;
  SESSION_ROOM: DurableObjectNamespace<SessionRoom>;
  /** The ingest write-ahead log (edge/ingest-log.ts), used when INGEST_LOG is "on" (npm start). */
  INGEST_LOG_DO: DurableObjectNamespace<IngestLog>;
  INGEST_LOG?: string;
  INGEST_LOG_RESEND_SECONDS?: string;
  INGEST_LOG_MAX_PENDING?: string;
  OP_TTL_SECONDS?: string;
  ARTIFACTS: R2Bucket;
  API_RATE_LIMIT?: RateLimit;
  AUTH_RATE_LIMIT?: RateLimit;
  ASSETS?: Fetcher;
}
