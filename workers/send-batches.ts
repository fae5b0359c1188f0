// Cloudflare Queues: sendBatch takes at most 100 messages and 256 KB.
const MAX_MESSAGES = 100;
const MAX_BYTES = 250_000;

/** A send that failed part-way: the first `sent` bodies are on the queue, the rest are not. */
export class PartialSendError extends Error {
  constructor(
    readonly sent: number,
    override readonly cause: unknown,
  ) {
    super(`queue send failed after ${sent} messages: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Sends messages in as few sendBatch calls as the limits allow, in order; a failure says how many
 * went. `sizeOf` gives a body's serialized bytes when the caller knows them (packs do), sparing a
 * second JSON.stringify of every body.
 */
export async function sendInBatches<T>(queue: Queue<T>, bodies: readonly T[], sizeOf: (body: T, index: number) => number = jsonBytes): Promise<void> {
  let chunk: MessageSendRequest<T>[] = [];
  let bytes = 0;
  let sent = 0;
  const flush = async () => {
    try {
      await queue.sendBatch(chunk);
    } catch (err) {
      throw new PartialSendError(sent, err);
    }
    sent += chunk.length;
    chunk = [];
    bytes = 0;
  };
  for (const [index, body] of bodies.entries()) {
    const size = sizeOf(body, index) + 100;
    if (chunk.length > 0 && (chunk.length >= MAX_MESSAGES || bytes + size > MAX_BYTES)) await flush();
    chunk.push({ body, contentType: 'json' });
    bytes += size;
  }
  if (chunk.length > 0) await flush();
}

const jsonBytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;
