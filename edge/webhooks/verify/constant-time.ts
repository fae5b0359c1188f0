const encoder = new TextEncoder();

/**
 * Whether two texts are equal, in time that depends on neither: both are hashed first (equal
 * lengths, and no early exit on the first differing byte), then compared in full.
 */
export async function textsEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

const sha256 = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)));

/**
 * Whether `signature` is HMAC-SHA256(key, data). crypto.subtle.verify compares in constant time,
 * so the expected MAC is never compared byte by byte in script.
 */
export async function hmacSha256Matches(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (signature.length !== 32) return false;
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return crypto.subtle.verify('HMAC', k, signature, data);
}
