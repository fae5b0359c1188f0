// The one UUID check outside zod (which has z.uuid()): path parameters, cursors, call ids from a
// socket, before any of them reaches SQL or the journal.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
