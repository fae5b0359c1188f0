// How a Unity machine gets the agent: the edge serves the bundled agent (scripts/build-agent.ts)
// as a static asset, and npx installs and runs it from there. One definition for the edge's
// pairing command, the agent's own hints and the build.

/** The path, under the edge's origin, of the agent's npm tarball. */
export const AGENT_TARBALL_PATH = '/agent.tgz';

/**
 * The tarball's URL. npx keeps what it installed from a URL for good, so when the edge knows a
 * tag of the tarball it serves (its ETag), the URL carries it: a new agent gets a new URL.
 */
export function agentTarballUrl(edge: string, tag?: string): string {
  return `${edge}${AGENT_TARBALL_PATH}${tag ? `?v=${encodeURIComponent(tag)}` : ''}`;
}

/** The command that runs `spark-agent <args>` from the edge at `edge` (an origin, no trailing slash). */
export function agentCommand(edge: string, args: string, tag?: string): string {
  return `npx -y ${agentTarballUrl(edge, tag)} ${args}`;
}

/** The command a pairing code is shown with: it pairs, then keeps the agent running. */
export function pairCommand(edge: string, code: string, tag?: string): string {
  return agentCommand(edge, `pair ${code} --edge ${edge}`, tag);
}
