import { backoffDelay } from '../contracts/backoff';

/** Queue redelivery delay for delivery number `attempt` (1-based), in seconds: the shared backoff with up to 25 % on top. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, capSeconds = 300, random = Math.random): number {
  return backoffDelay(attempt - 1, { baseMs: baseSeconds, maxMs: capSeconds, jitter: [1, 1.25], random });
}
