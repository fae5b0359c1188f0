// GitLab: the secret itself in `X-Gitlab-Token` (no signature), the event in `X-Gitlab-Event`,
// the identity in `X-Gitlab-Event-UUID` (or `Idempotency-Key`, which GitLab keeps on retries).
import { textsEqual } from './constant-time';
import type { Verifier } from './types';

const identityOf = (h: Headers) => h.get('x-gitlab-event-uuid') ?? h.get('idempotency-key');

export const gitlabVerifier: Verifier = {
  provider: 'gitlab',
  claims: (h) => ({ claimedId: identityOf(h), event: h.get('x-gitlab-event') }),
  async verify({ headers }, secrets) {
    const token = headers.get('x-gitlab-token');
    if (token === null) return { ok: false, code: 'bad_signature', message: 'X-Gitlab-Token is missing' };
    let matched = false;
    // Every secret is compared, so the time does not tell which one (if any) matched.
    for (const secret of secrets) matched = (await textsEqual(token, secret)) || matched;
    if (!matched) return { ok: false, code: 'bad_signature', message: 'X-Gitlab-Token does not match this webhook secret' };
    return { ok: true, identity: identityOf(headers), event: headers.get('x-gitlab-event') };
  },
};
