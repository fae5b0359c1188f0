// Answers of the real edge's API, typed by its contracts, for the fake edges agent tests run
// against: a fake that answers a shape the edge never sends would prove nothing.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { pairResponse, sessionView } from '../../contracts/api';

export function sessionViewOf(s: { id: string; projectId: string; name: string; state?: z.infer<typeof sessionView>['state'] }): z.infer<typeof sessionView> {
  const now = new Date().toISOString();
  return { id: s.id, project_id: s.projectId, name: s.name, state: s.state ?? 'active', created_at: now, last_active_at: now, expires_at: null };
}

export function pairResponseOf(token: string, projectId: string): z.infer<typeof pairResponse> {
  return { token, project_id: projectId, agent_id: randomUUID() };
}
