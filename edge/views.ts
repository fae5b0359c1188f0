import type { apiTokens, sessions } from '../db/schema';
import type { listEvents } from '../db/queries/events';
import type { listChanges } from '../db/queries/history';

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

/** A change of the history as listed (no contents): the history route and the MCP tools. */
export function changeView(r: Awaited<ReturnType<typeof listChanges>>[number]) {
  return {
    id: r.id,
    call_id: r.callId,
    path: r.path,
    op: r.op,
    before_sha256: r.beforeSha256,
    after_sha256: r.afterSha256,
    has_before: r.hasBefore,
    has_after: r.hasAfter,
    created_at: r.createdAt.toISOString(),
    reverted_at: iso(r.revertedAt),
    is_revert: r.isRevert,
  };
}

/** A stored event as the events API returns it. */
export function storedEventView(e: Awaited<ReturnType<typeof listEvents>>['items'][number]) {
  return {
    v: 1 as const,
    id: e.id,
    type: e.type,
    source: e.source,
    kind: e.kind,
    ts: e.ts,
    session_id: e.sessionId,
    payload: e.payload as Record<string, unknown>,
    ...(e.traceId ? { trace_id: e.traceId } : {}),
    project_id: e.projectId,
    received_at: e.receivedAt.toISOString(),
  };
}
