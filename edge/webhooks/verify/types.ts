import type { WebhookProvider } from '../../../contracts/enums';

/** What a verifier sees: the headers and the body exactly as sent, before anything parsed it. */
export interface SignedDelivery {
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
  /** Unix milliseconds at receipt. */
  now: number;
}

export type VerifyOutcome =
  | { ok: true; identity: string | null; event: string | null }
  | { ok: false; code: 'bad_signature' | 'stale_timestamp'; message: string };

/** The identity and event a sender claims, read before verification (for the record only). */
export interface Claims {
  claimedId: string | null;
  event: string | null;
}

export interface Verifier {
  provider: WebhookProvider;
  claims(headers: Headers): Claims;
  /** Verifies against each secret in turn (current first, then the one before a rotation). */
  verify(delivery: SignedDelivery, secrets: readonly string[]): Promise<VerifyOutcome>;
}
