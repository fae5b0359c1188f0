import type * as api from '../contracts/api';
import type { ScriptContent, ScriptListItem } from '../contracts/scripts-api';
import { utf8ByteLength } from '../contracts/bytes';
import type { listAgents } from '../db/queries/agents';
import type { listDeadLetters } from '../db/queries/dead-letters';
import type { listEvents } from '../db/queries/events';
import type { exportChanges, getChange, listChanges } from '../db/queries/history';
import type { listSessionScripts, readSessionScript } from '../db/queries/scripts';
import type { listBuildJobs } from '../db/queries/sessions';
import type { apiTokens, projects, sessions, users } from '../db/schema';

// Rows → API shapes (snake_case, ISO dates). The row types come from the Drizzle schema and the
// queries, the answer types from the contracts (contracts/api.ts): a field added on one side and
// not the other is a compile error here.
const iso = (d: Date | null) => (d ? d.toISOString() : null);
type RowOf<F extends (...args: never[]) => Promise<unknown>> = NonNullable<Awaited<ReturnType<F>>> extends (infer T)[] ? T : NonNullable<Awaited<ReturnType<F>>>;

export function userView(u: Pick<typeof users.$inferSelect, 'id' | 'email' | 'createdAt'>): api.UserView {
  return { id: u.id, email: u.email, created_at: u.createdAt.toISOString() };
}

export function signInView(r: { familyId: string; lastUsedAt: Date; expiresAt: Date }): api.SignInView {
  return { id: r.familyId, last_used_at: r.lastUsedAt.toISOString(), expires_at: r.expiresAt.toISOString() };
}

/** A project as `role` sees it (null: an API token, which has no membership). */
export function projectView(p: Pick<typeof projects.$inferSelect, 'id' | 'name' | 'createdAt'>, role: api.ProjectView['role']): api.ProjectView {
  return { id: p.id, name: p.name, role, created_at: p.createdAt.toISOString() };
}

export function tokenView(t: typeof apiTokens.$inferSelect): api.TokenView {
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

export function sessionView(s: typeof sessions.$inferSelect): api.SessionView {
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

export function storedEventView(e: RowOf<typeof listEvents>['items'][number]): api.StoredEvent {
  return {
    v: 1,
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

export function deadLetterView(d: RowOf<typeof listDeadLetters>): api.DeadLetterView {
  return {
    id: d.id,
    queue: d.queue,
    error: d.error,
    attempts: d.attempts,
    created_at: d.createdAt.toISOString(),
    replayed_at: iso(d.replayedAt),
    replay_count: d.replayCount,
  };
}

export function agentView(a: RowOf<typeof listAgents>): api.AgentView {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    last_seen_at: iso(a.lastSeenAt),
    unity_profile: a.unityProfile,
    created_at: a.createdAt.toISOString(),
  };
}

export function buildView(b: RowOf<typeof listBuildJobs>): api.BuildView {
  return {
    id: b.id,
    call_id: b.callId,
    target: b.target,
    status: b.status,
    progress: b.progress,
    artifact: b.artifactR2Key,
    artifact_bytes: b.artifactBytes,
    error: b.error,
    created_at: b.createdAt.toISOString(),
    started_at: iso(b.startedAt),
    completed_at: iso(b.completedAt),
  };
}

export function changeView(r: RowOf<typeof listChanges>): api.ChangeView {
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

/** One change in the portable export (contracts/api changeExport). */
export function changeExportEntry(r: RowOf<typeof exportChanges>): api.ChangeExportEntry {
  return {
    path: r.path,
    op: r.op,
    call_id: r.callId,
    before_content: r.beforeContent,
    after_content: r.afterContent,
    before_sha256: r.beforeSha256,
    after_sha256: r.afterSha256,
    created_at: r.createdAt.toISOString(),
    reverted_at: iso(r.revertedAt),
  };
}

export function changeDetail(r: RowOf<typeof getChange>): api.ChangeDetail {
  return { id: r.id, ...changeExportEntry(r) };
}

export function scriptListItem(r: RowOf<typeof listSessionScripts>): ScriptListItem {
  return { path: r.path, sha256: r.sha256, bytes: r.bytes, change_id: r.changeId, updated_at: r.updatedAt.toISOString() };
}

export function scriptContent(r: RowOf<typeof readSessionScript>): ScriptContent {
  return {
    path: r.path,
    sha256: r.sha256,
    bytes: utf8ByteLength(r.content),
    change_id: r.changeId,
    updated_at: r.updatedAt.toISOString(),
    content: r.content,
  };
}
