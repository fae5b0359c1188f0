import { sign, verify } from 'hono/jwt';

/** Short-lived HS256 access tokens for users (browser and CLI sessions). */
export interface AccessClaims {
  sub: string;
  email: string;
}

export async function issueAccessToken(claims: AccessClaims, secret: string, ttlSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)) {
  return sign({ ...claims, typ: 'access', iat: nowSeconds, exp: nowSeconds + ttlSeconds }, secret, 'HS256');
}

/** Returns the claims, or null for a token that is malformed, forged or expired. */
export async function readAccessToken(token: string, secret: string): Promise<AccessClaims | null> {
  try {
    const payload = await verify(token, secret, 'HS256');
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.email !== 'string') return null;
    return { sub: payload.sub, email: payload.email };
  } catch {
    return null;
  }
}
