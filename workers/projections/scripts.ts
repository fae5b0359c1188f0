// generated_scripts: each script the agent wrote for an op Spark dispatched (verified by the edge).
import { sql } from 'drizzle-orm';
import { defineStatementProjection, keyOf, recordset, sameEvent, type EventKey } from './projection';

export type ScriptRow = EventKey & { call_id: string; path: string; sha256: string; bytes: number };

export const scripts = defineStatementProjection({
  name: 'scripts',
  reads: ['unity.script_generated'],
  rows: (events) =>
    events
      .filter((e) => e.verifiedOp)
      .map((e): ScriptRow => ({ ...keyOf(e), call_id: e.payload.call_id, path: e.payload.path, sha256: e.payload.sha256, bytes: e.payload.bytes })),
  write: (rows) => sql`
    insert into generated_scripts (project_id, session_id, call_id, path, sha256, bytes, created_at)
    select s.project_id, s.sid, p.call_id, p.path, p.sha256, p.bytes, s.occurred_at
    from ${recordset(rows, 'call_id text, path text, sha256 text, bytes int')} join s on ${sameEvent('s')}`,
});
