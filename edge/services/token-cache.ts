import type { TokenScope } from '../../contracts/api';
import { isDatabaseUnavailable } from '../../workers/db-errors';

// Verified API tokens, kept in the isolate for a short while so that ingest (the busiest route)
// authenticates without Postgres on every request, and keeps accepting events during a database
// outage. Only successful lookups are kept (a new token works at once). A revoked token is refused
// within TOKEN_CACHE_TTL_MS in every isolate, at once in the isolate that revoked it
// (forgetCachedToken). While Postgres is unreachable, a token verified within the last
// TOKEN_STALE_IF_UNAVAILABLE_MS keeps working (no one can revoke it then either; a revocation made
// in another isolate in the last TTL before the outage is seen once the database is back).

/** How long a verified token is trusted without asking Postgres again: revocation's worst-case delay. */
export const TOKEN_CACHE_TTL_MS = 30_000;
/** How long past its TTL an entry still serves when the lookup fails because the database is away. */
export const TOKEN_STALE_IF_UNAVAILABLE_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

export interface VerifiedToken {
  tokenId: string;
  projectId: string;
  scope: TokenScope;
}

const entries = new Map<string, { token: VerifiedToken; expiresAt: number }>();

/** The token for `hash` from the cache, or from `lookup` (then cached when found). `fresh` says which. */
export async function cachedApiToken(
  hash: string,
  lookup: () => Promise<VerifiedToken | null>,
  now = Date.now(),
): Promise<{ token: VerifiedToken; fresh: boolean } | null> {
  const hit = entries.get(hash);
  if (hit && hit.expiresAt > now) return { token: hit.token, fresh: false };
  let token: VerifiedToken | null;
  try {
    token = await lookup();
  } catch (err) {
    if (hit && hit.expiresAt + TOKEN_STALE_IF_UNAVAILABLE_MS > now && isDatabaseUnavailable(err)) return { token: hit.token, fresh: false };
    throw err;
  }
  entries.delete(hash);
  if (!token) return null;
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(hash, { token, expiresAt: now + TOKEN_CACHE_TTL_MS });
  return { token, fresh: true };
}

/** Drops a revoked token from this isolate's cache (other isolates drop it when its entry expires). */
export function forgetCachedToken(tokenId: string) {
  for (const [hash, entry] of entries) if (entry.token.tokenId === tokenId) entries.delete(hash);
}

/** Tests only: start from an empty cache. */
export function clearTokenCache() {
  entries.clear();
}
