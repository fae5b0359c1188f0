import { describe, expect, it } from 'vitest';
import { issueAccessToken, readAccessToken } from '../../edge/auth/access-token';
import { displayPrefix, generateApiToken, hashApiToken, looksLikeApiToken } from '../../edge/auth/api-token';
import { hashPassword, timingSafeEqual, verifyPassword } from '../../edge/auth/password';
import { grants } from '../../edge/services/access';
import { bearerToken } from '../../edge/services/caller';

describe('passwords', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('hunter2hunter2');
    const b = await hashPassword('hunter2hunter2');
    expect(a).not.toBe(b);
    expect(await verifyPassword('hunter2hunter2', a)).toBe(true);
    expect(await verifyPassword('hunter2hunter3', a)).toBe(false);
    expect(await verifyPassword('hunter2hunter2', a.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBe(false);
    expect(await verifyPassword('x', 'md5$whatever')).toBe(false);
  });
  it('compares in constant shape', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});

describe('access tokens', () => {
  const secret = 'unit-test-secret-0123456789';
  it('round-trips claims and refuses other secrets, expiry and tampering', async () => {
    const t = await issueAccessToken({ sub: 'u1', email: 'a@b.co' }, secret, 60);
    expect(await readAccessToken(t, secret)).toEqual({ sub: 'u1', email: 'a@b.co' });
    expect(await readAccessToken(t, secret + 'x')).toBeNull();
    const old = await issueAccessToken({ sub: 'u1', email: 'a@b.co' }, secret, 60, Math.floor(Date.now() / 1000) - 120);
    expect(await readAccessToken(old, secret)).toBeNull();
    const [h, p, s] = t.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', email: 'a@b.co', typ: 'access', exp: 9e9 })).toString('base64url');
    expect(await readAccessToken(`${h}.${forgedPayload}.${s}`, secret)).toBeNull();
    expect(await readAccessToken(`${h}.${p}`, secret)).toBeNull();
  });
});

describe('API tokens', () => {
  it('are long random strings stored as a SHA-256', async () => {
    const t = generateApiToken();
    expect(looksLikeApiToken(t)).toBe(true);
    expect(t.length).toBeGreaterThan(40);
    expect(generateApiToken()).not.toBe(t);
    expect(await hashApiToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashApiToken(t)).toBe(await hashApiToken(t));
    expect(displayPrefix(t)).toBe(t.slice(0, 10));
  });
  it('parses bearer headers strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('grants', () => {
  it('gives each role and scope exactly its rights', () => {
    const needs = ['read', 'ingest', 'write', 'agent', 'admin'] as const;
    const table = (g: Parameters<typeof grants>[0]) => needs.filter((n) => grants(g, n));
    expect(table({ role: 'viewer' })).toEqual(['read']);
    expect(table({ role: 'member' })).toEqual(['read', 'ingest', 'write']);
    expect(table({ role: 'owner' })).toEqual(['read', 'ingest', 'write', 'admin']);
    expect(table({ scope: 'read' })).toEqual(['read']);
    expect(table({ scope: 'ingest' })).toEqual(['ingest']);
    expect(table({ scope: 'agent' })).toEqual(['read', 'ingest', 'agent']);
  });
});
