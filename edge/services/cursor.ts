import type { EventCursor } from '../../db/queries/events';
import { HttpError } from '../http/errors';

// Opaque page cursors: base64url of "<timestamp>|<uuid>".
export function encodeCursor(c: EventCursor): string {
  return btoa(`${c.at}|${c.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(s: string): EventCursor {
  try {
    const [at, id] = atob(s.replace(/-/g, '+').replace(/_/g, '/')).split('|');
    if (at && id && !Number.isNaN(Date.parse(at)) && /^[0-9a-f-]{36}$/i.test(id)) return { at, id };
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid_query', 'cursor is not one this API returned', 'cursor');
}
