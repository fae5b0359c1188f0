import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../contracts/backoff';
import { base64Decode, base64Encode, base64urlDecode, base64urlEncode, sha256Hex } from '../../contracts/bytes';
import { isUuid } from '../../contracts/uuid';

describe('backoffDelay', () => {
  it('grows exponentially from the base and stops at the cap, also after jitter', () => {
    const fixed = { baseMs: 100, maxMs: 1000, jitter: [1, 1] as const };
    expect([0, 1, 2, 3, 4, 30, 1e6].map((n) => backoffDelay(n, fixed))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000, jitter: [1, 1.5], random: () => 0.99 })).toBe(1000);
  });
  it('spreads by the jitter factor (default half fixed, half random)', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 10_000, random: () => 0 })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 10_000, random: () => 0.5 })).toBe(300);
    expect(backoffDelay(0, { baseMs: 1000, maxMs: 30_000, jitter: [0.75, 1.25], random: () => 0 })).toBe(750);
  });
  it('is zero with no base and treats negative attempts as the first', () => {
    expect(backoffDelay(5, { baseMs: 0, maxMs: 100 })).toBe(0);
    expect(backoffDelay(-3, { baseMs: 100, maxMs: 1000, jitter: [1, 1] })).toBe(100);
  });
});

describe('base64 and base64url', () => {
  it('round-trip bytes, including ones that need + and / in standard base64', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0x00, 0x3e, 0x3f]);
    expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    expect([...base64Decode(base64Encode(bytes))]).toEqual([...bytes]);
    expect([...base64urlDecode(base64urlEncode(bytes))!]).toEqual([...bytes]);
  });
  it('encodes text as UTF-8 and large inputs without overflowing the stack', () => {
    expect(base64urlEncode('é|x')).toBe(Buffer.from('é|x', 'utf8').toString('base64url'));
    const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
    expect(base64Encode(big)).toBe(Buffer.from(big).toString('base64'));
  });
  it('refuses what is not base64url', () => {
    expect(base64urlDecode('ab+c')).toBeUndefined();
    expect(base64urlDecode('a')).toBeUndefined();
    expect(base64urlDecode('a=b')).toBeUndefined();
  });
});

describe('sha256Hex', () => {
  it('hashes text as UTF-8 and bytes as they are', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(await sha256Hex('abc'));
  });
});

describe('isUuid', () => {
  it('accepts UUIDs in either case and nothing else', () => {
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isUuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe(true);
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950')).toBe(false);
    expect(isUuid('build-0123456789')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuid(undefined)).toBe(false);
  });
});
