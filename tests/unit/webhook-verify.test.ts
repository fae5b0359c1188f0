import { createHmac, randomUUID } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifiers } from '../../edge/webhooks/verify';
import { generateSecret } from '../../edge/webhooks/secrets';
import { openSecret, sealSecret, secretBoxKey } from '../../edge/webhooks/secret-box';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const delivery = (headers: Record<string, string>, body: string, now = Date.now()) => ({ headers: new Headers(headers), body: bytes(body), now });

describe('GitHub signatures (signed by @octokit/webhooks-methods and by node:crypto)', () => {
  const secret = 'It\'s a Secret to Everybody';
  const body = '{"action":"opened","zen":"Keep it logically awesome."}';

  it('accepts the sender\'s signature and names the delivery and event', async () => {
    const sig = await githubSign(secret, body);
    expect(sig).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const out = await verifiers.github.verify(delivery({ 'x-hub-signature-256': sig, 'x-github-event': 'issues', 'x-github-delivery': 'guid-1' }, body), [secret]);
    expect(out).toEqual({ ok: true, identity: 'guid-1', event: 'issues' });
  });

  it('refuses a changed byte, another secret, a malformed header, and accepts the previous secret during rotation', async () => {
    const sig = await githubSign(secret, body);
    const flipped = body.replace('awesome', 'awesomE');
    expect((await verifiers.github.verify(delivery({ 'x-hub-signature-256': sig }, flipped), [secret])).ok).toBe(false);
    expect((await verifiers.github.verify(delivery({ 'x-hub-signature-256': sig }, body), ['another secret entirely'])).ok).toBe(false);
    expect((await verifiers.github.verify(delivery({ 'x-hub-signature-256': 'sha1=abc' }, body), [secret])).ok).toBe(false);
    expect((await verifiers.github.verify(delivery({ 'x-hub-signature-256': sig }, body), ['the new secret!!', secret])).ok).toBe(true);
  });

  it('verifies over the exact bytes, not a re-encoding of them', async () => {
    // Not valid UTF-8: decoding and re-encoding would change the bytes and so the HMAC.
    const raw = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const sig = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    expect((await verifiers.github.verify({ headers: new Headers({ 'x-hub-signature-256': sig }), body: raw, now: Date.now() }, [secret])).ok).toBe(true);
  });
});

describe('GitLab tokens', () => {
  it('accepts the secret in X-Gitlab-Token and takes the event UUID (or Idempotency-Key) as identity', async () => {
    const ok = await verifiers.gitlab.verify(delivery({ 'x-gitlab-token': 'tok-0123456789abcdef', 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'u-1' }, '{}'), ['tok-0123456789abcdef']);
    expect(ok).toEqual({ ok: true, identity: 'u-1', event: 'Push Hook' });
    const idem = await verifiers.gitlab.verify(delivery({ 'x-gitlab-token': 'tok-0123456789abcdef', 'idempotency-key': 'k-9' }, '{}'), ['tok-0123456789abcdef']);
    expect(idem).toMatchObject({ ok: true, identity: 'k-9' });
    expect((await verifiers.gitlab.verify(delivery({ 'x-gitlab-token': 'tok-0123456789abcdeF' }, '{}'), ['tok-0123456789abcdef'])).ok).toBe(false);
    expect((await verifiers.gitlab.verify(delivery({}, '{}'), ['tok-0123456789abcdef'])).ok).toBe(false);
  });
});

describe('Standard Webhooks (signed by the standardwebhooks library and by the spec by hand)', () => {
  const secret = generateSecret('standard');
  const body = '{"type":"invoice.paid","data":{"id":1}}';

  it('accepts the library\'s signature, webhook-* and svix-* headers alike', async () => {
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    const sig = new Webhook(secret).sign(id, at, body);
    const ts = String(Math.floor(at.getTime() / 1000));
    expect(await verifiers.standard.verify(delivery({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig }, body), [secret])).toEqual({ ok: true, identity: id, event: null });
    expect((await verifiers.standard.verify(delivery({ 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': sig }, body), [secret])).ok).toBe(true);
  });

  it('matches the spec computed independently: v1,base64(HMAC-SHA256(base64-decoded secret, id.ts.body)); any of several signatures', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mine = `v1,${createHmac('sha256', key).update(`m1.${ts}.${body}`).digest('base64')}`;
    const header = `v1,${Buffer.alloc(32).toString('base64')} v2,whatever ${mine}`;
    expect((await verifiers.standard.verify(delivery({ 'webhook-id': 'm1', 'webhook-timestamp': ts, 'webhook-signature': header }, body), [secret])).ok).toBe(true);
  });

  it('refuses timestamps outside ±5 minutes as stale, and a tampered body as a bad signature', async () => {
    const wh = new Webhook(secret);
    const now = Date.now();
    for (const skew of [-301, 301]) {
      const at = new Date(now + skew * 1000);
      const out = await verifiers.standard.verify(
        delivery({ 'webhook-id': 'm', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': wh.sign('m', at, body) }, body, now),
        [secret],
      );
      expect(out).toMatchObject({ ok: false, code: 'stale_timestamp' });
    }
    const at = new Date(now - 299 * 1000);
    const ts = String(Math.floor(at.getTime() / 1000));
    expect((await verifiers.standard.verify(delivery({ 'webhook-id': 'm', 'webhook-timestamp': ts, 'webhook-signature': wh.sign('m', at, body) }, body, now), [secret])).ok).toBe(true);
    const tampered = await verifiers.standard.verify(delivery({ 'webhook-id': 'm', 'webhook-timestamp': ts, 'webhook-signature': wh.sign('m', at, body) }, body.replace('1', '2'), now), [secret]);
    expect(tampered).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('sealed secrets', () => {
  it('open only under the same key and for the same row', async () => {
    const key = await secretBoxKey({ JWT_SECRET: 'jwt-secret-0123456789abcdef', WEBHOOK_SECRETS_KEY: 'k'.repeat(40) });
    const other = await secretBoxKey({ JWT_SECRET: 'jwt-secret-0123456789abcdef' });
    const sealed = await sealSecret(key, 'the secret', 'row-1');
    expect(sealed).not.toContain('the secret');
    expect(await openSecret(key, sealed, 'row-1')).toBe('the secret');
    await expect(openSecret(key, sealed, 'row-2')).rejects.toThrow();
    await expect(openSecret(other, sealed, 'row-1')).rejects.toThrow();
    // A fresh IV each time: the same secret never seals to the same text.
    expect(await sealSecret(key, 'the secret', 'row-1')).not.toBe(sealed);
  });
});
