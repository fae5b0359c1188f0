import { AGENT_MANIFEST_PATH, versionedTarballIn } from '../../contracts/agent-install';

/**
 * The path of the current versioned agent tarball, read from the manifest among the static
 * assets. Undefined when there is none (an API-only host; the SPA fallback answers HTML).
 */
export async function currentAgentTarball(assets: Fetcher | undefined, origin: string): Promise<string | undefined> {
  if (!assets) return undefined;
  try {
    return await versionedTarballIn(await assets.fetch(new Request(`${origin}${AGENT_MANIFEST_PATH}`)));
  } catch {
    return undefined;
  }
}
