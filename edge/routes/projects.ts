import { createRoute, z } from '@hono/zod-openapi';
import { addMemberBody, createdToken, createProjectBody, createTokenBody, memberView, projectList, projectView as projectViewSchema, tokenList } from '../../contracts/api';
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
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject, requireUser } from '../services/access';
import { audit } from '../services/audit';
import { forgetCachedToken } from '../services/token-cache';
import { closeTokenSockets } from '../services/revocation';
import { projectView, tokenView } from '../views';

export const createProject = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a project (you become its owner)',
  request: { body: jsonBody(createProjectBody) },
  responses: { 201: jsonContent(projectViewSchema, 'The new project'), ...errorResponses },
});

export const listProjects = createRoute({
  method: 'get',
  path: '/',
  summary: 'Projects you belong to (an API token: its own project)',
  responses: { 200: jsonContent(projectList, 'Projects'), ...errorResponses },
});

export const getProject = createRoute({
  method: 'get',
  path: '/{projectId}',
  summary: 'One project',
  request: { params: projectParams },
  responses: { 200: jsonContent(projectViewSchema, 'The project and your role in it'), ...errorResponses },
});

export const addMember = createRoute({
  method: 'post',
  path: '/{projectId}/members',
  summary: 'Add or change a member (owner)',
  request: { params: projectParams, body: jsonBody(addMemberBody) },
  responses: {
    201: jsonContent(memberView, 'The member and their role'),
    ...errorResponses,
    409: errorResponse('The change would leave the project without an owner'),
  },
});

export const createToken = createRoute({
  method: 'post',
  path: '/{projectId}/tokens',
  summary: 'Create an API token; the secret is shown once (owner)',
  request: { params: projectParams, body: jsonBody(createTokenBody) },
  responses: { 201: jsonContent(createdToken, 'The token, with its secret'), ...errorResponses },
});

export const listTokens = createRoute({
  method: 'get',
  path: '/{projectId}/tokens',
  summary: 'API tokens (owner)',
  request: { params: projectParams },
  responses: { 200: jsonContent(tokenList, 'Tokens, without their secrets'), ...errorResponses },
});

export const revokeToken = createRoute({
  method: 'delete',
  path: '/{projectId}/tokens/{tokenId}',
  summary: 'Revoke an API token and close its sockets (owner)',
  request: { params: projectParams.extend({ tokenId: z.string() }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses },
});

const create: AppRouteHandler<typeof createProject> = async (c) => {
  const user = requireUser(c.var.caller);
  const p = await insertProjectWithOwner(c.var.db, c.req.valid('json').name, user.userId);
  return c.json(projectView(p, 'owner'), 201);
};

const list: AppRouteHandler<typeof listProjects> = async (c) => {
  const caller = c.var.caller;
  if (caller.kind === 'token') {
    const p = await findProject(c.var.db, caller.projectId);
    return c.json({ items: p ? [projectView(p, null)] : [] }, 200);
  }
  const rows = await listProjectsForUser(c.var.db, caller.userId);
  return c.json({ items: rows.map((p) => projectView(p, p.role)) }, 200);
};

const get: AppRouteHandler<typeof getProject> = async (c) => {
  const { projectId } = c.req.valid('param');
  const role = await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const p = await findProject(c.var.db, projectId);
  if (!p) throw notFound('project');
  return c.json(projectView(p, role), 200);
};

const member: AppRouteHandler<typeof addMember> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const { email, role } = c.req.valid('json');
  const user = await findUserByEmail(c.var.db, email);
  if (!user) throw new HttpError(404, 'not_found', 'no user with this email; ask them to sign up first', 'email');
  if (!(await upsertMembership(c.var.db, projectId, user.id, role))) {
    throw new HttpError(409, 'last_owner', 'a project must keep an owner: make someone else owner first', 'role');
  }
  return c.json({ user_id: user.id, email: user.email, role }, 201);
};

const token: AppRouteHandler<typeof createToken> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const { name, scope } = c.req.valid('json');
  const secret = generateApiToken();
  const row = await insertApiToken(c.var.db, {
    projectId,
    name,
    scope,
    tokenHash: await hashApiToken(secret),
    tokenPrefix: displayPrefix(secret),
    createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
  });
  await audit(c, projectId, 'token.created', row.id, { name, scope });
  return c.json({ ...tokenView(row), token: secret }, 201);
};

const tokens: AppRouteHandler<typeof listTokens> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  return c.json({ items: (await listApiTokens(c.var.db, projectId)).map(tokenView) }, 200);
};

const revoke: AppRouteHandler<typeof revokeToken> = async (c) => {
  const { projectId, tokenId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  if (!isUuid(tokenId) || !(await revokeApiToken(c.var.db, projectId, tokenId))) throw notFound('token');
  forgetCachedToken(tokenId); // other isolates refuse it once their entry expires (token-cache.ts)
  await closeTokenSockets(c.env, c.var.db, projectId, tokenId);
  await audit(c, projectId, 'token.revoked', tokenId);
  return c.body(null, 204);
};

export const projectRoutes = createRouter()
  .openapi(createProject, create)
  .openapi(listProjects, list)
  .openapi(getProject, get)
  .openapi(addMember, member)
  .openapi(createToken, token)
  .openapi(listTokens, tokens)
  .openapi(revokeToken, revoke);
