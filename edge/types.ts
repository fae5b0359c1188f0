import type { Db } from '../db/client';
import type { Env } from './env';
import type { Caller } from './services/caller';

/** Hono's environment for every route: bindings, a per-request database, the resolved caller. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** The primary: writes, auth and access checks, and every read that must see the caller's own writes. */
    db: Db;
    /**
     * Reads that may lag behind the primary, on a read replica when one is configured
     * (DATABASE_REPLICA_URL or HYPERDRIVE_REPLICA; otherwise the primary itself). Used only by the
     * event list, the dashboard and metrics, the event and history exports, the audit list and the
     * webhook delivery list; writes through it still go to the primary (drizzle withReplicas).
     */
    readDb: Db;
    caller: Caller;
  };
};
