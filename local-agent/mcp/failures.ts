// How to read a failed Unity MCP answer: Unity refusing a request (the service is fine: no
// breaker count, no retry) or Unity failing (counts against the breaker; retried when idempotent).
import type { ToolResult } from './envelope';

/**
 * Failures that are Unity refusing a request (bad input, a file that exists or not, a stale sha):
 * the service is healthy, so these do not count against the circuit breaker and are not retried.
 * Anything else that fails (e.g. "Unity instance not connected", an exception in the server)
 * counts as the service failing.
 */
const REFUSAL_CODES = new Set([
  'path_outside_assets', 'bad_path', 'bad_extension', 'exists', 'not_found', 'stale_file', 'precondition_required',
  'using_guard', 'overlap', 'too_large', 'validation_failed', 'unbalanced_braces', 'zero_based_explicit_fields',
  'camera_not_found', 'unsupported_format', 'invalid_params', 'unknown_tool',
]);
const REFUSAL_TEXT =
  /not found|does not exist|could not find|already exists|already in progress|invalid|must be|must not|is required|not supported|unknown (action|build target|property|batch)|refus|stale|overlap|unbalanced|not installed|no build jobs|no job found/i;

/** CoplayDev's answers when no editor is attached (some say "not found", so checked first). */
const EDITOR_MISSING =
  /no unity (editor )?instances|unity instances? .*not (found|connected)|not found\. (use mcpforunity|available)|does not match any running unity|not connected/i;

export function isRefusal(r: ToolResult): boolean {
  if (EDITOR_MISSING.test(r.error ?? '')) return false;
  return (r.code !== undefined && REFUSAL_CODES.has(r.code)) || REFUSAL_TEXT.test(r.error ?? '');
}

/** The error code of a Unity failure: a missing editor is named as such. */
export function failureCode(r: ToolResult): string {
  return EDITOR_MISSING.test(r.error ?? '') ? 'unity_unavailable' : (r.code ?? 'unity_error');
}

