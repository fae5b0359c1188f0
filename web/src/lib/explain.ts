// Errors and waits in words for people: what happened, and what to do next. The raw code and
// message stay available (the page folds them into <details>). Pure; unit-tested in
// tests/unit/web-explain.test.ts.
import type { OpView } from '../../../contracts/ws';

export interface Explained {
  /** What happened, in plain words. */
  title: string;
  /** The next step, when there is one. */
  next?: string;
  /** The raw detail ("unity_error: manage_script: …"), for the folded part. */
  detail?: string;
}

const has = (re: RegExp, ...texts: (string | undefined)[]) => texts.some((t) => t !== undefined && re.test(t));

const TOKEN_REFUSED = /\b(401|403)\b|unauthori[sz]ed|forbidden|api[ -_]?key|token (was )?refused|refused the token|invalid token/i;
const UNREACHABLE = /unreachable|ECONNREFUSED|fetch failed|connect(ion)? refused|circuit (is )?open|not connected|no unity (editor )?instance|socket hang up|timed? ?out connecting/i;
const BUSY = /reload|compil|busy|retry|hint/i;

/** A failed or expired operation, explained. `agentCommand` runs the agent on the Unity machine. */
export function explainOpError(op: Pick<OpView, 'state' | 'error' | 'op'>, agentCommand?: string): Explained {
  const code = op.error?.code;
  const message = op.error?.message;
  const detail = op.error ? `${code}: ${message}` : undefined;
  if (op.state === 'expired' || code === 'expired') {
    return {
      title: 'No agent took this in time.',
      next: agentCommand ? `No agent is online: run ${agentCommand} on your Unity machine, then try again.` : 'No agent is online: start the agent on your Unity machine, then try again.',
      detail,
    };
  }
  if (code === 'unity_auth' || has(TOKEN_REFUSED, code, message)) {
    return { title: 'Unity refused the token.', next: 'Check UNITY_MCP_TOKEN on the agent’s machine (the Unity MCP server’s API key), then restart the agent.', detail };
  }
  if (code === 'unity_unreachable' || code === 'circuit_open' || has(UNREACHABLE, code, message)) {
    return {
      title: 'The agent cannot reach Unity.',
      next: 'Open the Unity editor with its MCP server running. The agent looks for it at UNITY_MCP_URL (default http://localhost:8080/mcp).',
      detail,
    };
  }
  if (code === 'unity_reloading' || code === 'unity_busy' || (code === 'unity_error' && has(BUSY, message))) {
    return { title: 'Unity stayed busy (compiling or reloading) for too long.', next: 'Wait until the Unity editor is idle, then try again.', detail };
  }
  if (code === 'stale_file') {
    return { title: 'The file changed in Unity since you opened it.', next: 'Spark left it as it is: replace it with your version, or make your change in Unity.', detail };
  }
  if (code === 'exists') return { title: 'A file with that name already exists.', next: 'Open it from the list to edit it, or choose another name.', detail };
  if (code === 'not_found') return { title: 'Unity has no such file.', next: 'Check the path; it may have been moved or deleted in Unity.', detail };
  if (code === 'invalid_op' || code === 'unsupported') return { title: 'Spark could not send this to Unity.', next: message, detail };
  if (code === 'menu_item_failed') return { title: 'Unity could not run the preset’s settings menu item.', next: 'Check that the preset’s Editor script compiled (Tools › Spark in the Unity menu), then apply the settings again.', detail };
  if (code === 'build_timeout') return { title: 'The build took too long and was given up.', next: 'Check the Unity editor’s console, then build again.', detail };
  return { title: message ? `Unity reported: ${firstLine(message)}` : 'The operation failed.', detail };
}

/** An operation still on its way, in words (null: nothing special to say). */
export function explainWait(op: Pick<OpView, 'state' | 'stage' | 'message'>, online: boolean): string | null {
  if (op.state === 'queued' && !online) return 'Waiting for an agent to connect…';
  if (op.state === 'running' && has(/reload|retry/i, op.stage, op.message)) return 'Unity is compiling, retrying…';
  return null;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!.trim();
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
