// The audit log as owners read it: who did what to which thing, when, from where.
import { z } from 'zod';

/** Actions written to audit_log (dotted: `<thing>.<verb>`). */
export const AUDIT_ACTIONS = ['webhook.created', 'webhook.rotated', 'webhook.deleted', 'events.exported', 'events.imported', 'project.backup_exported', 'token.created', 'token.revoked', 'outgoing_webhook.created', 'outgoing_webhook.deleted'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1, 'limit must be at least 1').max(500, 'limit must be at most 500').default(100),
  before: z.coerce.number().int().positive('before must be an entry id').optional(),
});

export const auditEntryView = z.object({
  id: z.int(),
  action: z.string(),
  target: z.string().nullable(),
  actor: z.object({ user_id: z.string().nullable(), token_id: z.string().nullable() }),
  /** Client address and user agent as the edge saw them, and what the action touched. */
  meta: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export type AuditEntryView = z.infer<typeof auditEntryView>;
