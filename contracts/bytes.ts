// UTF-8 byte counting, shared by every byte limit. TextEncoder exists in Workers, browsers and
// Node, so contracts stay runtime-neutral.

const encoder = new TextEncoder();

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes, like TextEncoder). */
export function utf8ByteLength(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Whether `s` fits in `maxBytes` of UTF-8. Every UTF-16 code unit costs at least one byte, so a
 * string longer than the limit in code units is rejected without encoding it (cheap on huge input).
 */
export function fitsUtf8Bytes(s: string, maxBytes: number): boolean {
  if (s.length > maxBytes) return false;
  // At most 3 bytes per code unit: short enough strings cannot exceed the limit.
  if (s.length * 3 <= maxBytes) return true;
  return utf8ByteLength(s) <= maxBytes;
}

/** SHA-256 of bytes, or of a text's UTF-8, as 64 lowercase hex digits (Web Crypto: Workers, browsers, Node ≥ 19). */
export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', typeof data === 'string' ? encoder.encode(data) : data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
