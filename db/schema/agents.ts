// Local agents on Unity machines, and the one-time codes that pair them with a project.
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { apiTokens, users } from './identity';
import { projectRef } from './columns';

export type AgentStatus = 'pending' | 'online' | 'offline' | 'revoked';

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    name: text('name').notNull(),
    // The agent-scope token it authenticates with.
    tokenId: uuid('token_id').references(() => apiTokens.id, { onDelete: 'set null' }),
    status: text('status').$type<AgentStatus>().notNull().default('offline'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    unityProfile: text('unity_profile'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('agents_project_id_idx').on(t.projectId),
    index('agents_token_id_idx').on(t.tokenId),
  ],
);

export const pairingCodes = pgTable(
  'pairing_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Only a hash of the short code is stored.
    codeHash: text('code_hash').notNull().unique(),
    projectId: projectRef(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('pairing_codes_project_id_idx').on(t.projectId),
    index('pairing_codes_created_by_idx').on(t.createdBy),
    index('pairing_codes_agent_id_idx').on(t.agentId),
  ],
);

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;
export type PairingCode = typeof pairingCodes.$inferSelect;
export type NewPairingCode = typeof pairingCodes.$inferInsert;
