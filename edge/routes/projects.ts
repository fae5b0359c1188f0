import { Hono } from 'hono';
import { addMemberBody, createProjectBody, createTokenBody } from '../../contracts/api';
import {
  findProject,
  findUserByEmail,
  insertApiToken,
  insertProjectWithOwner,
  listApiTokens,
  listProjectsForUser,
  revokeApiToken,
  upsertMembership,
} from '../../db/queries/identity';
import { displayPrefix, generateApiToken, hashApiToken } from '../auth/api-token';
import { HttpError, notFound } from '../http/errors';
import { validate } from '../http/validate';
import { isUuid, requireProject, requireUser } from '../services/access';
import { forgetCachedToken } from '../services/token-cache';
import { closeTokenSockets } from '../services/revocation';
import type { AppEnv } from '../types';
import { tokenView } from '../views';

export const projectRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createProjectBody), async (c) => {
    const user = requireUser(c.var.caller);
    const p = await insertProjectWithOwner(c.var.db, c.req.valid('json').name, user.userId);
    return c.json({ id: p.id, name: p.name, role: 'owner' as const, created_at: p.createdAt.toISOString() }, 201);
  })
  .get('/', async (c) => {
    const caller = c.var.caller;
    if (caller.kind === 'token') {
      const p = await findProject(c.var.db, caller.projectId);
      return c.json({ items: p ? [{ id: p.id, name: p.name, role: null, created_at: p.createdAt.toISOString() }] : [] });
    }
    const rows = await listProjectsForUser(c.var.db, caller.userId);
    return c.json({ items: rows.map((p) => ({ id: p.id, name: p.name, role: p.role, created_at: p.createdAt.toISOString() })) });
  })
  .get('/:projectId', async (c) => {
    const projectId = c.req.param('projectId');
    const role = await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const p = await findProject(c.var.db, projectId);
    if (!p) throw notFound('project');
    return c.json({ id: p.id, name: p.name, role, created_at: p.createdAt.toISOString() });
  })
  .post('/:projectId/members', validate('json', addMemberBody), async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    const { email, role } = c.req.valid('json');
    const user = await findUserByEmail(c.var.db, email);
    if (!user) throw new HttpError(404, 'not_found', 'no user with this email; ask them to sign up first', 'email');
    if (!(await upsertMembership(c.var.db, projectId, user.id, role))) {
      throw new HttpError(409, 'last_owner', 'a project must keep an owner: make someone else owner first', 'role');
    }
    return c.json({ user_id: user.id, email: user.email, role }, 201);
  })
  .post('/:projectId/tokens', validate('json', createTokenBody), async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    const { name, scope } = c.req.valid('json');
    const token = generateApiToken();
    const row = await insertApiToken(c.var.db, {
      projectId,
      name,
      scope,
      tokenHash: await hashApiToken(token),
      tokenPrefix: displayPrefix(token),
      createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
    });
    return c.json({ ...tokenView(row), token }, 201);
  })
  .get('/:projectId/tokens', async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    return c.json({ items: (await listApiTokens(c.var.db, projectId)).map(tokenView) });
  })
  .delete('/:projectId/tokens/:tokenId', async (c) => {
    const { projectId, tokenId } = c.req.param();
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    if (!isUuid(tokenId) || !(await revokeApiToken(c.var.db, projectId, tokenId))) throw notFound('token');
    forgetCachedToken(tokenId); // other isolates refuse it once their entry expires (token-cache.ts)
    await closeTokenSockets(c.env, c.var.db, projectId, tokenId);
    return c.body(null, 204);
  });
