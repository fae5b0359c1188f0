// Durable Object storage helpers the room's stores share: keys numbered in order (so `list`
// returns them oldest first), and reads and writes of more keys than one call takes.

/** storage.get, put and delete take at most this many keys per call. */
const KEYS_PER_CALL = 128;

/** `prefix` + `n` zero-padded, so numbered keys sort as their numbers do. */
export const numberedKey = (prefix: string, n: number) => `${prefix}${String(n).padStart(12, '0')}`;

/** The values of `keys` that exist, however many keys. */
export async function getMany<T>(storage: DurableObjectStorage, keys: readonly string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
    for (const [key, value] of await storage.get<T>(keys.slice(i, i + KEYS_PER_CALL))) out.set(key, value);
  }
  return out;
}

/** Writes every entry and deletes `remove`, as one commit: the calls go out without an await between them. */
export async function writeAtOnce(storage: DurableObjectStorage, entries: readonly (readonly [string, unknown])[], remove: readonly string[] = []): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < entries.length; i += KEYS_PER_CALL) writes.push(storage.put(Object.fromEntries(entries.slice(i, i + KEYS_PER_CALL))));
  if (remove.length > 0) writes.push(storage.delete([...remove]));
  await Promise.all(writes);
}

/**
 * Forgets entry `n` of a numbered list (`orderPrefix`<n> → id) and the value it points at
 * (`valuePrefix`<id>): how a store keeps its last N entries with one delete per new entry.
 */
export async function forgetNumbered(storage: DurableObjectStorage, orderPrefix: string, n: number, valuePrefix: string): Promise<void> {
  const key = numberedKey(orderPrefix, n);
  const id = await storage.get<string>(key);
  await storage.delete(id === undefined ? [key] : [key, `${valuePrefix}${id}`]);
}
