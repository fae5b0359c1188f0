import { base64urlEncode, sha256Hex } from '../../contracts/bytes';

// OAuth tokens and codes: 32 random bytes with a prefix that says what they are, stored as
// SHA-256 (random secrets need no slow hash). `spo_` tells /mcp to look in the grants, not API tokens.
export const OAUTH_ACCESS_PREFIX = 'spo_';
const REFRESH_PREFIX = 'spr_';
const CODE_PREFIX = 'spc_';

export const ACCESS_TTL_SECONDS = 3600;
export const CODE_TTL_SECONDS = 60;

const random = (prefix: string) => prefix + base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
export const generateAccessToken = () => random(OAUTH_ACCESS_PREFIX);
export const generateRefreshToken = () => random(REFRESH_PREFIX);
export const generateCode = () => random(CODE_PREFIX);
export const hashSecret = (s: string) => sha256Hex(s);

export const looksLikeOauthAccessToken = (token: string) => token.startsWith(OAUTH_ACCESS_PREFIX);

/** PKCE S256 (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) must equal the challenge. */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return base64urlEncode(digest) === challenge;
}
