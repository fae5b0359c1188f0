import type { apiTokens, sessions } from '../db/schema';

// Rows → API shapes (snake_case, ISO dates). The row types come from the Drizzle schema.
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function tokenView(t: typeof apiTokens.$inferSelect) {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    prefix: t.tokenPrefix,
    created_at: t.createdAt.toISOString(),
    last_used_at: iso(t.lastUsedAt),
    revoked_at: iso(t.revokedAt),
  };
}

export function sessionView(s: typeof sessions.$inferSelect) {
  return {
    id: s.id,
    project_id: s.projectId,
    name: s.name,
    state: s.state,
    created_at: s.createdAt.toISOString(),
    last_active_at: iso(s.lastActiveAt),
    expires_at: iso(s.expiresAt),
  };
}
