import type { EventQueueBody } from '../contracts/event';

// The Worker's bindings come from `wrangler types` (edge/worker-configuration.d.ts, generated from
// wrangler.toml and .dev.vars.example by `npm run types`; `npm run typecheck` fails when it is
// stale). Written here only what wrangler cannot know.

/** Optional knobs, unset in wrangler.toml so the code's defaults apply; `npm start` and tests set them. */
type OptionalVars = 'DATABASE_URL' | 'DATABASE_REPLICA_URL' | 'DB_DRIVER' | 'DB_DIRECT' | 'EVENTS_INSERT_MODE' | 'INGEST_LOG' | 'INGEST_LOG_RESEND_SECONDS' | 'INGEST_LOG_MAX_PENDING' | 'OP_TTL_SECONDS' | 'MCP_TOOL_BUDGET_SECONDS' | 'QUEUE_MAX_RETRIES' | 'EVENTS_PER_MESSAGE' | 'EVENTS_LOG_BATCHES' | 'WEBHOOK_SECRETS_KEY' | 'EVENT_RETENTION_MONTHS' | 'LLM_BASE_URL' | 'LLM_MODEL' | 'LLM_API_KEY' | 'LLM_PRICES' | 'DIGEST_LLM_URL' | 'DIGEST_LLM_MODEL' | 'DIGEST_LLM_TIMEOUT_SECONDS' | 'OUTGOING_WEBHOOKS_ALLOW_LOOPBACK' | 'OUTGOING_WEBHOOK_RETRY_BASE_SECONDS';
/** Declared in wrangler.toml, but a local harness may run without them (DATABASE_URL instead of Hyperdrive, no assets, no rate limits). */
type MaybeUnbound = 'HYPERDRIVE' | 'API_RATE_LIMIT' | 'AUTH_RATE_LIMIT' | 'ASSETS';

export interface Env extends Omit<Cloudflare.Env, MaybeUnbound | 'EVENTS'>, Partial<Pick<Cloudflare.Env, MaybeUnbound>>, Partial<Record<OptionalVars, string>> {
  /** The queue's message type (wrangler types says only `Queue`): a pack of events, or one (v1, in flight during a deploy). */
  EVENTS: Queue<EventQueueBody>;
  /** A read replica through a second Hyperdrive configuration: not in wrangler.toml (a deployment adds it; see README "Read replica"). */
  HYPERDRIVE_REPLICA?: Hyperdrive;
}
