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
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  // Web Crypto takes views of an ArrayBuffer only; one over a SharedArrayBuffer is copied first.
  const bytes = typeof data === 'string' ? encoder.encode(data) : data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Standard base64 of bytes (padded). */
export function base64Encode(bytes: Uint8Array): string {
  // In chunks: spreading a large array into fromCharCode overflows the stack.
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Bytes of standard base64 (padding optional). Throws on characters outside the alphabet. */
export function base64Decode(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

/** Unpadded base64url (RFC 4648 §5) of bytes, or of a text's UTF-8: safe in URLs, headers and file names. */
export function base64urlEncode(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return base64Encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes of base64url (padding optional); undefined when `s` is not base64url. */
export function base64urlDecode(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return undefined;
  try {
    return base64Decode(s.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
}
