import type { Db } from '../../db/client';
import { findLiveGrantByAccess, touchGrant } from '../../db/queries/oauth';
import { hashSecret } from './tokens';

/**
 * The MCP caller an OAuth access token stands for: its grant, acting as an mcp token of the chosen
 * project. Null for a token that is unknown, expired, revoked, or whose person can no longer write there.
 */
export async function oauthMcpCaller(db: Db, token: string, onTouch: (p: Promise<unknown>) => void) {
  const grant = await findLiveGrantByAccess(db, await hashSecret(token));
  if (!grant) return null;
  onTouch(touchGrant(db, grant.id));
  return { kind: 'token' as const, tokenId: grant.id, projectId: grant.projectId, scope: 'mcp' as const };
}
