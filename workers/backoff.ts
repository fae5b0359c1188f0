/** Exponential backoff with full jitter on top: base·2^(attempt-1) + U(0, base), capped. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, capSeconds = 300, random = Math.random): number {
  if (baseSeconds <= 0) return 0;
  const exp = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.min(capSeconds, Math.round(exp + random() * baseSeconds));
}
