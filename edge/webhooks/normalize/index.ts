import type { WebhookProvider } from '../../../contracts/enums';
import { normalizeGithub } from './github';
import { normalizeGitlab } from './gitlab';
import type { Normalizer } from './shared';
import { normalizeStandard } from './standard';

export const normalizers: Record<WebhookProvider, Normalizer> = {
  github: normalizeGithub,
  gitlab: normalizeGitlab,
  standard: normalizeStandard,
};
export type { EventDraft, NormalizeInput } from './shared';
