import type { z } from 'zod';
import type { eventsPage, eventsQuery } from '../../contracts/api';
import type { Db } from '../../db/client';
import { listEvents } from '../../db/queries/events';
import { storedEventView } from '../views';
import { decodeCursor, encodeCursor } from './cursor';

/** One page of a project's events as the API answers it: the list route and MCP's query_events. */
export async function readEventsPage(db: Db, projectId: string, q: z.output<typeof eventsQuery>): Promise<z.output<typeof eventsPage>> {
  const page = await listEvents(db, {
    projectId,
    sessionId: q.session_id,
    type: q.type,
    since: q.since,
    until: q.until,
    limit: q.limit,
    cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
  });
  return { items: page.items.map(storedEventView), next_cursor: page.next ? encodeCursor(page.next) : null };
}
