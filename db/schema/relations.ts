// Relations for drizzle's relational queries (db.query.*). They add no SQL; drizzle-kit ignores them.
import { relations } from 'drizzle-orm';
import { agents, pairingCodes } from './agents';
import { chipEvaluations, chips, digests } from './chips';
import { patches, snapshots } from './history';
import { apiTokens, memberships, projects, users } from './identity';
import { webhookDeliveries, webhookSources } from './webhooks';
import { buildJobs, generatedScripts, previews } from './runtime';
import { sessions } from './sessions';

export const usersRelations = relations(users, ({ many }) => ({
  memberships: many(memberships),
  ownedProjects: many(projects),
}));

export const projectsRelations = relations(projects, ({ one, many }) => ({
  owner: one(users, { fields: [projects.ownerId], references: [users.id] }),
  memberships: many(memberships),
  apiTokens: many(apiTokens),
  sessions: many(sessions),
  agents: many(agents),
  webhookSources: many(webhookSources),
  chips: many(chips),
  digests: many(digests),
}));

export const membershipsRelations = relations(memberships, ({ one }) => ({
  project: one(projects, { fields: [memberships.projectId], references: [projects.id] }),
  user: one(users, { fields: [memberships.userId], references: [users.id] }),
}));

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  project: one(projects, { fields: [apiTokens.projectId], references: [projects.id] }),
}));

export const sessionsRelations = relations(sessions, ({ one, many }) => ({
  project: one(projects, { fields: [sessions.projectId], references: [projects.id] }),
  previews: many(previews),
  generatedScripts: many(generatedScripts),
  buildJobs: many(buildJobs),
  patches: many(patches),
  snapshots: many(snapshots),
}));

export const previewsRelations = relations(previews, ({ one }) => ({
  session: one(sessions, { fields: [previews.sessionId], references: [sessions.id] }),
}));

export const generatedScriptsRelations = relations(generatedScripts, ({ one }) => ({
  session: one(sessions, { fields: [generatedScripts.sessionId], references: [sessions.id] }),
}));

export const buildJobsRelations = relations(buildJobs, ({ one }) => ({
  session: one(sessions, { fields: [buildJobs.sessionId], references: [sessions.id] }),
}));

export const patchesRelations = relations(patches, ({ one }) => ({
  session: one(sessions, { fields: [patches.sessionId], references: [sessions.id] }),
}));

export const snapshotsRelations = relations(snapshots, ({ one }) => ({
  session: one(sessions, { fields: [snapshots.sessionId], references: [sessions.id] }),
}));

export const agentsRelations = relations(agents, ({ one, many }) => ({
  project: one(projects, { fields: [agents.projectId], references: [projects.id] }),
  token: one(apiTokens, { fields: [agents.tokenId], references: [apiTokens.id] }),
  pairingCodes: many(pairingCodes),
}));

export const pairingCodesRelations = relations(pairingCodes, ({ one }) => ({
  project: one(projects, { fields: [pairingCodes.projectId], references: [projects.id] }),
  agent: one(agents, { fields: [pairingCodes.agentId], references: [agents.id] }),
}));

export const webhookSourcesRelations = relations(webhookSources, ({ one, many }) => ({
  project: one(projects, { fields: [webhookSources.projectId], references: [projects.id] }),
  deliveries: many(webhookDeliveries),
}));

export const webhookDeliveriesRelations = relations(webhookDeliveries, ({ one }) => ({
  source: one(webhookSources, { fields: [webhookDeliveries.sourceId], references: [webhookSources.id] }),
}));

export const chipsRelations = relations(chips, ({ one, many }) => ({
  project: one(projects, { fields: [chips.projectId], references: [projects.id] }),
  evaluations: many(chipEvaluations),
}));

export const chipEvaluationsRelations = relations(chipEvaluations, ({ one }) => ({
  chip: one(chips, { fields: [chipEvaluations.chipId], references: [chips.id] }),
}));

export const digestsRelations = relations(digests, ({ one }) => ({
  project: one(projects, { fields: [digests.projectId], references: [projects.id] }),
}));
