import type { WebhookProvider } from '../../../contracts/enums';
import { githubVerifier } from './github';
import { gitlabVerifier } from './gitlab';
import { standardVerifier } from './standard';
import type { Verifier } from './types';

export const verifiers: Record<WebhookProvider, Verifier> = {
  github: githubVerifier,
  gitlab: gitlabVerifier,
  standard: standardVerifier,
};
export type { SignedDelivery, VerifyOutcome, Claims } from './types';
