// agents.status: the newest connected/disconnected event per agent token wins, as the room reported it.
import { sql } from 'drizzle-orm';
import { defineStatementProjection, keyOf, recordset, sameEvent, type EventKey } from './projection';

export type PresenceRow = EventKey & { token_id: string; status: 'online' | 'offline'; profile: string | null };

export const presence = defineStatementProjection({
  name: 'presence',
  reads: ['agent.connected', 'agent.disconnected'],
  // Only the session room says an agent connected: the same event from an ingest or agent token
  // (any well-formed body can claim it) is stored but moves no status.
  rows: (events) =>
    events.filter((e) => e.producedBy === 'edge').map((e): PresenceRow => ({
      ...keyOf(e),
      token_id: e.payload.token_id,
      status: e.type === 'agent.connected' ? 'online' : 'offline',
      profile: e.type === 'agent.connected' ? e.payload.profile : null,
    })),
  // Any session's events count (ins, not s): presence belongs to the token, not to one session.
  write: (rows) => sql`
    update agents a set status = n.status, last_seen_at = n.occurred_at, unity_profile = coalesce(n.profile, a.unity_profile)
    from (
      select distinct on (p.token_id) ins.project_id, ins.occurred_at, p.token_id, p.status, p.profile
      from ${recordset(rows, 'token_id uuid, status text, profile text')} join ins on ${sameEvent('ins')}
      order by p.token_id, ins.occurred_at desc
    ) n
    where a.token_id = n.token_id and a.project_id = n.project_id
      and (a.last_seen_at is null or a.last_seen_at <= n.occurred_at)`,
});
