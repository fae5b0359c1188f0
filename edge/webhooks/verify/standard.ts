// Standard Webhooks (standardwebhooks.com), which Svix also speaks under `svix-*` header names:
// `webhook-signature` holds one or more space-separated `v1,<base64 HMAC-SHA256>` over
// `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64-decoded part of a `whsec_` secret.
import { standardSecretKey, STANDARD_WEBHOOK_TOLERANCE_SECONDS } from '../../../contracts/webhooks';
import { hmacSha256Matches } from './constant-time';
import type { Verifier } from './types';

const encoder = new TextEncoder();
const header = (h: Headers, name: string) => h.get(`webhook-${name}`) ?? h.get(`svix-${name}`);

export const standardVerifier: Verifier = {
  provider: 'standard',
  claims: (h) => ({ claimedId: header(h, 'id'), event: null }),
  async verify({ headers, body, now }, secrets) {
    const id = header(headers, 'id');
    const timestamp = header(headers, 'timestamp');
    const signatures = header(headers, 'signature');
    if (!id || !timestamp || !signatures) {
      return { ok: false, code: 'bad_signature', message: 'webhook-id, webhook-timestamp and webhook-signature are required' };
    }
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, code: 'bad_signature', message: 'webhook-timestamp must be unix seconds' };
    if (Math.abs(now / 1000 - Number(timestamp)) > STANDARD_WEBHOOK_TOLERANCE_SECONDS) {
      return { ok: false, code: 'stale_timestamp', message: `webhook-timestamp is more than ${STANDARD_WEBHOOK_TOLERANCE_SECONDS} s from now` };
    }
    const candidates = signatures
      .split(' ')
      .map((s) => /^v1,([A-Za-z0-9+/]+={0,2})$/.exec(s))
      .flatMap((m) => (m ? [decode(m[1]!)] : []))
      .filter((s) => s !== null);
    const prefix = encoder.encode(`${id}.${timestamp}.`);
    const signed = new Uint8Array(prefix.length + body.length);
    signed.set(prefix);
    signed.set(body, prefix.length);
    for (const secret of secrets) {
      const key = standardSecretKey(secret);
      if (!key) continue;
      for (const candidate of candidates) {
        if (await hmacSha256Matches(key, signed, candidate)) return { ok: true, identity: id, event: null };
      }
    }
    return { ok: false, code: 'bad_signature', message: 'no v1 signature in webhook-signature matches this webhook secret' };
  },
};

function decode(b64: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}
