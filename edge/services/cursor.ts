import type { EventCursor } from '../../db/queries/events';
import { HttpError } from '../http/errors';
import { base64urlDecode, base64urlEncode } from '../../contracts/bytes';
import { isUuid } from '../../contracts/uuid';

// Opaque page cursors: base64url of "<timestamp>|<uuid>", the timestamp exactly as
// listEvents writes it (UTC, microseconds). Anything else is refused before it reaches SQL.
const AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

export function encodeCursor(c: EventCursor): string {
  return base64urlEncode(`${c.at}|${c.id}`);
}

export function decodeCursor(s: string): EventCursor {
  const bytes = base64urlDecode(s);
  const text = bytes && new TextDecoder().decode(bytes);
  const parts = text?.split('|') ?? [];
  if (parts.length === 2 && isTimestamp(parts[0]!) && isUuid(parts[1]!)) return { at: parts[0]!, id: parts[1]! };
  throw new HttpError(400, 'invalid_query', 'cursor is not one this API returned', 'cursor');
}

/** A real calendar instant (no 2026-02-30, no hour 24) between 1970 and 9999. */
function isTimestamp(at: string): boolean {
  const m = AT.exec(at);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === se;
}
