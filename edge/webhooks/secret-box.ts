// Webhook secrets at rest. Verifying an HMAC needs the secret itself (a hash would not do), so it is
// sealed with AES-256-GCM under a key derived (HKDF-SHA-256) from WEBHOOK_SECRETS_KEY, a Worker
// secret, or from JWT_SECRET when that is not set. The row's id is the additional data: a sealed
// secret copied into another row does not open there. Format: `v1.<iv b64>.<ciphertext+tag b64>`.
import type { Env } from '../env';

const encoder = new TextEncoder();
const VERSION = 'v1';

export type SecretKeyEnv = Pick<Env, 'JWT_SECRET' | 'WEBHOOK_SECRETS_KEY'>;

/** The sealing key for this deployment. A dedicated key is preferred; see the header comment. */
export async function secretBoxKey(env: SecretKeyEnv): Promise<CryptoKey> {
  const dedicated = env.WEBHOOK_SECRETS_KEY;
  const material = dedicated && dedicated.length >= 32 ? dedicated : env.JWT_SECRET;
  if (!material || material.length < 16) throw new Error('WEBHOOK_SECRETS_KEY (≥ 32 characters) or JWT_SECRET must be set to keep webhook secrets');
  const base = await crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('spark/webhook-secrets'), info: encoder.encode(dedicated ? 'dedicated v1' : 'from-jwt-secret v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function sealSecret(key: CryptoKey, secret: string, rowId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(rowId) }, key, encoder.encode(secret));
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** The secret, or throws when the box was sealed under another key or for another row. */
export async function openSecret(key: CryptoKey, sealed: string, rowId: string): Promise<string> {
  const [version, iv, data] = sealed.split('.');
  if (version !== VERSION || !iv || !data) throw new Error('unknown sealed secret format');
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(rowId) }, key, fromBase64(data));
  return new TextDecoder().decode(plain);
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}
