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
    // verify() only checks exp when it is there: a token without one would never expire.
    if (typeof payload.exp !== 'number') return null;
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.email !== 'string') return null;
    return { sub: payload.sub, email: payload.email };
  } catch {
    return null;
  }
}

/**
 * One-time tickets for a browser's WebSocket (browsers cannot set headers on one, and a token in
 * the URL ends up in logs). Signed, 30 s, bound to one session; the room refuses a second use.
 */
export interface SocketTicket {
  sub: string;
  email: string;
  projectId: string;
  sessionId: string;
  jti: string;
  exp: number;
}
export const SOCKET_TICKET_TTL_SECONDS = 30;

export async function issueSocketTicket(t: Omit<SocketTicket, 'jti' | 'exp'>, secret: string, nowSeconds = Math.floor(Date.now() / 1000)) {
  const claims: SocketTicket = { ...t, jti: crypto.randomUUID(), exp: nowSeconds + SOCKET_TICKET_TTL_SECONDS };
  return { ticket: await sign({ ...claims, typ: 'socket' }, secret, 'HS256'), claims };
}

export async function readSocketTicket(ticket: string, secret: string): Promise<SocketTicket | null> {
  try {
    const p = await verify(ticket, secret, 'HS256');
    if (p.typ !== 'socket' || typeof p.exp !== 'number') return null;
    const { sub, email, projectId, sessionId, jti, exp } = p as Record<string, unknown>;
    if ([sub, email, projectId, sessionId, jti].some((v) => typeof v !== 'string')) return null;
    return { sub, email, projectId, sessionId, jti, exp } as SocketTicket;
  } catch {
    return null;
  }
}
