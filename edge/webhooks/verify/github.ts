// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, the event in
// `X-GitHub-Event`, the delivery's GUID in `X-GitHub-Delivery` (kept on redeliveries).
import { hmacSha256Matches } from './constant-time';
import type { Verifier } from './types';

const encoder = new TextEncoder();

export const githubVerifier: Verifier = {
  provider: 'github',
  claims: (h) => ({ claimedId: h.get('x-github-delivery'), event: h.get('x-github-event') }),
  async verify({ headers, body }, secrets) {
    const header = headers.get('x-hub-signature-256');
    const m = header ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim()) : null;
    if (!m) return { ok: false, code: 'bad_signature', message: 'X-Hub-Signature-256 must be sha256=<64 hex digits>' };
    const signature = Uint8Array.from(m[1]!.match(/../g)!, (h) => parseInt(h, 16));
    for (const secret of secrets) {
      if (await hmacSha256Matches(encoder.encode(secret), body, signature)) {
        return { ok: true, identity: headers.get('x-github-delivery'), event: headers.get('x-github-event') };
      }
    }
    return { ok: false, code: 'bad_signature', message: 'X-Hub-Signature-256 does not match the body under this webhook secret' };
  },
};
