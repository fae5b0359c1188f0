import type { EventQueueMessage } from '../contracts/event';
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
  EVENTS_INSERT_MODE?: string;
  EVENTS: Queue<EventQueueMessage>;
  EVENTS_DLQ: Queue<unknown>;
  SESSION_ROOM: DurableObjectNamespace<SessionRoom>;
  /** The ingest write-ahead log (edge/ingest-log.ts), used when INGEST_LOG is "on" (npm start). */
  INGEST_LOG_DO: DurableObjectNamespace<IngestLog>;
  INGEST_LOG?: string;
  INGEST_LOG_RESEND_SECONDS?: string;
  INGEST_LOG_MAX_PENDING?: string;
  OP_TTL_SECONDS?: string;
  /** Months of raw events kept (default 13); older months are dropped once rolled up. */
  EVENT_RETENTION_MONTHS?: string;
  ARTIFACTS: R2Bucket;
  API_RATE_LIMIT?: RateLimit;
  AUTH_RATE_LIMIT?: RateLimit;
  ASSETS?: Fetcher;
}
