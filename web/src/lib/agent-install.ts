// The agent's versioned tarball as the edge serves it (agent.json among the static assets), so
// the commands the page shows name the current agent, never one npx has cached under the fixed
// /agent.tgz URL.
import { AGENT_MANIFEST_PATH, agentCommand, versionedTarballOf } from '../../../contracts/agent-install';

let manifest: Promise<string | undefined> | null = null;

/** The current versioned tarball path, or undefined (then the fixed /agent.tgz is named). */
export function currentAgentTarball(): Promise<string | undefined> {
  manifest ??= fetch(AGENT_MANIFEST_PATH)
    .then((r): Promise<unknown> => (r.ok ? r.json() : Promise.resolve(undefined)))
    .then(versionedTarballOf)
    .catch(() => {
      manifest = null;
      return undefined;
    });
  return manifest;
}

/** `npx -y <this origin>/agent/….tgz start`. */
export const startCommand = (tarball: string | undefined) => agentCommand(location.origin, 'start', tarball);
