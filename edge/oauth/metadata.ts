import { OAUTH_SCOPE } from '../../contracts/oauth';

// Where everything is, from the origin the request came to: the Worker is its own authorization server.
export const oauthPaths = {
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  register: '/oauth/register',
  revoke: '/oauth/revoke',
  resourceMetadata: '/.well-known/oauth-protected-resource',
} as const;

/** The protected resource: /mcp and everything under it (one project each). */
export const resourceOf = (origin: string) => `${origin}/mcp`;

/** RFC 9728 metadata for `resource` (the MCP URL the client was given). */
export function protectedResourceMetadataFor(origin: string, resource = resourceOf(origin)) {
  return {
    resource,
    authorization_servers: [origin],
    scopes_supported: [OAUTH_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Spark',
  };
}

/** RFC 8414 metadata: authorization code with PKCE S256 only, public clients, open registration. */
export function authorizationServerMetadataFor(origin: string) {
  return {
    issuer: origin,
    authorization_endpoint: origin + oauthPaths.authorize,
    token_endpoint: origin + oauthPaths.token,
    registration_endpoint: origin + oauthPaths.register,
    revocation_endpoint: origin + oauthPaths.revoke,
    scopes_supported: [OAUTH_SCOPE],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
  };
}

/** The metadata URL /mcp names in its 401 (RFC 9728 §5.1), path-suffixed like the resource. */
export const resourceMetadataUrl = (origin: string, mcpPath: string) => origin + oauthPaths.resourceMetadata + mcpPath;

/**
 * The resource a client asks for (RFC 8707) must be Spark's /mcp or one project's /mcp/<id>;
 * returns the project it names, if any, or `false` when it is not ours.
 */
export function projectOfResource(origin: string, resource: string): string | null | false {
  const base = resourceOf(origin);
  const trimmed = resource.replace(/\/$/, '');
  if (trimmed === base) return null;
  const m = /^\/([0-9a-f-]{36})$/i.exec(trimmed.slice(base.length));
  return trimmed.startsWith(base + '/') && m ? m[1]!.toLowerCase() : false;
}
