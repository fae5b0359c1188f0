import { z } from 'zod';

// OAuth 2.1 for remote MCP clients (MCP authorization spec 2025-06-18): the shapes of Spark's
// authorization server and protected resource. Field names are OAuth's own (snake_case).

/** The one scope there is: driving one project through /mcp. */
export const OAUTH_SCOPE = 'mcp';

/** RFC 7591 client metadata, the part Spark reads; anything else a client sends is ignored. */
export const clientRegistration = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  client_name: z.string().max(200).optional(),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  scope: z.string().optional(),
});

export const clientInformation = z.object({
  client_id: z.string(),
  client_id_issued_at: z.number().int(),
  client_name: z.string(),
  redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  response_types: z.array(z.string()),
  token_endpoint_auth_method: z.literal('none'),
});

/** RFC 6749 §5.2 error answer (token, registration): what OAuth clients parse. */
export const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  scope: z.string(),
});

/** The token endpoint's form fields (both grants); checked by the handler, which answers OAuth errors. */
export const tokenRequest = z.object({
  grant_type: z.string(),
  code: z.string().optional(),
  code_verifier: z.string().optional(),
  redirect_uri: z.string().optional(),
  client_id: z.string().optional(),
  refresh_token: z.string().optional(),
  resource: z.string().optional(),
  scope: z.string().optional(),
});

export const protectedResourceMetadata = z.object({
  resource: z.string(),
  authorization_servers: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  bearer_methods_supported: z.array(z.string()),
  resource_name: z.string(),
});

export const authorizationServerMetadata = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  registration_endpoint: z.string(),
  revocation_endpoint: z.string(),
  scopes_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  grant_types_supported: z.array(z.string()),
  code_challenge_methods_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
});

/** A person's approval of an MCP client for one project, as the UI lists it. */
export const mcpGrantView = z.object({
  id: z.string(),
  client_name: z.string(),
  project_id: z.string(),
  project_name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type McpGrantView = z.infer<typeof mcpGrantView>;
export const mcpGrantList = z.object({ grants: z.array(mcpGrantView) });
