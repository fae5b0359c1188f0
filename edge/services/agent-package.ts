import { AGENT_MANIFEST_PATH, versionedTarballOf } from '../../contracts/agent-install';

/**
 * The path of the current versioned agent tarball, read from the manifest among the static
 * assets. Undefined when there is none (an API-only host; the SPA fallback answers HTML).
 */
export async function currentAgentTarball(assets: Fetcher | undefined, origin: string): Promise<string | undefined> {
  if (!assets) return undefined;
  try {
    const res = await assets.fetch(new Request(`${origin}${AGENT_MANIFEST_PATH}`));
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
    return versionedTarballOf(await res.json());
  } catch {
    return undefined;
  }
}
