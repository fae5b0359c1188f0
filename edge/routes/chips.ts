import { createRoute, z } from '@hono/zod-openapi';
import { listOf } from '../../contracts/api';
import { createReplay, labelProblem } from '../../contracts/chip-eval';
import {
  chipEvaluationBody,
  chipEvaluationView,
  chipView,
  createChipJson,
  MAX_REPLAY_EVENTS,
  parseChipYaml,
} from '../../contracts/chips';
import { findChipVersion, insertChipEvaluation, insertChipVersion, listChipEvaluations, listChipVersions, replayPage } from '../../db/queries/chips';
import type { chipEvaluations, chips } from '../../db/schema';
import { HttpError, notFound } from '../http/errors';
import { isJsonMediaType } from '../http/validate';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';

const chipParams = projectParams.extend({ chipId: z.string() });

export const createChip = createRoute({
  method: 'post',
  path: '/{projectId}/chips',
  summary: 'Store a chip version (YAML body, or JSON {yaml})',
  request: {
    params: projectParams,
    body: {
      content: {
        'application/json': { schema: createChipJson },
        'application/yaml': { schema: z.string() },
        'text/yaml': { schema: z.string() },
      },
      required: false,
    },
  },
  responses: {
    201: jsonContent(chipView, 'The stored chip version'),
    ...errorResponses,
    409: errorResponse('This chip id and version is already stored'),
    413: errorResponse('The chip is over 64 KiB'),
    415: errorResponse('The body is neither YAML nor JSON'),
  },
});

export const listChips = createRoute({
  method: 'get',
  path: '/{projectId}/chips',
  summary: 'Chip versions, newest first',
  request: { params: projectParams },
  responses: { 200: jsonContent(listOf(chipView), 'Chip versions'), ...errorResponses },
});

export const evaluateChip = createRoute({
  method: 'post',
  path: '/{projectId}/chips/{chipId}/evaluations',
  summary: 'Replay the stored events through a chip version and keep the report',
  request: { params: chipParams, body: jsonBody(chipEvaluationBody) },
  responses: { 201: jsonContent(chipEvaluationView, 'The evaluation and its report'), ...errorResponses },
});

export const listEvaluations = createRoute({
  method: 'get',
  path: '/{projectId}/chips/{chipId}/evaluations',
  summary: "A chip version's evaluations, newest first",
  request: { params: chipParams },
  responses: { 200: jsonContent(listOf(chipEvaluationView), 'Evaluations'), ...errorResponses },
});

const view = (r: typeof chips.$inferSelect) => ({
  id: r.id,
  chip_id: r.chipKey,
  name: r.name,
  version: r.version,
  definition: r.definition,
  created_at: r.createdAt.toISOString(),
});

const evaluationView = (r: typeof chipEvaluations.$inferSelect) => ({
  id: r.id,
  chip: r.chipId,
  status: r.status,
  params: r.params,
  started_at: r.startedAt.toISOString(),
  finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
  report: r.result ?? null,
});

const create: AppRouteHandler<typeof createChip> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'write');
  // JSON was read and bounded by limitBodies; YAML arrives raw, bounded by its body limit.
  const json = isJsonMediaType(c.req.header('content-type')) ? (c.req.valid('json') as z.infer<typeof createChipJson>) : null;
  const yaml = json ? json.yaml : await c.req.text();
  if (!yaml) throw new HttpError(400, 'invalid_body', 'the chip YAML is empty');
  const parsed = parseChipYaml(yaml);
  if (!parsed.ok) throw new HttpError(400, 'invalid_chip', parsed.problem.message, parsed.problem.path || undefined);
  const { chip } = parsed;
  const row = await insertChipVersion(c.var.db, {
    projectId,
    chipKey: chip.id,
    version: chip.version,
    name: chip.name,
    definition: chip,
    source: yaml,
    createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
  });
  if (!row) throw new HttpError(409, 'conflict', `chip ${chip.id} version ${chip.version} is already stored`, 'chip.version');
  return c.json(view(row), 201);
};

const list: AppRouteHandler<typeof listChips> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json({ items: (await listChipVersions(c.var.db, projectId)).map(view) }, 200);
};

const PAGE = 1000;

const evaluate: AppRouteHandler<typeof evaluateChip> = async (c) => {
  const { projectId, chipId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'write');
  const chipRow = isUuid(chipId) ? await findChipVersion(c.var.db, projectId, chipId) : null;
  if (!chipRow) throw notFound('chip');
  const body = c.req.valid('json');
  const chip = chipRow.definition;
  if (body.labels) {
    const problem = labelProblem(chip, body.labels);
    if (problem) throw new HttpError(400, 'invalid_body', problem.message, problem.path);
  }
  if (body.since !== undefined && body.until !== undefined && body.until <= body.since) {
    throw new HttpError(400, 'invalid_body', 'until must be after since', 'until');
  }
  const startedAt = new Date();
  const replay = createReplay(chip, body.labels);
  const filter = { projectId, sessionId: body.session_id, since: body.since, until: body.until };
  let cursor: { at: string; id: string } | null = null;
  let seen = 0;
  do {
    const page = await replayPage(c.var.db, filter, PAGE, cursor);
    seen += page.events.length;
    if (seen > MAX_REPLAY_EVENTS) {
      throw new HttpError(400, 'too_many_events', `more than ${MAX_REPLAY_EVENTS} events in the window: narrow it with since/until or session_id`, 'since');
    }
    page.events.forEach(replay.add);
    cursor = page.next;
  } while (cursor);
  const row = await insertChipEvaluation(c.var.db, {
    chipId: chipRow.id,
    projectId,
    params: body,
    status: 'completed',
    startedAt,
    finishedAt: new Date(),
    result: replay.report(),
  });
  return c.json(evaluationView(row), 201);
};

const listEvals: AppRouteHandler<typeof listEvaluations> = async (c) => {
  const { projectId, chipId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const chipRow = isUuid(chipId) ? await findChipVersion(c.var.db, projectId, chipId) : null;
  if (!chipRow) throw notFound('chip');
  return c.json({ items: (await listChipEvaluations(c.var.db, projectId, chipRow.id)).map(evaluationView) }, 200);
};

export const chipRoutes = createRouter()
  .openapi(createChip, create)
  .openapi(listChips, list)
  .openapi(evaluateChip, evaluate)
  .openapi(listEvaluations, listEvals);
