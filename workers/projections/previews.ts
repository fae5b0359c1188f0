// previews: each frame the room stored (its preview.frame names the R2 key; the agent's own
// preview.frame, which only describes the frame, has none and makes no row, and a frame posted
// with a token, which could name any key, makes none either).
import { sql } from 'drizzle-orm';
import { defineStatementProjection, keyOf, recordset, sameEvent, type EventKey } from './projection';

export type PreviewRow = EventKey & { call_id: string; width: number; height: number; r2_key: string; content_type: string; bytes: number; sha256: string };

export const previews = defineStatementProjection({
  name: 'previews',
  reads: ['preview.frame'],
  rows: (events) =>
    events.flatMap((e): PreviewRow[] => {
      const p = e.payload;
      if (p.r2_key === undefined || e.producedBy !== 'edge') return [];
      return [{ ...keyOf(e), call_id: p.call_id, width: p.width, height: p.height, r2_key: p.r2_key, content_type: p.content_type, bytes: p.bytes, sha256: p.sha256 }];
    }),
  write: (rows) => sql`
    insert into previews (project_id, session_id, call_id, width, height, r2_key, content_type, bytes, sha256, status, created_at, completed_at)
    select s.project_id, s.sid, p.call_id, p.width, p.height, p.r2_key, p.content_type, p.bytes, p.sha256, 'completed', s.occurred_at, s.occurred_at
    from ${recordset(rows, 'call_id text, width int, height int, r2_key text, content_type text, bytes int, sha256 text')} join s on ${sameEvent('s')}`,
});
