// patches (the change history Undo writes back): the agent's verified reports of file changes.
import { sql } from 'drizzle-orm';
import { HISTORY_EVENT_TYPES } from '../../contracts/event';
import { defineStatementProjection, keyOf, recordset, sameEvent, type EventKey } from './projection';

export type ChangeRow = EventKey & {
  call_id: string;
  path: string;
  before: string | null;
  after: string | null;
  before_sha256: string | null;
  after_sha256: string | null;
  op: 'create' | 'modify' | 'delete';
};

export const changes = defineStatementProjection({
  name: 'changes',
  reads: HISTORY_EVENT_TYPES,
  rows: (events) =>
    events
      .filter((e) => e.verifiedOp)
      .map((e): ChangeRow => {
        const p = e.payload;
        const base = { ...keyOf(e), call_id: p.call_id, path: p.path, before: p.before ?? null, before_sha256: p.before_sha256 ?? null };
        switch (e.type) {
          case 'unity.script_generated':
            // A write over no earlier file (neither its text nor its sha known) created it.
            return { ...base, after: e.payload.after ?? null, after_sha256: e.payload.sha256, op: base.before === null && base.before_sha256 === null ? 'create' : 'modify' };
          case 'unity.patch_applied':
            return { ...base, after: e.payload.after ?? null, after_sha256: e.payload.after_sha256, op: 'modify' };
          case 'unity.script_deleted':
            return { ...base, after: null, after_sha256: null, op: 'delete' };
        }
      }),
  write: (rows) => sql`
    insert into patches (project_id, session_id, call_id, path, before_content, after_content, before_sha256, after_sha256, op, created_at)
    select s.project_id, s.sid, p.call_id, p.path, p.before, p.after, p.before_sha256, p.after_sha256, p.op, s.occurred_at
    from ${recordset(rows, 'call_id text, path text, before text, after text, before_sha256 text, after_sha256 text, op text')} join s on ${sameEvent('s')}`,
});
