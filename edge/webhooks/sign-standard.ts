// Signing an outgoing message the Standard Webhooks way, the mirror of verify/standard.ts:
// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the decoded bytes
// of the `whsec_` secret.
import { standardSecretKey } from '../../contracts/webhooks';
import { toBase64 } from './secret-box';

const encoder = new TextEncoder();

export async function standardWebhookHeaders(secret: string, id: string, timestampS: number, body: string): Promise<Record<string, string>> {
  const keyBytes = standardSecretKey(secret);
  if (!keyBytes) throw new Error('not a whsec_ secret');
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestampS}.${body}`));
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${toBase64(new Uint8Array(mac))}` };
}
