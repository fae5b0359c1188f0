import { sign, verify } from 'hono/jwt';

// Between the login form and the project picker, the page carries who logged in as a short signed
// ticket bound to this client and PKCE challenge: it cannot be replayed for another request, and a
// cross-site form cannot forge it.
const TICKET_TTL_SECONDS = 600;

export async function issueConsentTicket(userId: string, clientId: string, codeChallenge: string, secret: string) {
  const now = Math.floor(Date.now() / 1000);
  return sign({ typ: 'oauth_consent', sub: userId, cid: clientId, cc: codeChallenge, iat: now, exp: now + TICKET_TTL_SECONDS }, secret, 'HS256');
}

/** The user id, or null for a ticket that is forged, expired or for another request. */
export async function readConsentTicket(ticket: string, clientId: string, codeChallenge: string, secret: string): Promise<string | null> {
  try {
    const p = await verify(ticket, secret, 'HS256');
    if (p.typ !== 'oauth_consent' || typeof p.exp !== 'number' || p.cid !== clientId || p.cc !== codeChallenge || typeof p.sub !== 'string') return null;
    return p.sub;
  } catch {
    return null;
  }
}
