/** A tool's input without the session it runs in: what is left are the operation's own fields. */
export function withoutSession<T extends { session_id: string }>(input: T): Omit<T, 'session_id'> {
  const { session_id: _session, ...rest } = input;
  return rest;
}
