// Making, sealing and opening a source's secrets, and which of them verify right now.
import type { WebhookProvider } from '../../contracts/enums';
import type { WebhookSource } from '../../db/schema';
import { openSecret, sealSecret, toBase64 } from './secret-box';

/**
 * A fresh secret: for `standard`, `whsec_` + base64 of 32 random bytes as Standard Webhooks
 * defines it; for GitHub and GitLab (which take any string), 64 hex digits.
 */
export function generateSecret(provider: WebhookProvider): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  if (provider === 'standard') return `whsec_${toBase64(bytes)}`;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export { sealSecret };

/** The secrets a delivery may be signed with now: the current one, then the one before a rotation for its 24 h. */
export async function activeSecrets(key: CryptoKey, source: WebhookSource, now: number): Promise<string[]> {
  const secrets = [await openSecret(key, source.secretSealed, source.id)];
  if (source.previousSecretSealed && source.previousSecretExpiresAt && source.previousSecretExpiresAt.getTime() > now) {
    secrets.push(await openSecret(key, source.previousSecretSealed, source.id));
  }
  return secrets;
}
