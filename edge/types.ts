import type { Db } from '../db/client';
import type { Env } from './env';
import type { Caller } from './services/caller';

/** Hono's environment for every route: bindings, a per-request database, the resolved caller. */
export type AppEnv = {
  Bindings: Env;
  Variables: { db: Db; caller: Caller };
};
