// Writes who did what, when and from where to audit_log. Called after the action succeeded.
import type { Context } from 'hono';
import type { AuditAction, AuditEntryView } from '../../contracts/audit';
import { insertAuditEntry } from '../../db/queries/audit';
import type { AuditLogEntry } from '../../db/schema';
import type { AppEnv } from '../types';

export async function audit(c: Context<AppEnv>, projectId: string, action: AuditAction, target: string | null, meta: Record<string, unknown> = {}) {
  const caller = c.var.caller;
  await insertAuditEntry(c.var.db, {
    projectId,
    actorUserId: caller.kind === 'user' ? caller.userId : null,
    actorTokenId: caller.kind === 'token' ? caller.tokenId : null,
    action,
    target,
    meta: { ...meta, ip: clientAddress(c), user_agent: c.req.header('user-agent')?.slice(0, 256) ?? null },
  });
}

/** The client's address as Cloudflare (or a proxy in front of a Node host) reports it. */
const clientAddress = (c: Context<AppEnv>) => c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? null;

export function auditEntryView(row: AuditLogEntry): AuditEntryView {
  return {
    id: row.id,
    action: row.action,
    target: row.target,
    actor: { user_id: row.actorUserId, token_id: row.actorTokenId },
    meta: row.meta,
    at: row.createdAt.toISOString(),
  };
}
