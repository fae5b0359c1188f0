// Deterministic event ids (UUID version 5, RFC 9562 §5.5): the same name always gives the same id,
// so a redelivered webhook (or a resent public-format event) can never make a second event.
const encoder = new TextEncoder();

/** Spark's namespace for name-based event ids (a fixed random UUID). */
export const SPARK_EVENT_NAMESPACE = '2f6a1c5e-8d3b-4f0a-9c7e-5b1d2e3f4a60';

export async function nameBasedUuid(name: string, namespace = SPARK_EVENT_NAMESPACE): Promise<string> {
  const ns = Uint8Array.from(namespace.replace(/-/g, '').match(/../g)!, (h) => parseInt(h, 16));
  const text = encoder.encode(name);
  const input = new Uint8Array(ns.length + text.length);
  input.set(ns);
  input.set(text, ns.length);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of the `index`-th event made from one verified delivery of one webhook source. */
export const deliveryEventId = (sourceId: string, deliveryKey: string, index: number) => nameBasedUuid(`webhook\n${sourceId}\n${deliveryKey}\n${index}`);
