// The commands the agent prints to run it again name the versioned tarball the edge serves now
// (agent.json), as the project page does: npx keeps what it installed from the fixed /agent.tgz
// URL for good, so that URL would run this agent even after Spark ships a newer one.
import { AGENT_MANIFEST_PATH, agentCommand, versionedTarballIn } from '../contracts/agent-install';

const MANIFEST_TIMEOUT_MS = 3000;

/** `npx -y <edge>/agent/spark-agent-….tgz <args>`; the fixed /agent.tgz when the edge names no versioned one. */
export async function currentAgentCommand(fetcher: typeof fetch, edge: string, args: string): Promise<string> {
  let tarball: string | undefined;
  try {
    // An API-only edge answers its SPA fallback (HTML) or 404: no manifest.
    tarball = await versionedTarballIn(await fetcher(`${edge}${AGENT_MANIFEST_PATH}`, { signal: AbortSignal.timeout(MANIFEST_TIMEOUT_MS) }));
  } catch {
    tarball = undefined;
  }
  return agentCommand(edge, args, tarball);
}
