import { AGENT_TARBALL_PATH } from '../../contracts/agent-install';

/**
 * A short tag that changes whenever the agent tarball the edge serves does: its ETag, asked of
 * the static assets. Undefined when there are no assets (an API-only host) or no ETag.
 */
export async function agentTarballTag(assets: Fetcher | undefined, origin: string): Promise<string | undefined> {
  if (!assets) return undefined;
  try {
    const res = await assets.fetch(new Request(`${origin}${AGENT_TARBALL_PATH}`, { method: 'HEAD' }));
    const etag = res.ok ? res.headers.get('etag') : null;
    const tag = etag?.replace(/^W\//, '').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
    return tag || undefined;
  } catch {
    return undefined;
  }
}
