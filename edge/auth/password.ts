// Password hashing with PBKDF2-SHA256 from WebCrypto (available in workerd and Node).
// workerd caps PBKDF2 at 100,000 iterations, so that is the cost we use.
import { base64Decode, base64Encode } from '../../contracts/bytes';

const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const KEY_BITS = 256;
const SCHEME = 'pbkdf2-sha256';

export const MIN_PASSWORD_LENGTH = 8;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await derive(password, salt, ITERATIONS);
  return [SCHEME, ITERATIONS, base64Encode(salt), base64Encode(key)].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, saltB64, keyB64] = stored.split('$');
  if (scheme !== SCHEME || !iter || !saltB64 || !keyB64) return false;
  const expected = base64Decode(keyB64);
  const actual = await derive(password, base64Decode(saltB64), Number(iter));
  return timingSafeEqual(actual, expected);
}

/** Runs PBKDF2 anyway when a user is unknown, so login timing does not reveal which emails exist. */
export async function burnPasswordCheck(password: string): Promise<false> {
  await derive(password, new Uint8Array(SALT_BYTES), ITERATIONS);
  return false;
}

async function derive(password: string, salt: BufferSource, iterations: number): Promise<Uint8Array> {
  // NFC: "é" typed as one code point or as e + accent is the same password.
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, KEY_BITS);
  return new Uint8Array(bits);
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

