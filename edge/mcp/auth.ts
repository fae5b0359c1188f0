import type { Db } from '../../db/client';
import { HttpError } from '../http/errors';
import { oauthMcpCaller } from '../oauth/access';
import { looksLikeOauthAccessToken } from '../oauth/tokens';
import { bearerToken, resolveCaller, type Caller } from '../services/caller';

export type McpCaller = Extract<Caller, { kind: 'token' }>;

const BASE_REALM = 'Bearer realm="spark", scope="mcp"';

/**
 * The caller of /mcp: an API token of scope `mcp`, or an OAuth access token (a person's grant of
 * one project to an MCP client), of the project the URL names (when it names one). Anything else is refused before any tool can run, with the `WWW-Authenticate` answer
 * RFC 6750 asks for: 401 for no, a wrong or another project's token, 403 for a real credential
 * that is not an mcp token. With `resourceMetadata`, the challenge names the RFC 9728 metadata, from
 * which an MCP client finds Spark's OAuth server.
 */
export async function mcpCaller(
  db: Db,
  authorization: string | undefined,
  jwtSecret: string,
  onTouch: (p: Promise<unknown>) => void,
  projectId?: string,
  resourceMetadata?: string,
): Promise<McpCaller> {
  const REALM = resourceMetadata ? `${BASE_REALM}, resource_metadata="${resourceMetadata}"` : BASE_REALM;
  const token = bearerToken(authorization);
  if (!token) throw refused(401, 'unauthorized', 'send Authorization: Bearer <API token of scope mcp, or an OAuth access token>', REALM);
  let caller: Caller;
  try {
    if (looksLikeOauthAccessToken(token)) {
      const granted = await oauthMcpCaller(db, token, onTouch);
      if (!granted) throw refused(401, 'unauthorized', 'OAuth access token is invalid, expired or revoked', `${REALM}, error="invalid_token", error_description="OAuth access token is invalid, expired or revoked"`);
      caller = granted;
    } else caller = await resolveCaller(db, token, jwtSecret, onTouch);
  } catch (err) {
    if (err instanceof HttpError && err.headers) throw err;
    if (err instanceof HttpError && err.status === 401) throw refused(401, 'unauthorized', err.message, `${REALM}, error="invalid_token", error_description="${err.message}"`);
    throw err;
  }
  if (caller.kind !== 'token' || caller.scope !== 'mcp') {
    const what = caller.kind === 'token' ? `a ${caller.scope} token` : 'a user access token';
    const message = `${what} cannot use /mcp: create an API token of scope mcp for the project`;
    throw refused(403, 'forbidden', message, `${REALM}, error="insufficient_scope", error_description="${message}"`);
  }
  if (projectId !== undefined && caller.projectId !== projectId) {
    const message = 'this token belongs to another project';
    throw refused(401, 'unauthorized', message, `${REALM}, error="invalid_token", error_description="${message}"`);
  }
  return caller;
}

const refused = (status: 401 | 403, code: string, message: string, challenge: string) => new HttpError(status, code, message, undefined, { 'WWW-Authenticate': challenge });
