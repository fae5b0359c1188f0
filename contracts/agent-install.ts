// How a Unity machine gets the agent: the edge serves the bundled agent (scripts/build-agent.ts)
// as static assets, and npx installs and runs it from there. One definition for the edge's
// pairing command, the agent's own hints and the build.

/** The newest agent under a fixed name (for people who fetch it by hand). */
export const AGENT_TARBALL_PATH = '/agent.tgz';
/** Which versioned tarball is the current one: `{ version, path, sha256, bytes }`. */
export const AGENT_MANIFEST_PATH = '/agent.json';
/**
 * Versioned tarballs: `/agent/spark-agent-<version>-<sha256 prefix>.tgz`. npx keeps what it
 * installed from a URL for good, so each build gets a URL of its own; a path, not a query
 * string, because zsh refuses an unquoted `?` it cannot match as a glob.
 */
export const AGENT_VERSIONED_PATH = /^\/agent\/spark-agent-[0-9A-Za-z.+-]+-[0-9a-f]{12}\.tgz$/;

export interface AgentManifest {
  version: string;
  path: string;
  sha256: string;
  bytes: number;
}

/** The versioned tarball a manifest (agent.json) names, or undefined when it names none. */
export function versionedTarballOf(manifest: unknown): string | undefined {
  const path = typeof manifest === 'object' && manifest !== null ? (manifest as Partial<AgentManifest>).path : undefined;
  return typeof path === 'string' && AGENT_VERSIONED_PATH.test(path) ? path : undefined;
}

/** The versioned tarball an answer for agent.json names: none for a refusal or a non-JSON answer (an SPA fallback's HTML). */
export async function versionedTarballIn(res: Response): Promise<string | undefined> {
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
  return versionedTarballOf(await res.json());
}

/** The command that runs `spark-agent <args>` from the edge at `edge` (an origin, no trailing slash). */
export function agentCommand(edge: string, args: string, tarballPath: string = AGENT_TARBALL_PATH): string {
  return `npx -y ${edge}${tarballPath} ${args}`;
}

/** The command a pairing code is shown with: it pairs, then keeps the agent running. */
export function pairCommand(edge: string, code: string, tarballPath?: string): string {
  return agentCommand(edge, `pair ${code} --edge ${edge}`, tarballPath);
}
