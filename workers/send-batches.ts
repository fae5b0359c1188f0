// Cloudflare Queues: sendBatch takes at most 100 messages and 256 KB.
const MAX_MESSAGES = 100;
const MAX_BYTES = 250_000;

/** Sends messages in as few sendBatch calls as the limits allow, in order. */
export async function sendInBatches<T>(queue: Queue<T>, bodies: readonly T[]): Promise<void> {
  let chunk: MessageSendRequest<T>[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = new TextEncoder().encode(JSON.stringify(body)).length + 100;
    if (chunk.length > 0 && (chunk.length >= MAX_MESSAGES || bytes + size > MAX_BYTES)) {
      await queue.sendBatch(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push({ body, contentType: 'json' });
    bytes += size;
  }
  if (chunk.length > 0) await queue.sendBatch(chunk);
}
