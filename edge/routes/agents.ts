import { createRoute } from '@hono/zod-openapi';
import { agentCommand, pairCommand } from '../../contracts/agent-install';
import { agentList, pairBody, pairingCodeView, pairResponse } from '../../contracts/api';
import { claimPairingCode, insertPairingCode, listAgents } from '../../db/queries/agents';
import { displayPrefix, generateApiToken, hashApiToken } from '../auth/api-token';
import { HttpError } from '../http/errors';
import { rateLimitByAddress } from '../http/middleware';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, PUBLIC, publicErrorResponses, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { currentAgentTarball } from '../services/agent-package';
import { generatePairingCode, hashPairingCode, MAX_LIVE_PAIRING_CODES, normalizePairingCode, PAIRING_TTL_MS } from '../services/pairing';
import { agentView } from '../views';

export const createPairingCode = createRoute({
  method: 'post',
  path: '/{projectId}/pairing-codes',
  summary: 'A one-time code (10 minutes) to pair an agent (owner), with the command that installs and pairs it',
  request: { params: projectParams },
  responses: { 201: jsonContent(pairingCodeView, 'The code and the commands to run'), ...errorResponses },
});

export const listProjectAgents = createRoute({
  method: 'get',
  path: '/{projectId}/agents',
  summary: "The project's agents",
  request: { params: projectParams },
  responses: { 200: jsonContent(agentList, 'Agents'), ...errorResponses },
});

export const pairAgent = createRoute({
  method: 'post',
  path: '/pair',
  summary: 'Trade a pairing code for an agent token (shown once)',
  ...PUBLIC,
  middleware: [rateLimitByAddress()] as const,
  request: { body: jsonBody(pairBody) },
  responses: {
    201: jsonContent(pairResponse, 'The agent token and where it belongs'),
    ...publicErrorResponses,
    404: errorResponse('The code is unknown, used or expired (`invalid_code`)'),
  },
});

const pairingCode: AppRouteHandler<typeof createPairingCode> = async (c) => {
  const { projectId } = c.req.valid('param');
  // A pairing code becomes an agent token that can write code into the Unity project: owners only.
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const code = generatePairingCode();
  const row = await insertPairingCode(
    c.var.db,
    {
      projectId,
      codeHash: await hashPairingCode(code),
      createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
      expiresAt: new Date(Date.now() + PAIRING_TTL_MS),
    },
    MAX_LIVE_PAIRING_CODES,
  );
  if (!row) {
    throw new HttpError(429, 'too_many_pairing_codes', `this project already has ${MAX_LIVE_PAIRING_CODES} unused pairing codes; use one or wait until they expire (10 minutes)`, undefined, { 'Retry-After': '600' });
  }
  const edge = new URL(c.req.url).origin;
  const tarball = await currentAgentTarball(c.env.ASSETS, edge);
  return c.json({ code, expires_at: row.expiresAt.toISOString(), command: pairCommand(edge, code, tarball), start_command: agentCommand(edge, 'start', tarball) }, 201);
};

const agents: AppRouteHandler<typeof listProjectAgents> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json({ items: (await listAgents(c.var.db, projectId)).map(agentView) }, 200);
};

/** Project-scoped: make a pairing code, list the project's agents. */
export const agentRoutes = createRouter().openapi(createPairingCode, pairingCode).openapi(listProjectAgents, agents);

const pair: AppRouteHandler<typeof pairAgent> = async (c) => {
  const { code, name } = c.req.valid('json');
  if (normalizePairingCode(code).length !== 8) throw new HttpError(400, 'invalid_json', 'code must be the 8-character pairing code', 'code');
  const token = generateApiToken();
  const outcome = await claimPairingCode(c.var.db, {
    codeHash: await hashPairingCode(code),
    agentName: name,
    tokenHash: await hashApiToken(token),
    tokenPrefix: displayPrefix(token),
  });
  if (!outcome.ok) throw new HttpError(404, 'invalid_code', 'this pairing code is unknown, used or expired; check it or make a new one in the browser', 'code');
  return c.json({ token, project_id: outcome.projectId, agent_id: outcome.agentId }, 201);
};

/** Public: the agent on the Unity machine trades a code for its token (shown once). */
export const pairRoutes = createRouter().openapi(pairAgent, pair);
