import { Hono } from 'hono';
import { agentCommand, pairCommand } from '../../contracts/agent-install';
import { pairBody } from '../../contracts/api';
import { claimPairingCode, insertPairingCode, listAgents } from '../../db/queries/agents';
import { displayPrefix, generateApiToken, hashApiToken } from '../auth/api-token';
import { HttpError } from '../http/errors';
import { rateLimitByAddress } from '../http/middleware';
import { validate } from '../http/validate';
import { requireProject } from '../services/access';
import { currentAgentTarball } from '../services/agent-package';
import { generatePairingCode, hashPairingCode, MAX_LIVE_PAIRING_CODES, normalizePairingCode, PAIRING_TTL_MS } from '../services/pairing';
import type { AppEnv } from '../types';

/** Project-scoped: make a pairing code, list the project's agents. */
export const agentRoutes = new Hono<AppEnv>()
  .post('/:projectId/pairing-codes', async (c) => {
    const projectId = c.req.param('projectId');
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
  })
  .get('/:projectId/agents', async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const rows = await listAgents(c.var.db, projectId);
    return c.json({
      items: rows.map((a) => ({
        id: a.id,
        name: a.name,
        status: a.status,
        last_seen_at: a.lastSeenAt?.toISOString() ?? null,
        unity_profile: a.unityProfile,
        created_at: a.createdAt.toISOString(),
      })),
    });
  });

/** Public: the agent on the Unity machine trades a code for its token (shown once). */
export const pairRoutes = new Hono<AppEnv>().post('/pair', rateLimitByAddress(), validate('json', pairBody), async (c) => {
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
});
