import { base64urlEncode, sha256Hex } from '../../contracts/bytes';
// API tokens for machines (ingest, the local agent, read-only dashboards). Only a SHA-256 of the
// token is stored; the token itself is shown once. They are 32 random bytes, so a fast hash is enough.
export const API_TOKEN_PREFIX = 'spk_';

export function generateApiToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return API_TOKEN_PREFIX + base64urlEncode(bytes);
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

export async function hashApiToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/** What we keep in clear to let a person recognise a token in a list. */
export function displayPrefix(token: string): string {
  return token.slice(0, API_TOKEN_PREFIX.length + 6);
}
