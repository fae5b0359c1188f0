import { sha256Hex } from '../../contracts/bytes';
// Pairing codes: short, typeable, one-time, 10 minutes. 8 characters from an alphabet without
// look-alikes (no 0/O, 1/I/L) give 40 bits; sign-in rate limits make guessing hopeless.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_TTL_MS = 10 * 60 * 1000;
/** Unused, unexpired codes a project may hold at once: enough for a person, too few to farm. */
export const MAX_LIVE_PAIRING_CODES = 5;

export function generatePairingCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** Case, spaces and dashes do not matter when a person types the code. */
export function normalizePairingCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export async function hashPairingCode(code: string): Promise<string> {
  return sha256Hex(`pairing:${normalizePairingCode(code)}`);
}
