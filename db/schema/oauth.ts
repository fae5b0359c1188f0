// OAuth 2.1 for remote MCP clients: clients registered by themselves (RFC 7591), grants of one
// person's project to one client, and one-time authorization codes. Tokens and codes are random
// and kept only as SHA-256 hashes, like API tokens.
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects, users } from './identity';

export const oauthClients = pgTable('oauth_clients', {
  // The client_id the client sends: public clients (PKCE, no secret).
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  redirectUris: text('redirect_uris').array().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A person's approval of a client for one project: what /mcp accepts, until revoked. It holds the
 * current access and refresh token (both rotate on refresh), so revoking it ends both at once.
 */
export const oauthGrants = pgTable(
  'oauth_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    accessTokenHash: text('access_token_hash').unique(),
    accessExpiresAt: timestamp('access_expires_at', { withTimezone: true }),
    refreshTokenHash: text('refresh_token_hash').unique(),
    // The refresh token just rotated away: presented again, it was copied, and the grant ends (OAuth 2.1 §4.3.1).
    previousRefreshTokenHash: text('previous_refresh_token_hash').unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('oauth_grants_user_id_idx').on(t.userId), index('oauth_grants_project_id_idx').on(t.projectId), index('oauth_grants_client_id_idx').on(t.clientId)],
);

/** A code lives a minute and is spent once; a second use revokes its grant (OAuth 2.1 §4.1.3). */
export const oauthCodes = pgTable(
  'oauth_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    grantId: uuid('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    redirectUri: text('redirect_uri').notNull(),
    codeChallenge: text('code_challenge').notNull(),
    resource: text('resource'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('oauth_codes_grant_id_idx').on(t.grantId)],
);

export type OauthClient = typeof oauthClients.$inferSelect;
export type OauthGrant = typeof oauthGrants.$inferSelect;
