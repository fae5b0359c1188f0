import { createRoute, z } from '@hono/zod-openapi';
import { createSnapshotBody, restoreView, snapshotList, snapshotView as snapshotViewSchema } from '../../contracts/snapshots';
import { listSessionScripts } from '../../db/queries/scripts';
import { listSnapshots } from '../../db/queries/snapshots';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, SESSION_PATH as S, sessionParams, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { sessionRoom } from '../services/room';
import { planRestore, queueSteps, snapshotFiles, snapshotOf, snapshotView, takeSnapshot } from '../services/snapshots';

export const createSnapshot = createRoute({
  method: 'post',
  path: `${S}/snapshots`,
  summary: "Snapshot the session: its scripts' newest text (kept once per content, by sha-256), its change history and settings",
  request: { params: sessionParams, body: jsonBody(createSnapshotBody) },
  responses: { 201: jsonContent(snapshotViewSchema, 'The snapshot'), ...errorResponses },
});

export const listSessionSnapshots = createRoute({
  method: 'get',
  path: `${S}/snapshots`,
  summary: 'Snapshots taken of this session, newest first',
  request: { params: sessionParams },
  responses: { 200: jsonContent(snapshotList, 'Snapshots'), ...errorResponses },
});

export const listProjectSnapshots = createRoute({
  method: 'get',
  path: '/{projectId}/snapshots',
  summary: "The project's snapshots (of all its sessions, deleted ones included), newest first",
  request: { params: projectParams },
  responses: { 200: jsonContent(snapshotList, 'Snapshots'), ...errorResponses },
});

const snapshotParams = sessionParams.extend({ snapshotId: z.string() });

export const getSnapshot = createRoute({
  method: 'get',
  path: `/{projectId}/snapshots/{snapshotId}`,
  summary: 'One snapshot',
  request: { params: projectParams.extend({ snapshotId: z.string() }) },
  responses: { 200: jsonContent(snapshotViewSchema, 'The snapshot'), ...errorResponses },
});

export const restoreSnapshot = createRoute({
  method: 'post',
  path: `${S}/snapshots/{snapshotId}/restore`,
  summary:
    "Restore a snapshot (of any session of the project) into this session: the agent writes each of its scripts and deletes the session's scripts it lacks, one queued operation each, every one a change Undo can take back",
  request: { params: snapshotParams },
  responses: {
    202: jsonContent(restoreView, 'The queued operations, in order'),
    ...errorResponses,
    409: errorResponse('The session is stopped or expired (`session_closed`), or a stored text is missing (`snapshot_incomplete`)'),
    422: errorResponse('A file of the snapshot cannot be sent as an operation (`invalid_op`; `path` names the field): nothing was queued'),
  },
});

const create: AppRouteHandler<typeof createSnapshot> = async (c) => {
  const { session } = await sessionRoom(c, 'write');
  const row = await takeSnapshot(c.var.db, session, c.req.valid('json').name);
  return c.json(snapshotView(row), 201);
};

const listOfSession: AppRouteHandler<typeof listSessionSnapshots> = async (c) => {
  const { projectId, sessionId } = await sessionRoom(c, 'read');
  return c.json({ items: (await listSnapshots(c.var.db, projectId, sessionId)).map(snapshotView) }, 200);
};

const listOfProject: AppRouteHandler<typeof listProjectSnapshots> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json({ items: (await listSnapshots(c.var.db, projectId)).map(snapshotView) }, 200);
};

const get: AppRouteHandler<typeof getSnapshot> = async (c) => {
  const { projectId, snapshotId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json(snapshotView(await snapshotOf(c.var.db, projectId, snapshotId, 'snapshotId')), 200);
};

const restore: AppRouteHandler<typeof restoreSnapshot> = async (c) => {
  const room = await sessionRoom(c, 'write');
  const snapshot = await snapshotOf(c.var.db, room.projectId, c.req.valid('param').snapshotId, 'snapshotId');
  // Everything read and checked before the first operation is queued.
  const steps = planRestore(await listSessionScripts(c.var.db, room.sessionId), await snapshotFiles({ db: c.var.db, legacyBucket: c.env.ARTIFACTS }, snapshot));
  return c.json(await queueSteps(room, steps, { snapshotId: snapshot.id }), 202);
};

/** Snapshots of a session: take, list, read, restore (POST …/sessions {from_snapshot} is in sessions.ts). */
export const snapshotRoutes = createRouter()
  .openapi(createSnapshot, create)
  .openapi(listSessionSnapshots, listOfSession)
  .openapi(listProjectSnapshots, listOfProject)
  .openapi(getSnapshot, get)
  .openapi(restoreSnapshot, restore);
